// Basis lifecycle: activating a new basis re-fits each user from their raw log (lazily), no comparison lost;
// embedder mismatches are refused; tenants without an explicit basis use the service default.
import { describe, expect, it } from "vitest";
import { admin, call, expectRefitted, makeBasis, setupTenant, unique, vectors } from "./helpers.ts";

const d = 8;
const pool = vectors(10, d, 61).map((embedding) => ({ embedding }));

async function giveFeedback(key: string, user: string, n: number) {
  for (let i = 0; i < n; i++) {
    const res = await call("POST", "/v1/feedback", { key, body: { user, prompt: "p", chosen: pool[i], rejected: pool[(i + 5) % 10], tie: i === 2 } });
    expect(res.status).toBe(200);
  }
}

describe("activating a new basis", () => {
  it("re-fits users from their logs on their next request, losing nothing", async () => {
    const A = makeBasis({ d, J: 3, seed: 1, embedderId: "switch-emb" });
    const B = makeBasis({ d, J: 4, seed: 2, embedderId: "switch-emb", mu0: [0.1, 0.2, -0.3, 0.4], priorVariance: 2 });
    const t = await setupTenant({ basis: A });
    expect((await admin("POST", "/admin/bases", B)).status).toBe(201);
    const u1 = unique("u");
    const u2 = unique("u");
    await giveFeedback(t.key, u1, 6);
    await giveFeedback(t.key, u2, 3);

    const act = await admin("PUT", `/admin/tenants/${t.tenant}/basis`, { basis: B.id });
    expect(act.status).toBe(200);

    // Profile read: re-fitted under B.
    const profile = await call("GET", `/v1/users/${u1}`, { key: t.key });
    expect(profile.status).toBe(200);
    expect(profile.body.basis).toBe(B.id);
    expect(profile.body.feedback_count).toBe(6);
    expect(profile.body.weights).toHaveLength(4);

    // Stored back, and equal to an exact fit of the log under B from B's prior.
    const exported = (await call("GET", `/v1/users/${u1}/export`, { key: t.key })).body;
    expect(exported.state.basis).toBe(B.id);
    expect(exported.state.J).toBe(4);
    expect(exported.feedback).toHaveLength(6);
    expectRefitted(B, exported);

    // New feedback continues from there.
    const more = await call("POST", "/v1/feedback", { key: t.key, body: { user: u1, prompt: "p", chosen: pool[9], rejected: pool[8] } });
    expect(more.body.user.feedback_count).toBe(7);

    // Rank re-fits the other user too (and ranks under B).
    const rank = await call("POST", "/v1/rank", { key: t.key, body: { user: u2, prompt: "p", candidates: pool } });
    expect(rank.body.basis).toBe(B.id);
    expect(rank.body.user.feedback_count).toBe(3);
    const u2export = (await call("GET", `/v1/users/${u2}/export`, { key: t.key })).body;
    expect(u2export.state.basis).toBe(B.id);
    expect(u2export.feedback).toHaveLength(3);
  });

  it("refuses a basis trained on another embedder", async () => {
    const t = await setupTenant();
    const other = makeBasis({ d, embedderId: "some-other-embedder" });
    expect((await admin("POST", "/admin/bases", other)).status).toBe(201);
    const res = await admin("PUT", `/admin/tenants/${t.tenant}/basis`, { basis: other.id });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "embedder_mismatch", field: "basis" });
    const create = await admin("POST", "/admin/tenants", { name: "x", embedder: { kind: "vectors", id: "mismatch" }, basis: other.id });
    expect(create.status).toBe(409);
  });

  it("tenants without an explicit basis use the service default (if their embedder matches)", async () => {
    const basis = makeBasis({ d, embedderId: "default-emb" });
    expect((await admin("POST", "/admin/bases", basis)).status).toBe(201);
    expect((await admin("PUT", "/admin/default-basis", { basis: basis.id })).status).toBe(200);
    expect((await call("GET", "/health")).body.basis).toBe(basis.id);

    const tenant = await admin("POST", "/admin/tenants", { name: "d", embedder: { kind: "vectors", id: "default-emb" } });
    const key = (await admin("POST", `/admin/tenants/${tenant.body.id}/keys`, {})).body.key;
    const res = await call("POST", "/v1/rank", { key, body: { user: "u", prompt: "p", candidates: pool } });
    expect(res.status).toBe(200);
    expect(res.body.basis).toBe(basis.id);

    const other = await admin("POST", "/admin/tenants", { name: "o", embedder: { kind: "vectors", id: "not-default-emb" } });
    const otherKey = (await admin("POST", `/admin/tenants/${other.body.id}/keys`, {})).body.key;
    const refused = await call("POST", "/v1/rank", { key: otherKey, body: { user: "u", prompt: "p", candidates: pool } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("embedder_mismatch");
  });
});
