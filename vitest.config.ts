import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Three projects, all run by `npm test` (`vitest run --project <name>` runs one):
//   unit         test/node/     Node-side code: the numeric core against its reference, the trainer, the CLI, tools
//   workerd      test/workers/  the Worker inside workerd, with real D1 and the real migrations
//   whole-stack  test/stack/    real processes end to end: `npm start`, wrangler dev with the embeddings server, the
//                               deploy against a stand-in account, the `openai` client, the operator's retraining
//                               loop, the packed `pref` installed. Each starts its own servers, and some bound how
//                               long a request may take, so they run one at a time, after the other two projects.
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
            name: "workerd",
            include: ["test/workers/**/*.test.ts"],
            setupFiles: ["test/workers/apply-migrations.ts"],
            globalSetup: ["test/workers/fake-upstream.global.ts"],
            // A deadline against hangs, not a speed check: CI shares 2 cores with whatever else runs.
            testTimeout: 30_000,
            sequence: { groupOrder: 0 },
          },
        },
        {
          test: {
            name: "unit",
            environment: "node",
            include: ["test/node/**/*.test.ts"],
            testTimeout: 60_000,
            sequence: { groupOrder: 0 },
          },
        },
        {
          test: {
            name: "whole-stack",
            environment: "node",
            include: ["test/stack/**/*.test.ts"],
            testTimeout: 60_000,
            fileParallelism: false,
            sequence: { groupOrder: 1 },
          },
        },
      ],
    },
  };
});
