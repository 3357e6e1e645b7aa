// The user-store contract: the same requests against a tenant on each store (D1, and one Durable Object per user)
// give the same answers. Users, feedback (idempotency, 50 concurrent comparisons, a delete racing a comparison),
// questions, delete/export, a basis change, metrics and the tenant's retraining export.
import { describe, expect, it } from "vitest";
import { exports } from "cloudflare:workers";
import { ADMIN_TOKEN, ORIGIN, admin, call, expectRefitted, makeBasis, refitFromExport, setupTenant, unique, vectors } from "./helpers.ts";

const d = 8;
const STORES = ["d1", "durable-objects"] as const;
const pair = (seed: number) => vectors(2, d, seed).map((embedding) => ({ embedding }));

/** Polls until `check` returns a value (the archive queue delivers in about a second). */
async function eventually<T>(check: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 250));
  }
}

const exportLines = async (tenant: string, query = "") => {
  const res = await exports.default.fetch(
    new Request(`${ORIGIN}/admin/tenants/${tenant}/feedback?raw_user_ids=true${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
  );
  expect(res.status).toBe(200);
  return new TextDecoder().decode(await res.arrayBuffer()).split("\n").filter(Boolean).map((l) => JSON.parse(l));
};

describe.each(STORES)("user store %s", (store) => {
  it("tenant shows its store; unknown user: prior ranks, profile/export/delete 404", async () => {
    const t = await setupTenant({ store });
    expect((await admin("GET", `/admin/tenants/${t.tenant}`)).body.user_store).toBe(store);
    const rank = await call("POST", "/v1/rank", { key: t.key, body: { user: "nobody", prompt: "p", candidates: pair(1) } });
    expect(rank.status).toBe(200);
    expect(rank.body.user.feedback_count).toBe(0);
    for (const [m, p] of [["GET", "/v1/users/nobody"], ["GET", "/v1/users/nobody/export"], ["DELETE", "/v1/users/nobody"]] as const)
      expect((await call(m, p, { key: t.key })).status).toBe(404);
  });

  it("feedback, profile, export, idempotency, questions exclude answered pairs, delete", async () => {
    const basis = makeBasis({ d, J: 3, seed: 5 });
    const t = await setupTenant({ basis, store });
    const user = unique("u");
    const [a, b] = pair(11);
    const body = { user, prompt: "which?", chosen: a, rejected: b, idempotency_key: `k-${user}` };
    expect((await call("POST", "/v1/feedback", { key: t.key, body })).body).toEqual({ user: { feedback_count: 1, version: 1 }, duplicate: false });
    expect((await call("POST", "/v1/feedback", { key: t.key, body })).body).toEqual({ user: { feedback_count: 1, version: 1 }, duplicate: true });
    const reuse = await call("POST", "/v1/feedback", { key: t.key, body: { ...body, tie: true } });
    expect(reuse.status).toBe(409);
    expect(reuse.body.error.field).toBe("idempotency_key");
    // Bad input: 4xx naming the field, nothing stored.
    const bad = await call("POST", "/v1/feedback", { key: t.key, body: { ...body, idempotency_key: undefined, chosen: { embedding: [1, 2] } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toMatch(/^chosen/);

    const profile = await call("GET", `/v1/users/${user}`, { key: t.key });
    expect(profile.status).toBe(200);
    expect(profile.body.feedback_count).toBe(1);
    const exported = (await call("GET", `/v1/users/${user}/export`, { key: t.key })).body;
    expect(exported.feedback).toHaveLength(1);
    expect(exported.feedback[0].chosen.embedding).toEqual(a.embedding);
    expectRefitted(basis, exported);

    // The answered pair is not asked again.
    const q = await call("POST", "/v1/questions/next", { key: t.key, body: { user, prompt: "which?", candidates: [a, b] } });
    expect(q.status).toBe(200);
    expect(q.body.ask).toBe(false);

    expect((await call("DELETE", `/v1/users/${user}`, { key: t.key })).status).toBe(204);
    expect((await call("GET", `/v1/users/${user}/export`, { key: t.key })).status).toBe(404);
    expect((await call("DELETE", `/v1/users/${user}`, { key: t.key })).status).toBe(404);
  });

  it("50 concurrent comparisons for one user: exactly 50 stored, posterior = exact refit of the log", async () => {
    const basis = makeBasis({ d, J: 4, seed: 9, mu0: [0.2, -0.1, 0.4, 0] });
    const t = await setupTenant({ basis, store });
    const user = unique("busy");
    const pool = vectors(20, d, 33).map((embedding) => ({ embedding }));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: `p${i % 3}`, chosen: pool[i % 20], rejected: pool[(i * 7 + 3) % 20], tie: i % 10 === 0 } }),
      ),
    );
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(new Set(results.map((r) => r.body.user.version)).size).toBe(50);
    const exported = (await call("GET", `/v1/users/${user}/export`, { key: t.key })).body;
    expect(exported.state.feedback_count).toBe(50);
    expect(exported.feedback).toHaveLength(50);
    expect(new Set(exported.feedback.map((f: any) => f.id)).size).toBe(50);
    const { z } = refitFromExport(basis, exported);
    exported.state.observations.forEach((o: any, i: number) => {
      expect(o.label).toBe(exported.feedback[i].label);
      o.z.forEach((v: number, j: number) => expect(v).toBeCloseTo(z[i * basis.J + j], 12));
    });
    expectRefitted(basis, exported);
  });

  it("a delete racing comparisons leaves no half-deleted user", async () => {
    const basis = makeBasis({ d, J: 3, seed: 21 });
    const t = await setupTenant({ basis, store });
    const user = unique("racy");
    const pool = vectors(10, d, 44).map((embedding) => ({ embedding }));
    await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p", chosen: pool[0], rejected: pool[1] } });
    const racing = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p", chosen: pool[i + 2], rejected: pool[(i + 3) % 10] } })),
      call("DELETE", `/v1/users/${user}`, { key: t.key }),
    ]);
    for (const r of racing) expect([200, 204]).toContain(r.status);
    const exported = await call("GET", `/v1/users/${user}/export`, { key: t.key });
    if (exported.status === 404) return; // deleted after every comparison: nothing left at all
    expect(exported.status).toBe(200);
    // Whatever survived is whole: the state counts exactly the log it holds, and is its exact refit.
    expect(exported.body.state.feedback_count).toBe(exported.body.feedback.length);
    expect(exported.body.state.observations).toHaveLength(exported.body.feedback.length);
    expectRefitted(basis, exported.body);
  });

  it("a basis change re-fits each user exactly from the raw log", async () => {
    const first = makeBasis({ d, J: 3, seed: 2 });
    const second = makeBasis({ d, J: 5, seed: 3, embedderId: first.embedder.id });
    const t = await setupTenant({ basis: first, store });
    expect((await admin("POST", "/admin/bases", second)).status).toBe(201);
    const user = unique("refit");
    const pool = vectors(6, d, 55).map((embedding) => ({ embedding }));
    for (let i = 0; i < 4; i++) await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p", chosen: pool[i], rejected: pool[i + 1] } });
    expect((await admin("PUT", `/admin/tenants/${t.tenant}/basis`, { basis: second.id })).status).toBe(200);
    const profile = await call("GET", `/v1/users/${user}`, { key: t.key });
    expect(profile.body.basis).toBe(second.id);
    expect(profile.body.weights).toHaveLength(5);
    const exported = (await call("GET", `/v1/users/${user}/export`, { key: t.key })).body;
    expect(exported.state.basis).toBe(second.id);
    expect(exported.feedback).toHaveLength(4);
    expectRefitted(second, exported);
    // And the next comparison lands in the new basis.
    const next = await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p", chosen: pool[4], rejected: pool[5] } });
    expect(next.body.user.feedback_count).toBe(5);
    expectRefitted(second, (await call("GET", `/v1/users/${user}/export`, { key: t.key })).body);
  });

  it("the tenant's export and metrics see every comparison once; a deleted user leaves the export", async () => {
    const t = await setupTenant({ store });
    const users = [unique("x"), unique("y")];
    const pool = vectors(6, d, 66).map((embedding) => ({ embedding }));
    for (const user of users)
      for (let i = 0; i < 3; i++) expect((await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: `p${i}`, chosen: pool[i], rejected: pool[i + 3] } })).status).toBe(200);
    const lines = await eventually(async () => {
      const l = await exportLines(t.tenant);
      return l.length >= 6 ? l : undefined;
    });
    expect(lines).toHaveLength(6);
    expect(new Set(lines.map((l) => l.user))).toEqual(new Set(users));
    for (const l of lines) {
      expect(typeof l.a.embedding).toBe("string");
      expect(l.p_personal).toBeGreaterThan(0);
    }
    // Resumable: from the third line's seq on, the last three; and the count of what is left says so.
    expect((await exportLines(t.tenant, `&after=${lines[2].seq}`)).map((l) => l.seq)).toEqual(lines.slice(3).map((l) => l.seq));
    for (const [after, left] of [[0, 6], [lines[2].seq, 3], [lines[4].seq, 1], [lines[5].seq, 0]]) {
      const res = await exports.default.fetch(
        new Request(`${ORIGIN}/admin/tenants/${t.tenant}/feedback?with_remaining=true&limit=1&after=${after}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
      );
      await res.arrayBuffer();
      expect(res.headers.get("x-pref-remaining"), `after ${after}`).toBe(String(left));
    }
    const metrics = await eventually(async () => {
      const m = (await admin("GET", `/admin/tenants/${t.tenant}/metrics?group=count`)).body;
      return m.total.comparisons === 6 ? m : undefined;
    });
    expect(metrics.total.comparisons).toBe(6);

    expect((await call("DELETE", `/v1/users/${users[0]}`, { key: t.key })).status).toBe(204);
    const after = await eventually(async () => {
      const l = await exportLines(t.tenant);
      return l.length === 3 ? l : undefined;
    });
    expect(after.every((l) => l.user === users[1])).toBe(true);
  });
});
