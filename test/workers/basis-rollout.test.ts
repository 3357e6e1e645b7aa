// Rolling a basis out and back: every activation is recorded, rollback re-activates the one before, and users are
// re-fitted from their logs either way, so rolling back restores exactly the posteriors the old basis gave.
import { describe, expect, it } from "vitest";
import { basisArtifactSchema } from "../../core/artifact.ts";
import { admin, call, makeBasis, setupTenant, unique, vectors } from "./helpers.ts";

const d = 6;
const pool = vectors(10, d, 17);

describe("basis history and rollback", () => {
  it("activates A -> B -> C, rolls back to B, to A, then to the tenant's first basis; users' posteriors follow exactly", async () => {
    const [A, B, C] = [1, 2, 3].map((seed) => makeBasis({ d, J: 2, seed, embedderId: "rollout-emb", priorVariance: seed }));
    const t = await setupTenant({ basis: A });
    for (const b of [B, C]) expect((await admin("POST", "/admin/bases", b)).status).toBe(201);
    const user = unique("u");
    for (let i = 0; i < 4; i++) {
      const res = await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: `p${i}`, chosen: { embedding: pool[i] }, rejected: { embedding: pool[i + 5] } } });
      expect(res.status).toBe(200);
    }
    // The profile read re-fits the user under the tenant's active basis (lazily, as any request does); the export shows it.
    const state = async () => {
      expect((await call("GET", `/v1/users/${user}`, { key: t.key })).status).toBe(200);
      return (await call("GET", `/v1/users/${user}/export`, { key: t.key })).body.state;
    };
    const underA = await state();

    for (const b of [B, C]) expect((await admin("PUT", `/admin/tenants/${t.tenant}/basis`, { basis: b.id })).status).toBe(200);
    const tenant = (await admin("GET", `/admin/tenants/${t.tenant}`)).body;
    expect(tenant.active_basis).toBe(C.id);
    expect(tenant.basis_history.map((h: { basis: string; previous: string }) => [h.basis, h.previous])).toEqual([
      [C.id, B.id],
      [B.id, A.id],
    ]);
    const underC = await state();
    expect(underC.basis).toBe(C.id);

    const back = await admin("POST", `/admin/tenants/${t.tenant}/basis/rollback`);
    expect(back.body).toEqual({ tenant: t.tenant, basis: B.id, replaced: C.id });
    expect((await admin("GET", `/admin/tenants/${t.tenant}`)).body.active_basis).toBe(B.id);
    expect((await admin("POST", `/admin/tenants/${t.tenant}/basis/rollback`)).body).toEqual({ tenant: t.tenant, basis: A.id, replaced: B.id });
    // Back on A: the very posterior A gave before (an exact refit of the same log).
    const again = await state();
    expect(again.basis).toBe(A.id);
    expect(again.mean).toEqual(underA.mean);
    expect(again.precision_chol).toEqual(underA.precision_chol);
    // Nothing older than the first activation is live: the tenant's basis before it (A, set at creation) stays, then 409.
    const last = await admin("POST", `/admin/tenants/${t.tenant}/basis/rollback`);
    expect(last.status).toBe(409);
    expect((await admin("GET", `/admin/tenants/${t.tenant}`)).body.basis_history.every((h: { rolled_back_at: string | null }) => h.rolled_back_at !== null)).toBe(true);
  });

  it("GET /admin/bases/{basis} gives the artifact back as uploaded", async () => {
    const b = { ...makeBasis({ d, J: 3, seed: 4, embedderId: "rollout-emb" }), population: { base: 0 as const, reg: 3 }, mu0: [1, 0, 0] };
    expect((await admin("POST", "/admin/bases", b)).status).toBe(201);
    const res = await admin("GET", `/admin/bases/${b.id}`);
    expect(res.status).toBe(200);
    expect(basisArtifactSchema.parse(res.body)).toEqual(basisArtifactSchema.parse(b));
    expect((await admin("GET", `/admin/bases/${unique("none")}`)).status).toBe(404);
  });
});
