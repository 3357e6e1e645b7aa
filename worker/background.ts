// Work that must not hold up the response (usage counters, quota flushes). On the Workers runtime it is handed to
// waitUntil so the isolate stays alive for it; failures are logged, never thrown into the request.
import type { Context } from "hono";
import type { AppEnv } from "./env.ts";
import { logEvent } from "./log.ts";

export function runInBackground(c: Context<AppEnv>, event: string, work: Promise<void>): void {
  const logged = work.catch((err) => logEvent(c, "warn", event, { detail: String((err as Error)?.message ?? err) }));
  try {
    c.executionCtx.waitUntil(logged);
  } catch {
    // No execution context (app.request without one, as in tests): the promise still runs to completion.
  }
}
