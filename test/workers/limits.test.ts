// Rate limits and daily quotas per API key, configured per tenant (PUT /admin/tenants/{tenant}/limits): over the
// limit, 429 with Retry-After and nothing done; other keys and tenants unaffected. The plans are the rate-limiting
// bindings (wrangler.toml; RATE_LIMIT_TINY, 3 a minute, only in the tests), counted by Miniflare as in wrangler dev.
import { beforeAll, describe, expect, it } from "vitest";
import { admin, call, env, makeBasis, setupTenant, storedCounts, unique, vectors, type TenantSetup } from "./helpers.ts";
import { expectConforms } from "./openapi-validate.ts";

const d = 8;
const [a, b] = vectors(2, d, 7).map((embedding) => ({ embedding }));
const rank = (key: string) => call("POST", "/v1/rank", { key, body: { user: "u", prompt: "p", candidates: [a, b] } });
const limits = (t: TenantSetup, body: unknown) => admin("PUT", `/admin/tenants/${t.tenant}/limits`, body);

let basis: ReturnType<typeof makeBasis>;
beforeAll(async () => {
  basis = makeBasis({ d });
  expect((await admin("POST", "/admin/bases", basis)).status).toBe(201);
});
const tenant = () => setupTenant({ basis, upload: false });

describe("rate limits", () => {
  it("a key over its plan gets 429 with Retry-After; another key of the tenant and other tenants are unaffected", async () => {
    const t = await tenant();
    const set = await limits(t, { rate_limit_plan: "tiny" });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ rate_limit_plan: "tiny", daily_quota: null });
    await expectConforms(set, "PUT", "/admin/tenants/{tenant}/limits");
    expect((await admin("GET", `/admin/tenants/${t.tenant}`)).body.limits).toEqual(set.body);

    for (let i = 0; i < 3; i++) expect((await rank(t.key)).status).toBe(200);
    const refused = await rank(t.key);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: "rate_limited" });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await expectConforms(refused, "POST", "/v1/rank");

    // Feedback is refused before anything is stored.
    const before = await storedCounts(t.tenant);
    expect((await call("POST", "/v1/feedback", { key: t.key, body: { user: "u", prompt: "p", chosen: a, rejected: b } })).status).toBe(429);
    expect(await storedCounts(t.tenant)).toEqual(before);

    const second = await admin("POST", `/admin/tenants/${t.tenant}/keys`, { name: "second" });
    expect((await rank(second.body.key)).status).toBe(200);
    expect((await rank((await tenant()).key)).status).toBe(200);
  });

  it("a plan this Worker has no binding for is refused; unlimited and the default are accepted", async () => {
    const t = await tenant();
    const bad = await limits(t, { rate_limit_plan: "gold" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("rate_limit_plan");
    expect(bad.body.error.message).toMatch(/standard/);
    expect((await limits(t, { rate_limit_plan: "unlimited" })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await rank(t.key)).status).toBe(200);
    expect((await limits(t, {})).body).toEqual({ rate_limit_plan: null, daily_quota: null });
    expect((await admin("PUT", "/admin/tenants/nope/limits", {})).status).toBe(404);
  });
});

describe("daily quotas", () => {
  it("count every admitted request of a key, across routes, and refuse the rest until midnight UTC", async () => {
    const t = await tenant();
    expect((await limits(t, { rate_limit_plan: "unlimited", daily_quota: 4 })).status).toBe(200);
    const user = unique("u");
    expect((await rank(t.key)).status).toBe(200);
    expect((await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p", chosen: a, rejected: b } })).status).toBe(200);
    // The next comparison skips the read (this isolate wrote the user's last one): it still counts.
    expect((await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p2", chosen: b, rejected: a } })).status).toBe(200);
    expect((await call("GET", `/v1/users/${user}`, { key: t.key })).status).toBe(200);
    const refused = await call("GET", `/v1/users/${user}/export`, { key: t.key });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("quota_exceeded");
    const midnight = Math.ceil(86_400 - ((Date.now() / 1000) % 86_400));
    expect(Math.abs(Number(refused.headers.get("retry-after")) - midnight)).toBeLessThanOrEqual(2);

    // The count reached D1 (written behind, shortly after): another isolate would see it.
    const key = (await env.DB.prepare("select id from api_keys where tenant_id = ?").bind(t.tenant).first<{ id: string }>())!.id;
    let stored = 0;
    for (let i = 0; i < 50 && stored < 4; i++) {
      await new Promise((r) => setTimeout(r, 50));
      stored = (await env.DB.prepare("select count from key_usage where key_id = ?").bind(key).first<{ count: number }>())?.count ?? 0;
    }
    expect(stored).toBe(4);

    // Raising the quota lets the key in again.
    expect((await limits(t, { rate_limit_plan: "unlimited", daily_quota: 10 })).status).toBe(200);
    expect((await rank(t.key)).status).toBe(200);
  });
});
