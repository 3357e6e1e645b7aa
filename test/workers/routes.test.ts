// Every route's happy path, each answer checked against the Worker's own /openapi.json.
import { beforeAll, describe, expect, it } from "vitest";
import { admin, call, dot, makeBasis, phiOf, setupTenant, unique, vectors, type TenantSetup } from "./helpers.ts";
import { expectConforms, openapiDocument } from "./openapi-validate.ts";

const d = 8;
let t: TenantSetup;
const cands = vectors(6, d, 11).map((embedding) => ({ embedding }));

beforeAll(async () => {
  t = await setupTenant({ basis: makeBasis({ d, J: 3, mu0: [1, -0.5, 0.25], seed: 5 }) });
});

describe("service routes", () => {
  it("GET /health", async () => {
    const res = await call("GET", "/health");
    expect(res.status).toBe(200);
    await expectConforms(res, "GET", "/health");
  });

  it("GET /openapi.json documents every route", async () => {
    const doc = await openapiDocument();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        "/health",
        "/v1/rank",
        "/v1/feedback",
        "/v1/questions/next",
        "/v1/users/{user}",
        "/v1/users/{user}/export",
        "/v1/chat/completions",
        "/admin/tenants",
        "/admin/tenants/{tenant}",
        "/admin/tenants/{tenant}/keys",
        "/admin/tenants/{tenant}/keys/{key}",
        "/admin/tenants/{tenant}/basis",
        "/admin/tenants/{tenant}/basis/rollback",
        "/admin/tenants/{tenant}/feedback",
        "/admin/tenants/{tenant}/metrics",
        "/admin/tenants/{tenant}/upstream",
        "/admin/tenants/{tenant}/user-store/move",
        "/admin/tenants/{tenant}/archive/compact",
        "/admin/tenants/{tenant}/limits",
        "/admin/maintenance/rekey-hashes",
        "/admin/bases",
        "/admin/bases/{basis}",
        "/admin/default-basis",
      ].sort(),
    );
    expect(doc.components.securitySchemes).toHaveProperty("tenantKey");
    // The documented limits are the enforced ones.
    expect(doc.components.schemas.RankRequest.properties.candidates.maxItems).toBe(64);
  });

  it("GET /docs serves the docs page", async () => {
    const res = await call("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(String(res.body)).toContain("/openapi.json");
  });

  it("unknown routes answer the error shape", async () => {
    const res = await call("GET", "/nope");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});

describe("POST /v1/rank", () => {
  it("ranks an unknown user with the population prior, best first", async () => {
    const res = await call("POST", "/v1/rank", { key: t.key, body: { user: unique("u"), prompt: "p", candidates: cands } });
    expect(res.status).toBe(200);
    await expectConforms(res, "POST", "/v1/rank");
    expect(res.body.basis).toBe(t.basis.id);
    expect(res.body.user.feedback_count).toBe(0);
    expect(res.body.event_id).toMatch(/^evt_/);
    // score = mu0 . phi: the non-personalized model.
    const expected = cands.map((c) => dot(t.basis.mu0, phiOf(t.basis, c.embedding)));
    const order = expected.map((_, i) => i).sort((a, b) => expected[b] - expected[a]);
    expect(res.body.ranking.map((r: any) => r.index)).toEqual(order);
    for (const r of res.body.ranking) {
      expect(r.score).toBeCloseTo(expected[r.index], 10);
      expect(r.sd).toBeGreaterThan(0);
    }
  });

  it("explore: ucb adds beta * sd; thompson is reproducible for a seed", async () => {
    const user = unique("u");
    const none = await call("POST", "/v1/rank", { key: t.key, body: { user, prompt: "p", candidates: cands } });
    const ucb = await call("POST", "/v1/rank", { key: t.key, body: { user, prompt: "p", candidates: cands, explore: "ucb" } });
    await expectConforms(ucb, "POST", "/v1/rank");
    const mean = new Map(none.body.ranking.map((r: any) => [r.index, r]));
    for (const r of ucb.body.ranking) expect(r.score).toBeCloseTo((mean.get(r.index) as any).score + r.sd, 10);

    const draw = (seed: number) => call("POST", "/v1/rank", { key: t.key, body: { user, prompt: "p", candidates: cands, explore: "thompson", seed } });
    const [a, b, c] = await Promise.all([draw(7), draw(7), draw(8)]);
    await expectConforms(a, "POST", "/v1/rank");
    expect(a.body.ranking).toEqual(b.body.ranking);
    expect(a.body.ranking).not.toEqual(c.body.ranking);
  });

  it("accepts text candidates mixed with embeddings only for text embedders (vectors tenant: 422)", async () => {
    const res = await call("POST", "/v1/rank", { key: t.key, body: { user: "x", prompt: "p", candidates: [cands[0], "some text"] } });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: "text_not_supported", field: "candidates.1" });
    await expectConforms(res, "POST", "/v1/rank");
  });
});

describe("feedback, questions and users", () => {
  const user = unique("u");

  it("POST /v1/feedback stores a comparison and updates the posterior", async () => {
    const rank = await call("POST", "/v1/rank", { key: t.key, body: { user, prompt: "p", candidates: cands } });
    const res = await call("POST", "/v1/feedback", {
      key: t.key,
      body: { user, prompt: "p", chosen: cands[0], rejected: cands[1], event_id: rank.body.event_id, idempotency_key: unique("idem") },
    });
    expect(res.status).toBe(200);
    await expectConforms(res, "POST", "/v1/feedback");
    expect(res.body).toEqual({ user: { feedback_count: 1, version: 1 }, duplicate: false });
    const tie = await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p", chosen: cands[2], rejected: cands[3], tie: true } });
    expect(tie.body).toEqual({ user: { feedback_count: 2, version: 2 }, duplicate: false });
  });

  it("POST /v1/questions/next picks a pair (pref, infogain, random)", async () => {
    for (const criterion of ["pref", "infogain", "random"]) {
      const res = await call("POST", "/v1/questions/next", { key: t.key, body: { user, prompt: "p", candidates: cands, criterion } });
      expect(res.status).toBe(200);
      await expectConforms(res, "POST", "/v1/questions/next");
      expect(res.body.ask).toBe(true);
      expect(res.body.a).not.toBe(res.body.b);
      expect(Math.max(res.body.a, res.body.b)).toBeLessThan(cands.length);
      expect(res.body.uncertainty).toBeGreaterThan(0);
      // Already answered pairs for this prompt are not asked again.
      expect([res.body.a, res.body.b].sort()).not.toEqual([0, 1]);
      expect([res.body.a, res.body.b].sort()).not.toEqual([2, 3]);
    }
  });

  it("GET /v1/users/{user} reports weights with labels and sd", async () => {
    const res = await call("GET", `/v1/users/${user}`, { key: t.key });
    expect(res.status).toBe(200);
    await expectConforms(res, "GET", "/v1/users/{user}");
    expect(res.body).toMatchObject({ user, basis: t.basis.id, feedback_count: 2 });
    expect(res.body.weights.map((w: any) => w.label)).toEqual(["base0", "base1", "base2"]);
    // Feedback shrinks uncertainty below the prior's sd of 1.
    for (const w of res.body.weights) expect(w.sd).toBeLessThan(1);
  });

  it("GET /v1/users/{user}/export returns everything stored", async () => {
    const res = await call("GET", `/v1/users/${user}/export`, { key: t.key });
    expect(res.status).toBe(200);
    await expectConforms(res, "GET", "/v1/users/{user}/export");
    expect(res.body.feedback).toHaveLength(2);
    expect(res.body.feedback.map((f: any) => f.label)).toEqual([1, 0.5]);
    expect(res.body.feedback[0].chosen.embedding).toEqual(cands[0].embedding);
    expect(res.body.feedback[0].rejected.embedding).toEqual(cands[1].embedding);
    expect(res.body.state.observations).toHaveLength(2);
  });

  it("DELETE /v1/users/{user} removes everything", async () => {
    const res = await call("DELETE", `/v1/users/${user}`, { key: t.key });
    expect(res.status).toBe(204);
    expect((await call("GET", `/v1/users/${user}`, { key: t.key })).status).toBe(404);
    expect((await call("GET", `/v1/users/${user}/export`, { key: t.key })).status).toBe(404);
    const gone = await call("DELETE", `/v1/users/${user}`, { key: t.key });
    expect(gone.status).toBe(404);
    await expectConforms(gone, "DELETE", "/v1/users/{user}");
  });
});

describe("admin routes", () => {
  it("tenants, keys, bases, activation", async () => {
    const basis = makeBasis({ d, J: 2, embedderId: "admin-test-emb" });
    const up = await admin("POST", "/admin/bases", basis);
    expect(up.status).toBe(201);
    await expectConforms(up, "POST", "/admin/bases");
    const dup = await admin("POST", "/admin/bases", basis);
    expect(dup.status).toBe(409);

    const list = await admin("GET", "/admin/bases");
    await expectConforms(list, "GET", "/admin/bases");
    expect(list.body.bases.some((b: any) => b.id === basis.id)).toBe(true);

    const tenant = await admin("POST", "/admin/tenants", { name: "Acme", embedder: { kind: "vectors", id: "admin-test-emb" } });
    expect(tenant.status).toBe(201);
    await expectConforms(tenant, "POST", "/admin/tenants");
    expect(tenant.body.basis).toBeNull();

    const act = await admin("PUT", `/admin/tenants/${tenant.body.id}/basis`, { basis: basis.id });
    expect(act.status).toBe(200);
    await expectConforms(act, "PUT", "/admin/tenants/{tenant}/basis");
    expect(act.body.basis).toBe(basis.id);

    const key = await admin("POST", `/admin/tenants/${tenant.body.id}/keys`, { name: "prod" });
    expect(key.status).toBe(201);
    await expectConforms(key, "POST", "/admin/tenants/{tenant}/keys");
    expect(key.body.key).toMatch(/^pk_/);
    const keyless = await admin("POST", `/admin/tenants/${tenant.body.id}/keys`);
    expect(keyless.status).toBe(201);

    const got = await admin("GET", `/admin/tenants/${tenant.body.id}`);
    await expectConforms(got, "GET", "/admin/tenants/{tenant}");
    expect(got.body.keys).toHaveLength(2);
    expect(JSON.stringify(got.body)).not.toContain(key.body.key);

    const revoke = await admin("DELETE", `/admin/tenants/${tenant.body.id}/keys/${key.body.id}`);
    expect(revoke.status).toBe(204);
    expect((await admin("DELETE", `/admin/tenants/${tenant.body.id}/keys/${key.body.id}`)).status).toBe(404);

    const def = await admin("PUT", "/admin/default-basis", { basis: basis.id });
    expect(def.status).toBe(200);
    await expectConforms(def, "PUT", "/admin/default-basis");
    // Put the suite's default back to something neutral for other files (no-op if they don't rely on it).
  });
});

describe("base64 float32 embeddings", () => {
  const b64 = (v: number[]) => {
    const bytes = new Uint8Array(Float32Array.from(v).buffer);
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  };

  it("score exactly like the same float32 values sent as numbers", async () => {
    const f32 = cands.map((c) => Array.from(Float32Array.from(c.embedding)));
    const user = unique("u");
    const asNumbers = await call("POST", "/v1/rank", { key: t.key, body: { user, prompt: "p", candidates: f32.map((embedding) => ({ embedding })) } });
    const asBase64 = await call("POST", "/v1/rank", { key: t.key, body: { user, prompt: "p", candidates: f32.map((v) => ({ embedding: b64(v) })) } });
    expect(asBase64.status).toBe(200);
    expect(asBase64.body.ranking).toEqual(asNumbers.body.ranking);
    const fb = await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p", chosen: { embedding: b64(f32[0]) }, rejected: { embedding: f32[1] } } });
    expect(fb.status).toBe(200);
    const exported = (await call("GET", `/v1/users/${user}/export`, { key: t.key })).body;
    expect(exported.feedback[0].chosen.embedding).toEqual(f32[0]);
  });

  it("refuses malformed base64, a partial float32 and non-finite values, naming the field and saying what is wrong", async () => {
    const cases: [string, RegExp][] = [
      ["not base64!", /not base64/],
      ["AAA=", /2 bytes: not a whole number of float32 values/],
      ["AAAAAAA=", /5 bytes: not a whole number of float32 values/],
      [b64([1, 2, Infinity, 4, 5, 6, 7, 8]), /value 2 is Infinity/],
      [b64([1, NaN]), /value 1 is NaN/],
      [b64(Array.from({ length: 4097 }, () => 0.5)), /at most 4096 float32 values/],
    ];
    for (const [embedding, message] of cases) {
      const res = await call("POST", "/v1/rank", { key: t.key, body: { user: "u", prompt: "p", candidates: [{ embedding }] } });
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe("candidates.0.embedding");
      expect(res.body.error.message).toMatch(message);
      expect(res.body.error.message).not.toMatch(/expected an array of numbers/);
    }
  });

  it("takes the same sizes as JSON arrays: a 1,536-d vector as base64 reaches the dimension check like its array", async () => {
    const v = Array.from({ length: 1536 }, (_, i) => Math.fround(Math.sin(i)));
    for (const embedding of [b64(v), v]) {
      const res = await call("POST", "/v1/rank", { key: t.key, body: { user: "u", prompt: "p", candidates: [{ embedding }] } });
      // Well-formed in both forms; this tenant's basis is 8-d, so both get the same 422 (not a 400 about base64).
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: "dimension_mismatch", field: "candidates.0.embedding" });
    }
  });
});
