// Authentication and multi-tenant isolation.
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../worker/crypto.ts";
import { admin, ADMIN_TOKEN, call, env, makeBasis, setupTenant, storedCounts, vectors } from "./helpers.ts";
import { expectConforms } from "./openapi-validate.ts";

const d = 8;
const cands = vectors(4, d, 21).map((embedding) => ({ embedding }));
const routes = (user: string) =>
  [
    ["POST", "/v1/rank", { user, prompt: "p", candidates: cands }],
    ["POST", "/v1/feedback", { user, prompt: "p", chosen: cands[0], rejected: cands[1] }],
    ["POST", "/v1/questions/next", { user, prompt: "p", candidates: cands }],
    ["GET", `/v1/users/${user}`, undefined],
    ["GET", `/v1/users/${user}/export`, undefined],
    ["DELETE", `/v1/users/${user}`, undefined],
  ] as const;

describe("tenant API keys", () => {
  it("no key, a malformed header, an unknown key: 401 on every /v1 route, nothing stored", async () => {
    const t = await setupTenant();
    for (const [method, path, body] of routes("u1")) {
      for (const headers of [{} as Record<string, string>, { authorization: "Basic abc" }, { authorization: `Bearer ${t.key}x` }, { authorization: `Bearer ${ADMIN_TOKEN}` }]) {
        const res = await call(method, path, { body, headers });
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.body.error.code).toBe("unauthorized");
        await expectConforms(res, method, path.replace("u1", "{user}"));
      }
    }
    expect(await storedCounts(t.tenant)).toEqual({ users: 0, feedback: 0 });
  });

  it("a revoked key stops working at once; the tenant's other keys keep working", async () => {
    const t = await setupTenant();
    const second = await admin("POST", `/admin/tenants/${t.tenant}/keys`, {});
    const body = { user: "u", prompt: "p", candidates: cands };
    expect((await call("POST", "/v1/rank", { key: t.key, body })).status).toBe(200);
    expect((await admin("DELETE", `/admin/tenants/${t.tenant}/keys/${t.keyId}`)).status).toBe(204);
    const revoked = await call("POST", "/v1/rank", { key: t.key, body });
    expect(revoked.status).toBe(401);
    expect((await call("POST", "/v1/feedback", { key: t.key, body: { user: "u", prompt: "p", chosen: cands[0], rejected: cands[1] } })).status).toBe(401);
    expect((await call("POST", "/v1/rank", { key: second.body.key, body })).status).toBe(200);
  });

  it("keys are stored only as SHA-256 hashes", async () => {
    const t = await setupTenant();
    const rows = await env.DB.prepare("select * from api_keys where tenant_id = ?").bind(t.tenant).all();
    expect(rows.results).toHaveLength(1);
    const row = rows.results[0] as Record<string, unknown>;
    expect(row.key_hash).toBe(await sha256Hex(t.key));
    expect(JSON.stringify(row)).not.toContain(t.key);
  });
});

describe("admin token", () => {
  it("admin routes need the ADMIN_TOKEN; a tenant key is not enough", async () => {
    const t = await setupTenant();
    const attempts = [
      ["POST", "/admin/tenants", { name: "x", embedder: { kind: "vectors", id: "e" } }],
      ["GET", `/admin/tenants/${t.tenant}`, undefined],
      ["POST", `/admin/tenants/${t.tenant}/keys`, {}],
      ["DELETE", `/admin/tenants/${t.tenant}/keys/${t.keyId}`, undefined],
      ["PUT", `/admin/tenants/${t.tenant}/basis`, { basis: t.basis.id }],
      ["POST", "/admin/bases", makeBasis()],
      ["GET", "/admin/bases", undefined],
      ["PUT", "/admin/default-basis", { basis: t.basis.id }],
    ] as const;
    for (const [method, path, body] of attempts) {
      for (const key of [null, t.key, `${ADMIN_TOKEN}x`]) {
        const res = await call(method, path, { body, key });
        expect(res.status, `${method} ${path} with ${key}`).toBe(401);
      }
    }
    // The key still works (the DELETE above was refused).
    expect((await call("POST", "/v1/rank", { key: t.key, body: { user: "u", prompt: "p", candidates: cands } })).status).toBe(200);
  });
});

describe("tenant isolation", () => {
  it("tenant A's key can neither read, rank, update nor delete tenant B's users", async () => {
    const basis = makeBasis({ d, mu0: [0.3, 0.2, -0.1] });
    const A = await setupTenant({ basis });
    const B = await setupTenant({ basis, upload: false });
    const user = "same-user-id";
    // B's user has history.
    for (let i = 0; i < 3; i++) {
      const res = await call("POST", "/v1/feedback", {
        key: B.key,
        body: { user, prompt: "p", chosen: cands[i], rejected: cands[3], idempotency_key: `idem-${i}` },
      });
      expect(res.status).toBe(200);
    }
    const before = await call("GET", `/v1/users/${user}/export`, { key: B.key });

    // Read: A sees no such user.
    expect((await call("GET", `/v1/users/${user}`, { key: A.key })).status).toBe(404);
    expect((await call("GET", `/v1/users/${user}/export`, { key: A.key })).status).toBe(404);
    // Rank: A ranks the id as an unknown user (the prior), not with B's posterior.
    const rankA = await call("POST", "/v1/rank", { key: A.key, body: { user, prompt: "p", candidates: cands } });
    const rankB = await call("POST", "/v1/rank", { key: B.key, body: { user, prompt: "p", candidates: cands } });
    expect(rankA.body.user.feedback_count).toBe(0);
    expect(rankB.body.user.feedback_count).toBe(3);
    expect(rankA.body.ranking).not.toEqual(rankB.body.ranking);
    // Idempotency keys are per tenant: B's key means nothing to A.
    const upd = await call("POST", "/v1/feedback", {
      key: A.key,
      body: { user, prompt: "p", chosen: cands[0], rejected: cands[3], idempotency_key: "idem-0" },
    });
    expect(upd.body).toEqual({ user: { feedback_count: 1, version: 1 }, duplicate: false });
    // Delete: A deletes its own user, B's is untouched.
    expect((await call("DELETE", `/v1/users/${user}`, { key: A.key })).status).toBe(204);
    expect((await call("DELETE", `/v1/users/${user}`, { key: A.key })).status).toBe(404);

    const after = await call("GET", `/v1/users/${user}/export`, { key: B.key });
    expect(after.body).toEqual(before.body);
    expect(await storedCounts(A.tenant)).toEqual({ users: 0, feedback: 0 });
    expect(await storedCounts(B.tenant)).toEqual({ users: 1, feedback: 3 });
  });
});

describe("provisioning with known ids (how `npm start` seeds a dev tenant idempotently)", () => {
  it("a tenant can be created under a chosen id, once; a chosen key can be registered, once, and works", async () => {
    const basis = makeBasis({ d });
    expect((await admin("POST", "/admin/bases", basis)).status).toBe(201);
    const id = `tn-${Date.now().toString(36)}`;
    const tenant = { id, name: "chosen", embedder: { kind: "vectors", id: basis.embedder.id }, basis: basis.id };
    const created = await admin("POST", "/admin/tenants", tenant);
    expect(created.status).toBe(201);
    expect(created.body.id).toBe(id);
    const again = await admin("POST", "/admin/tenants", tenant);
    expect(again.status).toBe(409);
    expect(again.body.error.field).toBe("id");

    const key = `pk_chosen_${"x".repeat(20)}_${Date.now().toString(36)}`;
    const registered = await admin("POST", `/admin/tenants/${id}/keys`, { key, name: "dev" });
    expect(registered.status).toBe(201);
    expect(registered.body.key).toBe(key);
    const duplicate = await admin("POST", `/admin/tenants/${id}/keys`, { key });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.field).toBe("key");
    expect((await admin("POST", `/admin/tenants/${id}/keys`, { key: "short" })).status).toBe(400);
    const rows = await env.DB.prepare("select count(*) as n from api_keys where tenant_id = ?").bind(id).first<{ n: number }>();
    expect(rows?.n).toBe(1);

    const rank = await call("POST", "/v1/rank", { key, body: { user: "u", prompt: "p", candidates: cands } });
    expect(rank.status).toBe(200);
  });
});
