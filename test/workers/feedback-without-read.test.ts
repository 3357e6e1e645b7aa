// POST /v1/feedback from what this isolate last wrote for the user (services/written-users.ts): one D1 batch, no
// read. Each case changes, behind the isolate's back, one thing the read would have seen, and checks that the
// remembered state is refused and the answer and the stored state are what the read path gives.
import { beforeEach, describe, expect, it } from "vitest";
import { writtenUsers } from "../../worker/services/written-users.ts";
import { admin, call, env, expectRefitted, makeBasis, setupTenant, storedCounts, unique, vectors } from "./helpers.ts";

const d = 8;
const pool = vectors(12, d, 71).map((embedding) => ({ embedding }));
const comparison = (i: number) => ({ prompt: `p${i % 2}`, chosen: pool[i % 12], rejected: pool[(i * 5 + 1) % 12] });

let outcomes = { ...writtenUsers.outcomes };
beforeEach(() => {
  outcomes = { ...writtenUsers.outcomes };
});
/** Writes built on a remembered state since the test began: landed, or handed to the read path. */
const since = () => ({ landed: writtenUsers.outcomes.landed - outcomes.landed, reread: writtenUsers.outcomes.reread - outcomes.reread });

const feedback = (key: string, user: string, i: number, extra: Record<string, unknown> = {}) =>
  call("POST", "/v1/feedback", { key, body: { user, ...comparison(i), ...extra } });
const exported = async (key: string, user: string) => (await call("GET", `/v1/users/${user}/export`, { key })).body;

describe("feedback without a read", () => {
  it("from the second comparison on, writes without reading, and the stored state is still the exact refit", async () => {
    const basis = makeBasis({ d, J: 3, seed: 21 });
    const t = await setupTenant({ basis });
    const user = unique("run");
    for (let i = 0; i < 6; i++) {
      const r = await feedback(t.key, user, i);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ user: { feedback_count: i + 1, version: i + 1 }, duplicate: false });
    }
    expect(since()).toEqual({ landed: 5, reread: 0 });
    const state = await exported(t.key, user);
    expect(state.state).toMatchObject({ feedback_count: 6, version: 6 });
    expectRefitted(basis, state);
  });

  it("20 at once from a warm isolate: those refused by the guard are retried after a read; nothing lost", async () => {
    const basis = makeBasis({ d, J: 3, seed: 29 });
    const t = await setupTenant({ basis });
    const user = unique("burst");
    expect((await feedback(t.key, user, 0)).status).toBe(200);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => feedback(t.key, user, i + 1)));
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(new Set(results.map((r) => r.body.user.version))).toEqual(new Set(Array.from({ length: 20 }, (_, i) => i + 2)));
    // Each tried the remembered state first; on one remembered version only one can land, the rest read and retry.
    const { landed, reread } = since();
    expect(landed + reread).toBe(20);
    expect(landed).toBeGreaterThanOrEqual(1);
    expect(reread).toBeGreaterThanOrEqual(1);
    const state = await exported(t.key, user);
    expect(state.state).toMatchObject({ feedback_count: 21, version: 21 });
    expectRefitted(basis, state);
  });

  it("a key revoked since: 401, and nothing stored", async () => {
    const t = await setupTenant({ basis: makeBasis({ d, J: 3, seed: 22 }) });
    const user = unique("revoked");
    expect((await feedback(t.key, user, 0)).status).toBe(200);
    expect((await admin("DELETE", `/admin/tenants/${t.tenant}/keys/${t.keyId}`)).status).toBe(204);
    const r = await feedback(t.key, user, 1);
    expect(r.status).toBe(401);
    expect(since()).toEqual({ landed: 0, reread: 1 });
    expect(await storedCounts(t.tenant)).toEqual({ users: 1, feedback: 1 });
  });

  it("a basis activated since: the comparison lands in the new basis, with the whole log re-fitted", async () => {
    const A = makeBasis({ d, J: 3, seed: 23, embedderId: "fast-switch" });
    const B = makeBasis({ d, J: 4, seed: 24, embedderId: "fast-switch", mu0: [0.3, 0, -0.2, 0.1] });
    const t = await setupTenant({ basis: A });
    expect((await admin("POST", "/admin/bases", B)).status).toBe(201);
    const user = unique("switch");
    for (let i = 0; i < 3; i++) expect((await feedback(t.key, user, i)).status).toBe(200);
    expect((await admin("PUT", `/admin/tenants/${t.tenant}/basis`, { basis: B.id })).status).toBe(200);

    const r = await feedback(t.key, user, 3);
    expect(r.body).toEqual({ user: { feedback_count: 4, version: 4 }, duplicate: false });
    expect(since()).toEqual({ landed: 2, reread: 1 });
    const state = await exported(t.key, user);
    expect(state.state).toMatchObject({ basis: B.id, J: 4, feedback_count: 4 });
    expectRefitted(B, state);
  });

  it("another writer since (the tenant's other key): refused, re-read, and no comparison lost", async () => {
    const basis = makeBasis({ d, J: 3, seed: 25 });
    const t = await setupTenant({ basis });
    const other = (await admin("POST", `/admin/tenants/${t.tenant}/keys`, { name: "other" })).body.key as string;
    const user = unique("shared");
    expect((await feedback(t.key, user, 0)).status).toBe(200);
    expect((await feedback(other, user, 1)).body.user).toEqual({ feedback_count: 2, version: 2 });
    expect((await feedback(t.key, user, 2)).body.user).toEqual({ feedback_count: 3, version: 3 });
    expect(since()).toEqual({ landed: 0, reread: 1 });
    const state = await exported(t.key, user);
    expect(state.feedback).toHaveLength(3);
    expectRefitted(basis, state);
  });

  it("the user deleted and written again elsewhere: same version, another row; the deleted comparison stays deleted", async () => {
    const basis = makeBasis({ d, J: 3, seed: 26 });
    const t = await setupTenant({ basis });
    const user = unique("reborn");
    expect((await feedback(t.key, user, 0)).body.user.version).toBe(1);
    // Another isolate deletes the user (D1 directly: this isolate's memory must not hear of it) and writes anew.
    await env.DB.batch([
      env.DB.prepare("delete from feedback where tenant_id = ? and user_id = ?").bind(t.tenant, user),
      env.DB.prepare("delete from users where tenant_id = ? and user_id = ?").bind(t.tenant, user),
    ]);
    const other = (await admin("POST", `/admin/tenants/${t.tenant}/keys`, { name: "elsewhere" })).body.key as string;
    expect((await feedback(other, user, 5)).body.user).toEqual({ feedback_count: 1, version: 1 });

    // The remembered row was version 1 too; only the log head tells them apart.
    const r = await feedback(t.key, user, 2);
    expect(r.body.user).toEqual({ feedback_count: 2, version: 2 });
    expect(since()).toEqual({ landed: 0, reread: 1 });
    const state = await exported(t.key, user);
    expect(state.feedback.map((f: any) => f.chosen.embedding)).toEqual([comparison(5).chosen.embedding, comparison(2).chosen.embedding]);
    expectRefitted(basis, state);
  });

  it("idempotency keys hold: a replay answers duplicate, a reuse 409, and both store nothing", async () => {
    const t = await setupTenant({ basis: makeBasis({ d, J: 3, seed: 27 }) });
    const user = unique("idem");
    expect((await feedback(t.key, user, 0, { idempotency_key: "k-1" })).status).toBe(200);
    expect((await feedback(t.key, user, 0, { idempotency_key: "k-1" })).body).toEqual({ user: { feedback_count: 1, version: 1 }, duplicate: true });
    const reuse = await feedback(t.key, user, 1, { idempotency_key: "k-1" });
    expect(reuse.status).toBe(409);
    expect(reuse.body.error.field).toBe("idempotency_key");
    expect(since()).toEqual({ landed: 0, reread: 2 });
    expect(await storedCounts(t.tenant)).toEqual({ users: 1, feedback: 1 });
  });

  it("bad input is refused as on the read path, and the remembered state still serves the next comparison", async () => {
    const t = await setupTenant({ basis: makeBasis({ d, J: 3, seed: 28 }) });
    const user = unique("bad");
    expect((await feedback(t.key, user, 0)).status).toBe(200);
    const wrongLength = await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p", chosen: { embedding: [1, 2, 3] }, rejected: pool[1] } });
    expect(wrongLength.status).toBe(422);
    expect(wrongLength.body.error.field).toBe("chosen.embedding");
    const same = await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p", chosen: pool[3], rejected: pool[3] } });
    expect(same.status).toBe(422);
    expect(same.body.error.field).toBe("rejected");
    expect(await storedCounts(t.tenant)).toEqual({ users: 1, feedback: 1 });
    expect((await feedback(t.key, user, 1)).body.user).toEqual({ feedback_count: 2, version: 2 });
    expect(since()).toEqual({ landed: 1, reread: 2 });
  });
});
