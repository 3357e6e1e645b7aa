// A body that trickles in (one byte at a time, forever) is refused with 408 once BODY_TIMEOUT_MS has passed,
// instead of holding the request open; a body over the size limit sent without a length is refused as it grows.
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { loadConfig } from "../../worker/config.ts";
import { env, ORIGIN, setupTenant } from "./helpers.ts";

/** A body stream that sends `chunk` every `everyMs`, `times` times (Infinity: until cancelled). */
function trickle(chunk: string, everyMs: number, times = Infinity): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let timer: ReturnType<typeof setInterval> | undefined;
  let cancelled = false;
  const bytes = new TextEncoder().encode(chunk);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setInterval(() => {
        if (sent++ >= times) {
          clearInterval(timer);
          controller.close();
        } else controller.enqueue(bytes);
      }, everyMs);
    },
    cancel() {
      cancelled = true;
      clearInterval(timer);
    },
  });
  return { stream, cancelled: () => cancelled };
}

describe("request bodies", () => {
  it("one that does not arrive within BODY_TIMEOUT_MS is a 408, and its stream is cancelled", async () => {
    const t = await setupTenant();
    const app = createApp({ ...loadConfig(env), bodyTimeoutMs: 300 });
    const slow = trickle("{", 50);
    const started = Date.now();
    const res = await app.fetch(
      new Request(`${ORIGIN}/v1/rank`, { method: "POST", headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" }, body: slow.stream, duplex: "half" } as RequestInit),
      env,
      createExecutionContext(),
    );
    expect(res.status).toBe(408);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(((await res.json()) as any).error).toMatchObject({ code: "request_timeout", field: "body" });
    expect(slow.cancelled()).toBe(true);
  });

  it("one with a declared length that trickles in is a 408 too", async () => {
    const t = await setupTenant();
    const app = createApp({ ...loadConfig(env), bodyTimeoutMs: 300 });
    const slow = trickle("{", 50);
    const headers = { authorization: `Bearer ${t.key}`, "content-type": "application/json", "content-length": "1000" };
    const started = Date.now();
    const res = await app.fetch(new Request(`${ORIGIN}/v1/rank`, { method: "POST", headers, body: slow.stream, duplex: "half" } as RequestInit), env, createExecutionContext());
    expect(res.status).toBe(408);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("one without a length that grows past the limit is a 413 as soon as it does", async () => {
    const t = await setupTenant();
    const app = createApp({ ...loadConfig(env), maxBodyBytes: 4096 });
    const big = trickle("x".repeat(1024), 1, 10);
    const res = await app.fetch(
      new Request(`${ORIGIN}/v1/rank`, { method: "POST", headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" }, body: big.stream, duplex: "half" } as RequestInit),
      env,
      createExecutionContext(),
    );
    expect(res.status).toBe(413);
    expect(big.cancelled()).toBe(true);
  });
});
