// npm start's seeding (scripts/seed.ts), run against the Worker itself: the first start creates the dev tenant,
// its key and the default basis; a restart changes nothing an admin changed since.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEV_TENANT, seedDevTenant } from "../../scripts/seed.ts";
import { admin, ADMIN_TOKEN, call, makeBasis, ORIGIN } from "./helpers.ts";

const devKey = "pk_seed_test_key_00000000000000000";
const shipped = makeBasis({ id: "shipped-basis", d: 8 });
const seed = () =>
  seedDevTenant({ url: ORIGIN, adminToken: ADMIN_TOKEN, devKey, basis: shipped, textEmbedder: false, fetch: (url, init) => exports.default.fetch(new Request(url, init)) });

describe("seeding the dev tenant", () => {
  it("creates what is missing, and a restart keeps an admin's changes", async () => {
    expect((await admin("PUT", "/admin/default-basis", { basis: null })).status).toBe(200);
    expect(await seed()).toBe(shipped.id);
    expect((await admin("GET", `/admin/tenants/${DEV_TENANT}`)).body.basis).toBe(shipped.id);
    expect((await call("GET", "/health")).body.basis).toBe(shipped.id);
    expect((await call("POST", "/v1/rank", { key: devKey, body: { user: "u", prompt: "p", candidates: [{ embedding: [1, 2, 3, 4, 5, 6, 7, 8] }] } })).status).toBe(200);

    // An admin moves the service and the dev tenant to another basis...
    const newer = makeBasis({ id: "admins-choice", d: 8, embedderId: shipped.embedder.id, seed: 2 });
    expect((await admin("POST", "/admin/bases", newer)).status).toBe(201);
    expect((await admin("PUT", "/admin/default-basis", { basis: newer.id })).status).toBe(200);
    expect((await admin("PUT", `/admin/tenants/${DEV_TENANT}/basis`, { basis: newer.id })).status).toBe(200);

    // ...and npm start runs again on the same D1.
    expect(await seed()).toBe(newer.id);
    expect((await admin("GET", `/admin/tenants/${DEV_TENANT}`)).body.basis).toBe(newer.id);
    expect((await call("GET", "/health")).body.basis).toBe(newer.id);
    expect((await admin("GET", `/admin/tenants/${DEV_TENANT}`)).body.keys).toHaveLength(1);
  });
});
