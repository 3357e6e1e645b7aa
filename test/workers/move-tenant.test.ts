// Moving a tenant from the D1 store to the Durable-Object store: every user and their log copied, each moved
// posterior verified against an exact re-fit, re-runnable without copying twice, writes during the move kept.
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../worker/crypto.ts";
import { admin, call, env, expectRefitted, makeBasis, setupTenant, vectors } from "./helpers.ts";

const d = 8;
const move = (tenant: string, body: object) => admin("POST", `/admin/tenants/${tenant}/user-store/move`, { to: "durable-objects", ...body });

describe("moving a tenant D1 -> Durable Objects", () => {
  it("copies, verifies, is safe to re-run, keeps writes made during the move, then serves from the objects", async () => {
    const basis = makeBasis({ d, J: 3, seed: 77 });
    const t = await setupTenant({ basis, store: "d1" });
    const pool = vectors(8, d, 78).map((embedding) => ({ embedding }));
    const users = ["ann", "bob", "cy"];
    for (const [u, user] of users.entries())
      for (let i = 0; i <= u + 1; i++)
        expect((await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: `p${i}`, chosen: pool[i], rejected: pool[i + 4] } })).status).toBe(200);
    const before = Object.fromEntries(await Promise.all(users.map(async (u) => [u, (await call("GET", `/v1/users/${u}/export`, { key: t.key })).body])));
    const since = Date.now();

    const first = await move(t.tenant, { limit: 2 });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ users: 2, added: 2 + 3, verified: 2, next: "bob", user_store: "d1" });
    // Interrupted and re-run from the start: nothing copied twice.
    expect((await move(t.tenant, { limit: 2 })).body).toMatchObject({ users: 2, added: 0, verified: 2 });
    // A comparison lands in D1 for ann while the move runs.
    expect((await call("POST", "/v1/feedback", { key: t.key, body: { user: "ann", prompt: "late", chosen: pool[6], rejected: pool[7] } })).status).toBe(200);
    expect((await move(t.tenant, { after: "bob", limit: 2 })).body).toMatchObject({ users: 1, added: 4, next: null });
    const finish = await move(t.tenant, { finish: true, since });
    expect(finish.body).toMatchObject({ user_store: "durable-objects", added: 1 });
    expect((await admin("GET", `/admin/tenants/${t.tenant}`)).body.user_store).toBe("durable-objects");

    // Served from the objects now: same logs (ann's late comparison too), posteriors = exact re-fits.
    for (const u of users) {
      const after = (await call("GET", `/v1/users/${u}/export`, { key: t.key })).body;
      const expectedIds = before[u].feedback.map((f: any) => f.id);
      expect(after.feedback.map((f: any) => f.id).slice(0, expectedIds.length)).toEqual(expectedIds);
      expect(after.feedback).toHaveLength(expectedIds.length + (u === "ann" ? 1 : 0));
      expectRefitted(basis, after);
    }
    const next = await call("POST", "/v1/feedback", { key: t.key, body: { user: "cy", prompt: "new", chosen: pool[0], rejected: pool[7] } });
    expect(next.body.user.feedback_count).toBe(5);
    expectRefitted(basis, (await call("GET", `/v1/users/cy/export`, { key: t.key })).body);
    // Once moved, only finish may be repeated.
    expect((await move(t.tenant, {})).status).toBe(409);
    expect((await move(t.tenant, { finish: true, since })).body).toMatchObject({ added: 0 });
  });

  it("moves rows from before keyed hashing in their keyed form (the objects store keyed hashes only)", async () => {
    const t = await setupTenant({ basis: makeBasis({ d, J: 2, seed: 79 }), store: "d1" });
    const [a, b] = vectors(2, d, 80).map((embedding) => ({ embedding }));
    const prompt = "What is 2+2?";
    expect((await call("POST", "/v1/feedback", { key: t.key, body: { user: "old", prompt, chosen: a, rejected: b } })).status).toBe(200);
    const row = (await env.DB.prepare("select seq, prompt_hash from feedback where tenant_id = ?").bind(t.tenant).first<{ seq: number; prompt_hash: string }>())!;
    await env.DB.prepare("update feedback set prompt_hash = ?, hash_scheme = 0 where seq = ?").bind(await sha256Hex(prompt), row.seq).run();

    expect((await move(t.tenant, { limit: 10 })).status).toBe(200);
    expect((await move(t.tenant, { finish: true, since: Date.now() })).body.user_store).toBe("durable-objects");
    const exported = (await call("GET", "/v1/users/old/export", { key: t.key })).body;
    expect(exported.feedback.map((f: { prompt_hash: string }) => f.prompt_hash)).toEqual([row.prompt_hash]);
    // The moved pair still counts as answered for its prompt.
    const q = await call("POST", "/v1/questions/next", { key: t.key, body: { user: "old", prompt, candidates: [a, b] } });
    expect(q.body).toMatchObject({ ask: false, reason: "exhausted" });
  });

  it("refuses bad input naming the field", async () => {
    const t = await setupTenant({ store: "d1" });
    const bad = await admin("POST", `/admin/tenants/${t.tenant}/user-store/move`, { to: "d1" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("to");
    const noSince = await move(t.tenant, { finish: true });
    expect(noSince.status).toBe(400);
    expect(noSince.body.error.field).toBe("since");
    expect((await admin("GET", `/admin/tenants/${t.tenant}`)).body.user_store).toBe("d1");
  });
});

describe("a D1 write decided before the switch", () => {
  it("loses once the tenant is on Durable Objects: nothing lands in D1 after the switch", async () => {
    const { getDb } = await import("../../worker/db/client.ts");
    const { usersRepo } = await import("../../worker/db/repos/users.ts");
    const t = await setupTenant({ store: "d1" });
    const [a, b] = vectors(2, d, 90).map((embedding) => ({ embedding }));
    expect((await call("POST", "/v1/feedback", { key: t.key, body: { user: "late", prompt: "p", chosen: a, rejected: b } })).status).toBe(200);
    const row = (await env.DB.prepare("select version, j from users where tenant_id = ? and user_id = 'late'").bind(t.tenant).first<{ version: number; j: number }>())!;
    const head = (await env.DB.prepare("select max(seq) as s from feedback where tenant_id = ?").bind(t.tenant).first<{ s: number }>())!.s;
    const state = { basisId: t.basis.id, J: row.j, mean: new Float64Array(row.j), precisionChol: new Float64Array(row.j * row.j).map((_, k) => (k % (row.j + 1) === 0 ? 1 : 0)), observations: new Float64Array(0), feedbackCount: 1 };
    const db = getDb(env.DB, 10_000);
    // Decided under user_store = d1 (null); the switch happens in between.
    await env.DB.prepare("update tenants set user_store = 'durable-objects' where id = ?").bind(t.tenant).run();
    expect(await usersRepo.write(db, t.tenant, "late", { version: row.version, logHead: head }, state, Date.now(), undefined, undefined, undefined, null)).toBeNull();
    expect(await usersRepo.write(db, t.tenant, "new-user", { version: 0, logHead: null }, state, Date.now(), undefined, undefined, undefined, null)).toBeNull();
    expect((await env.DB.prepare("select count(*) as n from users where tenant_id = ?").bind(t.tenant).first<{ n: number }>())!.n).toBe(1);
    expect((await env.DB.prepare("select version from users where tenant_id = ? and user_id = 'late'").bind(t.tenant).first<{ version: number }>())!.version).toBe(row.version);
  });
});
