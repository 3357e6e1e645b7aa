import { defineConfig } from "vitest/config";

// End-to-end tests: a real local stack (wrangler dev + embeddings server) driven by headless Chromium. Slow and
// needing the `chromium` package, so `npm test` does not run them; `npm run test:e2e` does.
export default defineConfig({
  test: {
    name: "e2e",
    environment: "node",
    include: ["test/e2e/**/*.e2e.ts"],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    // One stack and one browser at a time: the machine has 2 cores.
    fileParallelism: false,
  },
});
