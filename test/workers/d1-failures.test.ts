// D1 failures: a query or batch that errors or times out answers 503 db_unavailable with x-should-retry (and
// Retry-After), the request id in the body; a write that failed left nothing behind, and the retry stores once.
// The failures are injected around the real database (faulty-d1.ts).
import { createExecutionContext } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../../worker/app.ts";
import { loadConfig } from "../../worker/config.ts";
import { FaultyD1 } from "./faulty-d1.ts";
import { call, env, ORIGIN, setupTenant, storedCounts, unique, vectors, type TenantSetup } from "./helpers.ts";
import { captureLogs } from "./logs.ts";

const d = 8;
const [a, b, c2] = vectors(3, d, 301).map((embedding) => ({ embedding }));
const db = new FaultyD1(env.DB);
// A short D1 deadline, so that a hanging call is a fast failure.
const app = createApp({ ...loadConfig(env), d1TimeoutMs: 200 });
const send = async (method: string, path: string, key: string, body?: unknown) => {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) };
  const res = await app.fetch(new Request(`${ORIGIN}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined }), { ...env, DB: db as unknown as D1Database }, createExecutionContext());
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : null };
};

let t: TenantSetup;
beforeAll(async () => {
  t = await setupTenant({ basis: (await import("./helpers.ts")).makeBasis({ d }) });
});
afterEach(() => {
  db.fault = "none";
  vi.restoreAllMocks();
});

const expectRetryable = (res: { status: number; headers: Headers; body: any }) => {
  expect(res.status, JSON.stringify(res.body)).toBe(503);
  expect(res.body.error.code).toBe("db_unavailable");
  expect(res.headers.get("x-should-retry")).toBe("true");
  expect(res.headers.get("retry-after")).toBe("1");
  expect(res.body.error.request_id).toBe(res.headers.get("x-request-id"));
};

describe("D1 failures", () => {
  it("a feedback batch that fails stores nothing (not even half), answers 503, and the retry stores once", async () => {
    const user = unique("u");
    const fb = (chosen: unknown, rejected: unknown) => send("POST", "/v1/feedback", t.key, { user, prompt: "p", chosen, rejected, idempotency_key: unique("k") });
    expect((await fb(a, b)).status).toBe(200);
    const before = await storedCounts(t.tenant);
    const exportBefore = (await call("GET", `/v1/users/${user}/export`, { key: t.key })).body;

    const logs = captureLogs();
    db.fault = "batch";
    const body = { user, prompt: "p", chosen: a, rejected: c2, idempotency_key: "retry-me" };
    const failed = await send("POST", "/v1/feedback", t.key, body);
    expectRetryable(failed);
    expect(await storedCounts(t.tenant)).toEqual(before);
    expect((await call("GET", `/v1/users/${user}/export`, { key: t.key })).body).toEqual(exportBefore);
    expect(logs.lines().find((l) => l.event === "error")).toMatchObject({ code: "db_unavailable", request_id: failed.body.error.request_id });

    db.fault = "none";
    const retried = await send("POST", "/v1/feedback", t.key, body);
    expect(retried.status).toBe(200);
    expect(retried.body.user.feedback_count).toBe(2);
    expect((await storedCounts(t.tenant)).feedback).toBe(before.feedback + 1);
  });

  it("a delete whose batch fails deletes nothing", async () => {
    const user = unique("u");
    expect((await send("POST", "/v1/feedback", t.key, { user, prompt: "p", chosen: a, rejected: b })).status).toBe(200);
    const before = await storedCounts(t.tenant);
    db.fault = "batch";
    expectRetryable(await send("DELETE", `/v1/users/${user}`, t.key));
    expect(await storedCounts(t.tenant)).toEqual(before);
    db.fault = "none";
    expect((await send("DELETE", `/v1/users/${user}`, t.key)).status).toBe(204);
  });

  it("a failing or hanging read answers 503 (within the D1 deadline), on every route", async () => {
    for (const fault of ["queries", "hang"] as const) {
      db.fault = fault;
      expectRetryable(await send("POST", "/v1/rank", t.key, { user: "u", prompt: "p", candidates: [a, b] }));
      expectRetryable(await send("POST", "/v1/questions/next", t.key, { user: "u", prompt: "p", candidates: [a, b] }));
      expectRetryable(await send("GET", "/v1/users/u", t.key));
      expectRetryable(await send("POST", "/v1/feedback", t.key, { user: unique("u"), prompt: "p", chosen: a, rejected: b }));
    }
  });

  it("an error a retry cannot fix (bad SQL) is a 500 that says not to retry", async () => {
    db.fault = "sql";
    const res = await send("POST", "/v1/rank", t.key, { user: "u", prompt: "p", candidates: [a, b] });
    expect(res.status).toBe(500);
    expect(res.headers.get("x-should-retry")).toBe("false");
    expect(res.body.error.message).not.toContain("mean_v2");
  });
});
