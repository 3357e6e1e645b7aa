import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes flat SQL migrations into migrations/ (wrangler and readD1Migrations read the
// top-level *.sql files; drizzle-kit's own snapshots live in migrations/meta/).
export default defineConfig({
  dialect: "sqlite",
  schema: "./worker/db/schema.ts",
  out: "./migrations",
});
