// Feedback: idempotency, optimistic concurrency, and the stored posterior equal to an exact refit of the log.
import { describe, expect, it } from "vitest";
import { writtenUsers } from "../../worker/services/written-users.ts";
import { call, env, expectRefitted, makeBasis, refitFromExport, setupTenant, storedCounts, unique, vectors } from "./helpers.ts";

const d = 8;

describe("idempotency", () => {
  it("the same key twice stores once and answers duplicate: true", async () => {
    const t = await setupTenant();
    const [a, b] = vectors(2, d, 31).map((embedding) => ({ embedding }));
    const body = { user: "u", prompt: "p", chosen: a, rejected: b, idempotency_key: "order-123" };
    const first = await call("POST", "/v1/feedback", { key: t.key, body });
    const second = await call("POST", "/v1/feedback", { key: t.key, body });
    expect(first.body).toEqual({ user: { feedback_count: 1, version: 1 }, duplicate: false });
    expect(second.body).toEqual({ user: { feedback_count: 1, version: 1 }, duplicate: true });
    expect(await storedCounts(t.tenant)).toEqual({ users: 1, feedback: 1 });

    // Reusing the key for a different comparison is refused, and stores nothing.
    const reuse = await call("POST", "/v1/feedback", { key: t.key, body: { ...body, tie: true } });
    expect(reuse.status).toBe(409);
    expect(reuse.body.error).toMatchObject({ code: "idempotency_conflict", field: "idempotency_key" });
    expect(await storedCounts(t.tenant)).toEqual({ users: 1, feedback: 1 });
  });

  it("the same key sent concurrently stores once", async () => {
    const t = await setupTenant();
    const [a, b] = vectors(2, d, 32).map((embedding) => ({ embedding }));
    const body = { user: "u", prompt: "p", chosen: a, rejected: b, idempotency_key: "burst" };
    const results = await Promise.all(Array.from({ length: 8 }, () => call("POST", "/v1/feedback", { key: t.key, body })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => !r.body.duplicate)).toHaveLength(1);
    expect(await storedCounts(t.tenant)).toEqual({ users: 1, feedback: 1 });
  });
});

describe("concurrency", () => {
  it("50 feedback requests for one user at once: count 50, posterior = full refit of the log", async () => {
    const basis = makeBasis({ d, J: 4, seed: 9, mu0: [0.2, -0.1, 0.4, 0] });
    const t = await setupTenant({ basis });
    const user = unique("busy");
    const pool = vectors(20, d, 33).map((embedding) => ({ embedding }));
    const requests = Array.from({ length: 50 }, (_, i) =>
      call("POST", "/v1/feedback", {
        key: t.key,
        body: { user, prompt: `p${i % 3}`, chosen: pool[i % 20], rejected: pool[(i * 7 + 3) % 20], tie: i % 10 === 0 },
      }),
    );
    const results = await Promise.all(requests);
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200);
    // Every request saw a distinct version: each write was applied exactly once, in some order.
    expect(new Set(results.map((r) => r.body.user.version)).size).toBe(50);

    const exported = (await call("GET", `/v1/users/${user}/export`, { key: t.key })).body;
    expect(exported.state.feedback_count).toBe(50);
    expect(exported.state.version).toBe(50);
    expect(exported.feedback).toHaveLength(50);
    expect((await storedCounts(t.tenant)).feedback).toBe(50);

    const { z } = refitFromExport(basis, exported);
    // The observation cache is the log, in log order.
    exported.state.observations.forEach((o: any, i: number) => {
      expect(o.label).toBe(exported.feedback[i].label);
      o.z.forEach((v: number, j: number) => expect(v).toBeCloseTo(z[i * basis.J + j], 12));
    });
    expectRefitted(basis, exported);
  });
});

describe("storage", () => {
  const storedFactor = async (tenant: string, user: string) =>
    (await env.DB.prepare("select j, precision_chol from users where tenant_id = ? and user_id = ?").bind(tenant, user).first<{ j: number; precision_chol: string }>())!;
  const base64Length = (text: string) => atob(text).length;

  it("keeps the Cholesky factor as its packed lower triangle, and still reads rows written in the dense form", async () => {
    const basis = makeBasis({ d, J: 5, seed: 12 });
    const t = await setupTenant({ basis });
    const user = unique("packed");
    const pool = vectors(8, d, 41).map((embedding) => ({ embedding }));
    for (let i = 0; i < 4; i++)
      expect((await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p", chosen: pool[i], rejected: pool[i + 4] } })).status).toBe(200);

    const packed = await storedFactor(t.tenant, user);
    expect(packed.j).toBe(5);
    expect(packed.precision_chol.startsWith("L:")).toBe(true);
    expect(base64Length(packed.precision_chol.slice(2))).toBe(((5 * 6) / 2) * 8); // 15 entries, not 25

    const candidates = pool.map((c) => ({ embedding: c.embedding }));
    const rank = async () => (await call("POST", "/v1/rank", { key: t.key, body: { user, prompt: "p", candidates } })).body.ranking;
    const profile = async () => (await call("GET", `/v1/users/${user}`, { key: t.key })).body.weights;
    const before = { ranking: await rank(), weights: await profile() };
    const exported = (await call("GET", `/v1/users/${user}/export`, { key: t.key })).body;

    // Rewrite the row the way earlier versions stored it: base64 of all J x J entries, no prefix.
    const dense = Float64Array.from(exported.state.precision_chol.flat() as number[]);
    expect(dense).toHaveLength(25);
    const legacy = btoa(String.fromCharCode(...new Uint8Array(dense.buffer)));
    await env.DB.prepare("update users set precision_chol = ? where tenant_id = ? and user_id = ?").bind(legacy, t.tenant, user).run();
    expect((await storedFactor(t.tenant, user)).precision_chol).toBe(legacy);

    expect(await rank()).toEqual(before.ranking);
    expect(await profile()).toEqual(before.weights);
    // The next write stores the packed form again, and the posterior carries on from the legacy row. (This isolate
    // forgets what it wrote, so that the write reads the row, as one in another isolate would.)
    writtenUsers.forget(t.tenant, user);
    const next = await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p", chosen: pool[5], rejected: pool[1] } });
    expect(next.status).toBe(200);
    expect(next.body.user).toMatchObject({ feedback_count: 5, version: 5 });
    expect((await storedFactor(t.tenant, user)).precision_chol.startsWith("L:")).toBe(true);
    const after = (await call("GET", `/v1/users/${user}/export`, { key: t.key })).body;
    expectRefitted(basis, after);
  });

  it("logs float32-exact embeddings as float32, others as float64, and reads both back exactly", async () => {
    const basis = makeBasis({ d, J: 3, seed: 13 });
    const t = await setupTenant({ basis });
    const user = unique("f32");
    const [a, b] = vectors(2, d, 51).map((v) => Float32Array.from(v));
    const base64 = (v: Float32Array) => btoa(String.fromCharCode(...new Uint8Array(v.buffer)));
    const [c, e] = vectors(2, d, 52); // decimal doubles: not float32
    for (const body of [
      { chosen: { embedding: base64(a) }, rejected: { embedding: base64(b) } },
      { chosen: { embedding: c }, rejected: { embedding: e } },
    ])
      expect((await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p", ...body } })).status).toBe(200);

    const rows = await env.DB.prepare("select chosen_embedding as c, rejected_embedding as r from feedback where tenant_id = ? and user_id = ? order by seq")
      .bind(t.tenant, user)
      .all<{ c: string; r: string }>();
    const [f32Row, f64Row] = rows.results;
    expect(f32Row.c.startsWith("F:") && f32Row.r.startsWith("F:")).toBe(true);
    expect(base64Length(f32Row.c.slice(2))).toBe(d * 4);
    expect(f64Row.c.startsWith("F:") || f64Row.r.startsWith("F:")).toBe(false);
    expect(base64Length(f64Row.c)).toBe(d * 8);

    const exported = (await call("GET", `/v1/users/${user}/export`, { key: t.key })).body;
    expect(exported.feedback.map((f: any) => [f.chosen.embedding, f.rejected.embedding])).toEqual([
      [Array.from(a), Array.from(b)],
      [c, e],
    ]);
    expectRefitted(basis, exported);
  });
});
