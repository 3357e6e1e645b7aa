// GET /admin/tenants: the operator's list of tenants (the metrics page's picker), admin token only.
import { describe, expect, it } from "vitest";
import { admin, call, setupTenant } from "./helpers.ts";
import { expectConforms } from "./openapi-validate.ts";

describe("GET /admin/tenants", () => {
  it("lists every tenant, oldest first, as documented", async () => {
    const first = await setupTenant();
    const second = await setupTenant();
    const res = await admin("GET", "/admin/tenants");
    expect(res.status).toBe(200);
    await expectConforms(res, "GET", "/admin/tenants");
    const ids = (res.body.tenants as { id: string }[]).map((t) => t.id);
    expect(ids).toContain(first.tenant);
    expect(ids.indexOf(first.tenant)).toBeLessThan(ids.indexOf(second.tenant));
    const listed = res.body.tenants.find((t: { id: string }) => t.id === second.tenant);
    expect(listed.basis).toBe(second.basis.id);
    expect(listed.embedder.id).toBe(second.basis.embedder.id);
  });

  it("needs the admin token, not a tenant key", async () => {
    const t = await setupTenant();
    expect((await call("GET", "/admin/tenants")).status).toBe(401);
    expect((await call("GET", "/admin/tenants", { key: t.key })).status).toBe(401);
  });
});
