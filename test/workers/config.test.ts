// Configuration: limits and the question stop rule come from [vars]; the health check names what failed.
import { createExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../worker/app.ts";
import { loadConfig, type Config } from "../../worker/config.ts";
import { call, env, ORIGIN, setupTenant, unique, vectors } from "./helpers.ts";
import { captureLogs } from "./logs.ts";

const d = 8;
const cands = vectors(3, d, 71).map((embedding) => ({ embedding }));

/** The app built with a modified configuration, called directly. */
function appWith(patch: Partial<Config>) {
  const app = createApp({ ...loadConfig(env as never), ...patch });
  return async (method: string, path: string, key: string | null, body?: unknown) => {
    const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
    if (key) headers.authorization = `Bearer ${key}`;
    const res = await app.fetch(new Request(`${ORIGIN}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }), env, createExecutionContext());
    return { status: res.status, body: (await res.json()) as any };
  };
}

describe("question stop rule", () => {
  it("stops at the budget of answered comparisons", async () => {
    const t = await setupTenant();
    const send = appWith({ questionBudget: 2 });
    const user = unique("u");
    for (let i = 0; i < 2; i++) {
      const q = await send("POST", "/v1/questions/next", t.key, { user, prompt: `p${i}`, candidates: cands });
      expect(q.body).toMatchObject({ ask: true, reason: "ask" });
      await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: `p${i}`, chosen: cands[q.body.a], rejected: cands[q.body.b] } });
    }
    const done = await send("POST", "/v1/questions/next", t.key, { user, prompt: "p9", candidates: cands });
    expect(done.body).toMatchObject({ ask: false, reason: "budget" });
  });

  it("stops once the most uncertain pair is below the threshold", async () => {
    const t = await setupTenant();
    const q = await appWith({ questionThreshold: 0.99 })("POST", "/v1/questions/next", t.key, { user: "u", prompt: "p", candidates: cands });
    expect(q.body).toMatchObject({ ask: false, reason: "confident" });
    expect(q.body.uncertainty).toBeLessThan(0.99);
  });

  it("stops when every pair of these candidates was already asked for this prompt", async () => {
    const t = await setupTenant();
    const user = unique("u");
    for (const [a, b] of [[0, 1], [2, 0], [1, 2]])
      await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "same", chosen: cands[a], rejected: cands[b] } });
    const q = await call("POST", "/v1/questions/next", { key: t.key, body: { user, prompt: "same", candidates: cands } });
    expect(q.body).toMatchObject({ ask: false, reason: "exhausted" });
    const other = await call("POST", "/v1/questions/next", { key: t.key, body: { user, prompt: "another prompt", candidates: cands } });
    expect(other.body.ask).toBe(true);
  });
});

describe("limits", () => {
  it("are configurable, enforced, and documented as configured", async () => {
    const t = await setupTenant();
    const send = appWith({ maxCandidates: 4, maxUserIdLength: 8 });
    const five = vectors(5, d, 72).map((embedding) => ({ embedding }));
    const tooMany = await send("POST", "/v1/rank", t.key, { user: "u", prompt: "p", candidates: five });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.field).toBe("candidates");
    const longId = await send("POST", "/v1/rank", t.key, { user: "123456789", prompt: "p", candidates: cands });
    expect(longId.body.error.field).toBe("user");
    expect((await send("POST", "/v1/rank", t.key, { user: "u", prompt: "p", candidates: five.slice(0, 4) })).status).toBe(200);
    const doc = await send("GET", "/openapi.json", null);
    expect(doc.body.components.schemas.RankRequest.properties.candidates.maxItems).toBe(4);
  });
});

describe("health failures", () => {
  afterEach(() => vi.restoreAllMocks());

  it("answers 503 naming D1 when D1 fails (the reason only in the logs)", async () => {
    const logs = captureLogs();
    const broken = {
      prepare() {
        throw new Error("D1 is down");
      },
    } as unknown as D1Database;
    const app = createApp(loadConfig(env as never));
    const res = await app.fetch(new Request(`${ORIGIN}/health`), { ...env, DB: broken }, createExecutionContext());
    expect(res.status).toBe(503);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ status: "error", core: "wasm", db: "error", error: { code: "unavailable", field: "db" } });
    expect(body.error.message).not.toContain("D1 is down");
    expect(logs.lines().find((l) => l.event === "health")?.detail).toContain("D1 is down");
  });
});
