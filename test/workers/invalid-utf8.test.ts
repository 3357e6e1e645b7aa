// Bodies with invalid UTF-8 are refused with 400 naming the field, never decoded with U+FFFD substituted (which
// would merge two different client ids into one user). Nothing is stored. A valid U+FFFD is just a character.
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { makeBasis, ORIGIN, setupTenant, storedCounts, vectors, type TenantSetup } from "./helpers.ts";

const d = 8;
const [e0, e1] = vectors(2, d, 23);
let t: TenantSetup;
beforeAll(async () => {
  t = await setupTenant({ basis: makeBasis({ d }) });
});

const utf8 = new TextEncoder();
/** JSON text with the marker INVALID replaced by raw bytes that are not UTF-8 (0xff, a lone continuation, an
 * overlong slash, a truncated sequence). */
function bodyWith(json: string, bad: number[]): Uint8Array {
  const [before, after] = json.split("INVALID");
  const head = utf8.encode(before);
  const tail = utf8.encode(after);
  const out = new Uint8Array(head.length + bad.length + tail.length);
  out.set(head);
  out.set(bad, head.length);
  out.set(tail, head.length + bad.length);
  return out;
}

const send = async (path: string, body: Uint8Array) => {
  const res = await exports.default.fetch(new Request(`${ORIGIN}${path}`, { method: "POST", headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" }, body }));
  return { status: res.status, body: (await res.json()) as any };
};

const BAD = [[0xff], [0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80]];

describe("invalid UTF-8 in a body", () => {
  it.each([
    ["/v1/feedback", "user", `{"user":"alINVALIDice","prompt":"p","chosen":{"embedding":${JSON.stringify(e0)}},"rejected":{"embedding":${JSON.stringify(e1)}}}`],
    ["/v1/feedback", "prompt", `{"user":"alice","prompt":"pINVALID","chosen":{"embedding":${JSON.stringify(e0)}},"rejected":{"embedding":${JSON.stringify(e1)}}}`],
    ["/v1/rank", "candidates.1", `{"user":"alice","prompt":"p","candidates":[{"embedding":${JSON.stringify(e0)}},"texINVALIDt"]}`],
    ["/v1/rank", "candidates.0.text", `{"user":"alice","prompt":"p","candidates":[{"text":"INVALID"}]}`],
    ["/v1/chat/completions", "messages.0.content", `{"model":"m","messages":[{"role":"user","content":"hiINVALID"}]}`],
  ])("%s: 400 naming %s, for every kind of bad byte sequence", async (path, field, json) => {
    const before = await storedCounts(t.tenant);
    for (const bad of BAD) {
      const res = await send(path, bodyWith(json, bad));
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: "invalid_request", field });
      expect(res.body.error.message).toMatch(/UTF-8/);
    }
    expect(await storedCounts(t.tenant)).toEqual(before);
  });

  it("is found in a large body too (the one decoded by the core), and a key that is not UTF-8 names its object", async () => {
    const many = vectors(16, d, 5).map((e) => ({ embedding: e }));
    const json = JSON.stringify({ user: "bob", prompt: "INVALID", candidates: many }).replace('"INVALID"', '"xINVALID"');
    expect(json.length).toBeGreaterThan(2048);
    const res = await send("/v1/rank", bodyWith(json, [0xff]));
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe("prompt");
    const key = await send("/v1/rank", bodyWith(`{"user":"bob","prompt":"p","candidates":[{"teINVALIDxt":"a"}]}`, [0xff]));
    expect(key.body.error.field).toBe("candidates.0");
  });

  it("a valid U+FFFD is an ordinary character: two ids stay two users", async () => {
    const fb = (user: string) => send("/v1/feedback", utf8.encode(JSON.stringify({ user, prompt: "p", chosen: { embedding: e0 }, rejected: { embedding: e1 } })));
    expect((await fb("x\uFFFDy")).status).toBe(200);
    expect((await fb("x\uFFFDy")).body.user.feedback_count).toBe(2);
    const raw = await send("/v1/feedback", bodyWith(`{"user":"xINVALIDy","prompt":"p","chosen":{"embedding":${JSON.stringify(e0)}},"rejected":{"embedding":${JSON.stringify(e1)}}}`, [0xff]));
    expect(raw.status).toBe(400);
  });
});
