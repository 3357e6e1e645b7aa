// Every user id that can be written can be read, exported and erased: "." and ".." (which URL parsers remove as
// path segments, also written %2e) are refused everywhere; every other id, with "/", "%", "?", "#", dots or
// non-ASCII, round-trips through /v1/users/{user} percent-encoded.
import { beforeAll, describe, expect, it } from "vitest";
import { call, makeBasis, setupTenant, storedCounts, vectors, type TenantSetup } from "./helpers.ts";

const d = 8;
const [a, b] = vectors(2, d, 17).map((embedding) => ({ embedding }));
let t: TenantSetup;
beforeAll(async () => {
  t = await setupTenant({ basis: makeBasis({ d }) });
});

const path = (id: string, rest = "") => `/v1/users/${encodeURIComponent(id)}${rest}`;

describe("user ids", () => {
  it.each([".", ".."])("%j is refused by every route that writes or reads by body, naming the field", async (id) => {
    const before = await storedCounts(t.tenant);
    for (const [route, body] of [
      ["/v1/feedback", { user: id, prompt: "p", chosen: a, rejected: b }],
      ["/v1/rank", { user: id, prompt: "p", candidates: [a, b] }],
      ["/v1/questions/next", { user: id, prompt: "p", candidates: [a, b] }],
    ] as const) {
      const res = await call("POST", route, { key: t.key, body });
      expect(res.status, route).toBe(400);
      expect(res.body.error.field).toBe("user");
      expect(res.body.error.message).toMatch(/cannot be ids/);
    }
    expect(await storedCounts(t.tenant)).toEqual(before);
  });

  it.each(["a/b", "x/../y", "%2e%2e", "%2e", "...", ".hidden", "a?b#c", "a\\b", "50%", "über/ü", " spaced ", "a%2Fb", "export", "u/export"])(
    "%j: written, then read, exported and erased at its own address",
    async (id) => {
      expect((await call("POST", "/v1/feedback", { key: t.key, body: { user: id, prompt: "p", chosen: a, rejected: b } })).status).toBe(200);
      const profile = await call("GET", path(id), { key: t.key });
      expect(profile.status).toBe(200);
      expect(profile.body.user).toBe(id);
      expect(profile.body.feedback_count).toBe(1);
      const exported = await call("GET", path(id, "/export"), { key: t.key });
      expect(exported.status).toBe(200);
      expect(exported.body.user).toBe(id);
      expect(exported.body.feedback).toHaveLength(1);
      expect((await call("DELETE", path(id), { key: t.key })).status).toBe(204);
      expect((await call("GET", path(id), { key: t.key })).status).toBe(404);
    },
  );

  it("a path segment that is not valid percent-encoded UTF-8 is a 400, not another user", async () => {
    expect((await call("POST", "/v1/feedback", { key: t.key, body: { user: "%FF", prompt: "p", chosen: a, rejected: b } })).status).toBe(200);
    const res = await call("GET", "/v1/users/%FF", { key: t.key });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe("user");
    expect((await call("GET", path("%FF"), { key: t.key })).body.user).toBe("%FF");
  });
});
