// Bad input: each case answers the right 4xx naming the field, and D1 is left untouched.
import { beforeAll, describe, expect, it } from "vitest";
import { admin, call, env, makeBasis, setupTenant, storedCounts, vectors, type TenantSetup } from "./helpers.ts";
import { expectConforms } from "./openapi-validate.ts";

const d = 8;
const [e0, e1, e2] = vectors(3, d, 41);
const good = { embedding: e0 };
const other = { embedding: e1 };
const USER = "existing-user";

interface Case {
  name: string;
  method?: string;
  path: string;
  template?: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  admin?: boolean;
  /** A tenant that has no basis (for "no basis" cases). */
  noBasis?: boolean;
  status: number;
  code?: string;
  field?: string;
}

const rank = (patch: Record<string, unknown>) => ({ user: USER, prompt: "p", candidates: [good, other], ...patch });
const fb = (patch: Record<string, unknown>) => ({ user: USER, prompt: "p", chosen: good, rejected: other, ...patch });
const q = (patch: Record<string, unknown>) => ({ user: USER, prompt: "p", candidates: [good, other, { embedding: e2 }], ...patch });
const many = (n: number) => Array.from({ length: n }, (_, i) => ({ embedding: vectors(1, d, 100 + i)[0] }));

const cases: Case[] = [
  { name: "malformed JSON (rank)", path: "/v1/rank", raw: '{"user": "u", ', status: 400, code: "malformed_json", field: "body" },
  { name: "malformed JSON (feedback)", path: "/v1/feedback", raw: "{user: u}", status: 400, code: "malformed_json", field: "body" },
  { name: "NaN literal in JSON", path: "/v1/feedback", raw: `{"user":"${USER}","prompt":"p","chosen":{"embedding":[NaN,1,1,1,1,1,1,1]},"rejected":{"embedding":[1,1,1,1,1,1,1,1]}}`, status: 400, code: "malformed_json", field: "body" },
  { name: "Infinity (1e999) in an embedding", path: "/v1/rank", raw: JSON.stringify(rank({})).replace(String(e0[3]), "1e999"), status: 400, field: "candidates.0.embedding.3" },
  { name: "NaN as a string in an embedding", path: "/v1/feedback", body: fb({ chosen: { embedding: [...e0.slice(0, 2), "NaN", ...e0.slice(3)] } }), status: 400, field: "chosen.embedding.2" },
  { name: "not JSON content type", path: "/v1/rank", raw: JSON.stringify(rank({})), headers: { "content-type": "text/plain" }, status: 415, field: "body" },
  { name: "body is an array", path: "/v1/rank", body: [rank({})], status: 400, field: "body" },
  { name: "missing user", path: "/v1/rank", body: { prompt: "p", candidates: [good] }, status: 400, field: "user" },
  { name: "user is a number", path: "/v1/rank", body: rank({ user: 42 }), status: 400, field: "user" },
  { name: "empty user id", path: "/v1/feedback", body: fb({ user: "" }), status: 400, field: "user" },
  { name: "user id of 129 chars", path: "/v1/rank", body: rank({ user: "u".repeat(129) }), status: 400, field: "user" },
  { name: "missing prompt", path: "/v1/questions/next", body: { user: USER, candidates: [good, other] }, status: 400, field: "prompt" },
  { name: "missing candidates", path: "/v1/rank", body: { user: USER, prompt: "p" }, status: 400, field: "candidates" },
  { name: "candidates is an object", path: "/v1/rank", body: rank({ candidates: { a: good } }), status: 400, field: "candidates" },
  { name: "0 candidates", path: "/v1/rank", body: rank({ candidates: [] }), status: 400, field: "candidates" },
  { name: "65 candidates", path: "/v1/rank", body: rank({ candidates: many(65) }), status: 400, field: "candidates" },
  { name: "1 candidate for a question", path: "/v1/questions/next", body: q({ candidates: [good] }), status: 400, field: "candidates" },
  { name: "65 candidates for a question", path: "/v1/questions/next", body: q({ candidates: many(65) }), status: 400, field: "candidates" },
  { name: "a candidate of the wrong type", path: "/v1/rank", body: rank({ candidates: [good, 7] }), status: 400, field: "candidates.1" },
  { name: "embedding of the wrong length", path: "/v1/rank", body: rank({ candidates: [good, { embedding: [1, 2, 3] }] }), status: 422, code: "dimension_mismatch", field: "candidates.1.embedding" },
  { name: "feedback embedding of the wrong length", path: "/v1/feedback", body: fb({ rejected: { embedding: [...e1, 0] } }), status: 422, code: "dimension_mismatch", field: "rejected.embedding" },
  { name: "empty embedding", path: "/v1/feedback", body: fb({ chosen: { embedding: [] } }), status: 400, field: "chosen.embedding" },
  { name: "text sent to a vectors tenant", path: "/v1/questions/next", body: q({ candidates: [good, "hello"] }), status: 422, code: "text_not_supported", field: "candidates.1" },
  { name: "text over 32 KB", path: "/v1/rank", body: rank({ candidates: [good, { text: "x".repeat(32 * 1024 + 1) }] }), status: 400, field: "candidates.1.text" },
  { name: "text over 32 KB in UTF-8 bytes", path: "/v1/rank", body: rank({ candidates: ["é".repeat(16 * 1024 + 1)] }), status: 400, field: "candidates.0" },
  { name: "prompt over 32 KB", path: "/v1/feedback", body: fb({ prompt: "p".repeat(40_000) }), status: 400, field: "prompt" },
  { name: "body over 1 MB", path: "/v1/rank", body: rank({ prompt: "p".repeat(1_100_000) }), status: 413, code: "payload_too_large", field: "body" },
  { name: "an unknown field", path: "/v1/rank", body: rank({ candidate: [good] }), status: 400, field: "candidate" },
  { name: "explore not an option", path: "/v1/rank", body: rank({ explore: "greedy" }), status: 400, field: "explore" },
  { name: "seed not an integer", path: "/v1/rank", body: rank({ explore: "thompson", seed: 1.5 }), status: 400, field: "seed" },
  { name: "criterion not an option", path: "/v1/questions/next", body: q({ criterion: "best" }), status: 400, field: "criterion" },
  { name: "feedback missing chosen", path: "/v1/feedback", body: { user: USER, prompt: "p", rejected: other }, status: 400, field: "chosen" },
  { name: "tie not a boolean", path: "/v1/feedback", body: fb({ tie: "yes" }), status: 400, field: "tie" },
  { name: "idempotency key with spaces", path: "/v1/feedback", body: fb({ idempotency_key: "a b" }), status: 400, field: "idempotency_key" },
  { name: "event_id too long", path: "/v1/feedback", body: fb({ event_id: "e".repeat(129) }), status: 400, field: "event_id" },
  { name: "chosen identical to rejected", path: "/v1/feedback", body: fb({ rejected: good }), status: 422, field: "rejected" },
  { name: "unknown user (export)", method: "GET", path: "/v1/users/nobody/export", template: "/v1/users/{user}/export", status: 404, code: "not_found", field: "user" },
  { name: "unknown user (profile)", method: "GET", path: "/v1/users/nobody", template: "/v1/users/{user}", status: 404, field: "user" },
  { name: "unknown user (delete)", method: "DELETE", path: "/v1/users/nobody", template: "/v1/users/{user}", status: 404, field: "user" },
  { name: "control character in a user id", method: "GET", path: "/v1/users/a%01b", template: "/v1/users/{user}", status: 400, field: "user" },
  { name: "tenant without a basis", path: "/v1/rank", body: rank({}), noBasis: true, status: 409, code: "no_basis", field: "basis" },
  { name: "activate an unknown basis", method: "PUT", path: "/admin/tenants/{tenant}/basis", body: { basis: "no-such-basis" }, admin: true, status: 404, field: "basis" },
  { name: "default to an unknown basis", method: "PUT", path: "/admin/default-basis", body: { basis: "no-such-basis" }, admin: true, status: 404, field: "basis" },
  { name: "basis artifact with a wrong W shape", path: "/admin/bases", body: { ...makeBasis({ d }), W: [[1, 2]] }, admin: true, status: 400, field: "W" },
  { name: "basis whose sigma0 is not positive definite", path: "/admin/bases", body: { ...makeBasis({ d, J: 2 }), sigma0: [[1, 2], [2, 1]] }, admin: true, status: 422, field: "sigma0" },
];

let t: TenantSetup;
let bare: TenantSetup;
let before: { users: number; feedback: number };
let beforeUser: unknown;

beforeAll(async () => {
  expect((await admin("PUT", "/admin/default-basis", { basis: null })).status).toBe(200);
  t = await setupTenant({ basis: makeBasis({ d }) });
  // A tenant with an embedder no basis matches: it has no basis at all.
  bare = await setupTenant({ basis: makeBasis({ d, embedderId: "nobody-trains-on-this" }) });
  await admin("PUT", `/admin/tenants/${bare.tenant}/basis`, { basis: null });
  // Existing state that bad requests must not touch.
  const ok = await call("POST", "/v1/feedback", { key: t.key, body: fb({}) });
  expect(ok.status).toBe(200);
  before = await storedCounts(t.tenant);
  beforeUser = (await call("GET", `/v1/users/${USER}/export`, { key: t.key })).body;
});

describe("bad input", () => {
  it(`has at least 25 cases (${cases.length})`, () => expect(cases.length).toBeGreaterThanOrEqual(25));

  it.each(cases)("$name -> $status $field", async (c) => {
    const tenant = c.noBasis ? bare : t;
    const path = c.path.replace("{tenant}", tenant.tenant);
    const method = c.method ?? "POST";
    const res = await call(method, path, { body: c.body, raw: c.raw, headers: c.headers, key: c.admin ? undefined : tenant.key, ...(c.admin ? { key: "test-admin-token" } : {}) });
    expect(res.status, JSON.stringify(res.body)).toBe(c.status);
    if (c.code) expect(res.body.error.code).toBe(c.code);
    if (c.field) expect(res.body.error.field).toBe(c.field);
    expect(typeof res.body.error.message).toBe("string");
    if (!c.admin) await expectConforms(res, method, c.template ?? path);
    // Nothing stored, nothing changed.
    expect(await storedCounts(t.tenant)).toEqual(before);
    expect(await storedCounts(bare.tenant)).toEqual({ users: 0, feedback: 0 });
  });

  it("left the existing user exactly as it was", async () => {
    expect((await call("GET", `/v1/users/${USER}/export`, { key: t.key })).body).toEqual(beforeUser);
    const bases = await env.DB.prepare("select count(*) as n from bases where id = 'no-such-basis'").first<{ n: number }>();
    expect(bases?.n).toBe(0);
  });
});
