// GET /admin/tenants/{tenant}/feedback: the log as NDJSON in seq order, resumable, pseudonymous unless asked, in the
// comparisons contract `pref train` reads.
import { describe, expect, it } from "vitest";
import { admin, call, makeBasis, setupTenant, unique, vectors } from "./helpers.ts";

const d = 6;
const pool = vectors(8, d, 81).map((v) => v.map((x) => Math.fround(x)));
const lines = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
const f32 = (b64: string) => Array.from(new Float32Array(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)).buffer));

async function withLog() {
  const t = await setupTenant({ basis: makeBasis({ d, J: 2, embedderId: "export-emb" }) });
  const users = [unique("alice"), unique("bob")];
  for (let i = 0; i < 5; i++) {
    const user = users[i % 2];
    const res = await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: `prompt ${i}`, chosen: { embedding: pool[i] }, rejected: { embedding: pool[i + 1] }, tie: i === 3 } });
    expect(res.status).toBe(200);
  }
  return { ...t, users };
}

describe("exporting the comparison log", () => {
  it("streams every comparison in seq order, as comparisons pref train reads, with pseudonymous users", async () => {
    const t = await withLog();
    const res = await admin("GET", `/admin/tenants/${t.tenant}/feedback?with_remaining=true`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    expect(res.headers.get("x-pref-remaining")).toBe("5");
    const rows = lines(res.body as unknown as string);
    expect(rows).toHaveLength(5);
    expect(rows.map((r) => r.seq)).toEqual([...rows.map((r) => r.seq)].sort((a, b) => a - b));
    rows.forEach((r, i) => {
      expect(f32(r.a.embedding)).toEqual(pool[i]);
      expect(f32(r.b.embedding)).toEqual(pool[i + 1]);
      expect(r.label).toBe(i === 3 ? 0.5 : 1);
      expect(r.embedder).toBe("export-emb");
      expect(r.basis).toBe(t.basis.id);
      expect(r.prompt_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(new Date(r.created_at).getTime()).toBeGreaterThan(0);
    });
    // Pseudonyms: stable per user, different between users, never the raw id.
    expect(rows[0].user).toBe(rows[2].user);
    expect(rows[0].user).not.toBe(rows[1].user);
    expect(rows.some((r) => t.users.includes(r.user))).toBe(false);
    const raw = lines((await admin("GET", `/admin/tenants/${t.tenant}/feedback?raw_user_ids=true`)).body as unknown as string);
    expect(raw.map((r) => r.user)).toEqual([0, 1, 2, 3, 4].map((i) => t.users[i % 2]));
  });

  it("resumes after any seq, and pages with limit", async () => {
    const t = await withLog();
    const all = lines((await admin("GET", `/admin/tenants/${t.tenant}/feedback`)).body as unknown as string);
    const first = lines((await admin("GET", `/admin/tenants/${t.tenant}/feedback?limit=2`)).body as unknown as string);
    expect(first.map((r) => r.seq)).toEqual(all.slice(0, 2).map((r) => r.seq));
    const rest = await admin("GET", `/admin/tenants/${t.tenant}/feedback?after=${first[1].seq}&with_remaining=1`);
    expect(rest.headers.get("x-pref-remaining")).toBe("3");
    expect(lines(rest.body as unknown as string)).toEqual(all.slice(2));
    const none = await admin("GET", `/admin/tenants/${t.tenant}/feedback?after=${all[4].seq}`);
    expect(none.status).toBe(200);
    expect(none.body).toBeNull();
  });

  it("refuses a bad query, an unknown tenant and a tenant key", async () => {
    const t = await withLog();
    const bad = await admin("GET", `/admin/tenants/${t.tenant}/feedback?limit=0`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("limit");
    expect((await admin("GET", `/admin/tenants/${t.tenant}/feedback?after=-1`)).status).toBe(400);
    expect((await admin("GET", `/admin/tenants/${unique("none")}/feedback`)).status).toBe(404);
    expect((await call("GET", `/admin/tenants/${t.tenant}/feedback`, { key: t.key })).status).toBe(401);
  });
});
