// /health reports the embedder of the HEALTH_TENANT tenant (npm start: "dev"): 503 naming it while its endpoint is
// down, ok once it answers, "none" when no tenant is named or it takes vectors.
import { createExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../worker/app.ts";
import { loadConfig } from "../../worker/config.ts";
import { admin, env, makeBasis, ORIGIN, unique } from "./helpers.ts";
import { captureLogs } from "./logs.ts";

afterEach(() => vi.restoreAllMocks());

/** The tenant's `openai` endpoint (EMBEDDINGS_URL = http://embeddings.fake/...): up or down as told. */
function endpoint(up: () => boolean) {
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    if (new URL(req.url).host !== "embeddings.fake") return realFetch(input, init);
    if (!up()) throw new TypeError("fetch failed: connect ECONNREFUSED 10.1.2.3:8080");
    const { input: texts } = (await req.json()) as { input: string[] };
    return Response.json({ data: texts.map((_, index) => ({ index, embedding: [0.1, 0.2, 0.3, 0.4] })) });
  });
}

async function tenant(kind: "openai" | "vectors") {
  const basis = makeBasis({ d: 4, embedderId: unique("health-emb") });
  expect((await admin("POST", "/admin/bases", basis)).status).toBe(201);
  const t = await admin("POST", "/admin/tenants", { name: "health", embedder: { kind, id: basis.embedder.id, model: "m" }, basis: basis.id });
  return t.body.id as string;
}

const health = async (healthTenant: string) => {
  const app = createApp({ ...loadConfig(env), healthTenant });
  const res = await app.fetch(new Request(`${ORIGIN}/health`), env, createExecutionContext());
  return { status: res.status, body: (await res.json()) as any };
};

describe("GET /health and the embedder", () => {
  it("answers 503 naming the embedder while it is down, then ok", async () => {
    const id = await tenant("openai");
    let up = false;
    endpoint(() => up);
    const logs = captureLogs();
    const down = await health(id);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: "error", core: "wasm", db: "ok", embedder: "error", error: { code: "unavailable", field: "embedder" } });
    expect(down.body.error.message).not.toContain("10.1.2.3"); // operator detail stays in the logs
    expect(logs.lines().find((l) => l.event === "health")?.detail).toContain("ECONNREFUSED");
    up = true;
    const ok = await health(id);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: "ok", embedder: "ok" });
  });

  it("says none without HEALTH_TENANT or for a vectors tenant, and errors for a tenant that does not exist", async () => {
    expect((await health("")).body).toMatchObject({ status: "ok", embedder: "none" });
    expect((await health(await tenant("vectors"))).body).toMatchObject({ status: "ok", embedder: "none" });
    const missing = await health("no-such-tenant");
    expect(missing.status).toBe(503);
    expect(missing.body.error.field).toBe("embedder");
  });
});
