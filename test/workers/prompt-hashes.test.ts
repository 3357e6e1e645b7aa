// Prompt (and request) hashes are keyed: HMAC under a per-tenant key derived from HASH_SECRET, of the text's
// SHA-256. A guessed prompt's plain SHA-256 matches nothing stored or exported. Rows stored before keyed hashing
// (plain SHA-256, hash_scheme 0) still match their prompts and requests, export in the keyed form, and are re-keyed
// in place by POST /admin/maintenance/rekey-hashes to exactly what a new row would store.
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { loadConfig } from "../../worker/config.ts";
import { admin, call, env, makeBasis, ORIGIN, setupTenant, storedCounts, unique, vectors } from "./helpers.ts";

const d = 8;
const [a, b, c3] = vectors(3, d, 91).map((embedding) => ({ embedding }));

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, "0")).join("");
}

const storedRows = (tenant: string, user: string) =>
  env.DB.prepare("select seq, prompt_hash, request_hash, hash_scheme from feedback where tenant_id = ? and user_id = ? order by seq")
    .bind(tenant, user)
    .all<{ seq: number; prompt_hash: string; request_hash: string; hash_scheme: number }>()
    .then((r) => r.results);

describe("prompt hashes", () => {
  it("are keyed: not the prompt's SHA-256, the same for the same prompt within a tenant, different across tenants", async () => {
    const basis = makeBasis({ d });
    const [t1, t2] = [await setupTenant({ basis }), await setupTenant({ basis, upload: false })];
    const prompt = "yes";
    for (const t of [t1, t2]) for (const p of [prompt, prompt, "no"]) await call("POST", "/v1/feedback", { key: t.key, body: { user: "u", prompt: p, chosen: a, rejected: b, tie: true } });
    const exported = async (key: string) => ((await call("GET", "/v1/users/u/export", { key })).body.feedback as { prompt_hash: string }[]).map((f) => f.prompt_hash);
    const [h1, h2] = [await exported(t1.key), await exported(t2.key)];
    expect(h1[0]).toBe(h1[1]);
    expect(h1[0]).not.toBe(h1[2]);
    expect(h1[0]).not.toBe(h2[0]);
    const plain = await sha256(prompt);
    expect([...h1, ...h2]).not.toContain(plain);
    const rows = await storedRows(t1.tenant, "u");
    expect(rows.every((r) => r.hash_scheme === 1 && r.prompt_hash !== plain)).toBe(true);
    expect(rows.map((r) => r.prompt_hash)).toEqual(h1);
  });

  it("rows stored before keyed hashing still match, export keyed, and are re-keyed to what a new row would store", async () => {
    const t = await setupTenant({ basis: makeBasis({ d }) });
    const user = unique("legacy");
    const prompt = "What is 2+2?";
    // Two comparisons, then made to look like rows from before keyed hashing: plain SHA-256 hashes, scheme 0.
    const first = { user, prompt, chosen: a, rejected: b, idempotency_key: unique("k") };
    expect((await call("POST", "/v1/feedback", { key: t.key, body: first })).status).toBe(200);
    expect((await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "other prompt", chosen: b, rejected: c3 } })).status).toBe(200);
    const keyedRows = await storedRows(t.tenant, user);
    const fingerprint = JSON.stringify([user, prompt, first.chosen, first.rejected, false, null], (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v));
    await env.DB.batch([
      env.DB.prepare("update feedback set prompt_hash = ?, request_hash = ?, hash_scheme = 0 where seq = ?").bind(await sha256(prompt), await sha256(fingerprint), keyedRows[0].seq),
      env.DB.prepare("update feedback set prompt_hash = ?, hash_scheme = 0 where seq = ?").bind(await sha256("other prompt"), keyedRows[1].seq),
    ]);

    // The legacy row's pair counts as answered for its prompt (questions skip it)...
    const q = await call("POST", "/v1/questions/next", { key: t.key, body: { user, prompt, candidates: [a, b] } });
    expect(q.body).toMatchObject({ ask: false, reason: "exhausted" });
    // ...its idempotency key still replays (and still refuses a different request)...
    expect((await call("POST", "/v1/feedback", { key: t.key, body: first })).body.duplicate).toBe(true);
    expect((await call("POST", "/v1/feedback", { key: t.key, body: { ...first, tie: true } })).status).toBe(409);
    // ...and the export shows only the keyed form, the very values stored before.
    const exported = (await call("GET", `/v1/users/${user}/export`, { key: t.key })).body.feedback.map((f: { prompt_hash: string }) => f.prompt_hash);
    expect(exported).toEqual(keyedRows.map((r) => r.prompt_hash));

    const before = await storedCounts(t.tenant);
    let remaining = Infinity;
    for (let i = 0; i < 100 && remaining > 0; i++) {
      const res = await admin("POST", "/admin/maintenance/rekey-hashes", { limit: 1 });
      expect(res.status).toBe(200);
      remaining = res.body.remaining;
    }
    expect(remaining).toBe(0);
    expect(await storedRows(t.tenant, user)).toEqual(keyedRows);
    expect(await storedCounts(t.tenant)).toEqual(before);
    expect((await admin("POST", "/admin/maintenance/rekey-hashes", {})).body).toEqual({ rekeyed: 0, remaining: 0 });
  });

  it("without HASH_SECRET nothing is stored: feedback answers 503, and the reason is only in the logs", async () => {
    const t = await setupTenant({ basis: makeBasis({ d }) });
    const { HASH_SECRET: _unset, ...withoutSecret } = env as unknown as Record<string, unknown>;
    const app = createApp(loadConfig(env));
    const res = await app.fetch(
      new Request(`${ORIGIN}/v1/feedback`, {
        method: "POST",
        headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" },
        body: JSON.stringify({ user: "u", prompt: "p", chosen: a, rejected: b }),
      }),
      withoutSecret,
      createExecutionContext(),
    );
    expect(res.status).toBe(503);
    expect(((await res.json()) as any).error.message).not.toContain("HASH_SECRET");
    expect(await storedCounts(t.tenant)).toEqual({ users: 0, feedback: 0 });
  });
});
