import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Two projects: Worker code runs inside workerd with real D1 and the real migrations;
// Node-side code (core numerics, offline trainer, CLI) runs in plain Node.
export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    test: {
      // The Worker's structured log lines (one per request) are checked where it matters (captureLogs in
      // test/workers/logs.ts), not printed.
      onConsoleLog: (log: string) => !log.startsWith('{"ts":'),
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  ADMIN_TOKEN: "test-admin-token",
                  HASH_SECRET: "test-hash-secret",
                  // The `openai` embedder's endpoint; test/workers/embedders.test.ts fakes this host.
                  EMBEDDINGS_URL: "http://embeddings.fake/v1/embeddings",
                  EMBEDDINGS_API_KEY: "fake-embeddings-key",
                  // Chat: tenants point at the fake upstream (test/workers/fake-upstream.global.ts) with their own
                  // settings; UPSTREAM_URL stays unset so "not configured" is testable. Short deadlines keep faults fast.
                  UPSTREAM_API_KEY: "sk-fake-upstream",
                  UPSTREAM_TIMEOUT_MS: "1000",
                  UPSTREAM_RETRIES: "2",
                  UPSTREAM_BACKOFF_MS: "10",
                  // Streamed upstream answers (off by default: docs/chat-latency.md) are what chat.test.ts exercises.
                  UPSTREAM_STREAM: "true",
                },
                // A rate-limit plan small enough to run out of in a test (wrangler.toml's plans are real-sized).
                ratelimits: { RATE_LIMIT_TINY: { simple: { limit: 3, period: 60 } } },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["test/workers/**/*.test.ts"],
            setupFiles: ["test/workers/apply-migrations.ts"],
            globalSetup: ["test/workers/fake-upstream.global.ts"],
            // A deadline against hangs, not a speed check: CI shares 2 cores with whatever else runs.
            testTimeout: 30_000,
          },
        },
        {
          test: {
            name: "node",
            environment: "node",
            include: ["test/node/**/*.test.ts"],
            testTimeout: 60_000,
          },
        },
      ],
    },
  };
});
