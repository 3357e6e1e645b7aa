/// <reference types="@cloudflare/vitest-pool-workers/types" />
// Bindings the test configuration adds (vitest.config.ts, project "workers"); ADMIN_TOKEN is typed in worker/env.ts.
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}
