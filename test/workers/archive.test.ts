// The R2 archive of a Durable-Object tenant: a comparison whose send to the archive queue fails stays in the user's
// object (its outbox) and reaches the archive when the object's alarm re-sends it; a deleted user's comparisons are
// removed from the archive by compaction, and nobody else's.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { userObject } from "../../worker/stores/durable-store.ts";
import type { UserObject } from "../../worker/stores/user-object.ts";
import { ADMIN_TOKEN, ORIGIN, admin, call, env, setupTenant, unique, vectors } from "./helpers.ts";

const d = 8;
const pool = vectors(4, d, 91).map((embedding) => ({ embedding }));

async function exported(tenant: string): Promise<number> {
  const res = await exports.default.fetch(new Request(`${ORIGIN}/admin/tenants/${tenant}/feedback`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }));
  return new TextDecoder().decode(await res.arrayBuffer()).split("\n").filter(Boolean).length;
}

async function eventually(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("the archive outbox", () => {
  it("keeps a comparison whose queue send failed and re-sends it from the object's alarm", async () => {
    const t = await setupTenant({ store: "durable-objects" });
    const user = unique("u");
    const stub = userObject(env as never, t.tenant, user);
    expect((await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p", chosen: pool[0], rejected: pool[1] } })).status).toBe(200);
    await eventually(async () => (await exported(t.tenant)) === 1);

    // The queue is down for the next comparison: the answer is still 200 (the object has it), the archive does not.
    let queue: unknown;
    await runInDurableObject(stub, (instance: UserObject) => {
      const own = instance as unknown as { env: Record<string, unknown> };
      queue = own.env.ARCHIVE_QUEUE;
      own.env = { ...own.env, ARCHIVE_QUEUE: { sendBatch: () => Promise.reject(new Error("queue unavailable")) } };
    });
    expect((await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: "p", chosen: pool[2], rejected: pool[3] } })).status).toBe(200);
    await runInDurableObject(stub, async (instance: UserObject, state) => {
      expect(state.storage.sql.exec("select count(*) as n from outbox").one().n).toBe(1);
      expect(await state.storage.getAlarm()).not.toBeNull();
      const own = instance as unknown as { env: Record<string, unknown> };
      own.env = { ...own.env, ARCHIVE_QUEUE: queue };
    });
    expect(await exported(t.tenant)).toBe(1);

    // The alarm re-sends it; the outbox empties and the export has both comparisons, once each.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runInDurableObject(stub, (_: UserObject, state) => expect(state.storage.sql.exec("select count(*) as n from outbox").one().n).toBe(0));
    await eventually(async () => (await exported(t.tenant)) === 2);
    expect((await call("GET", `/v1/users/${user}`, { key: t.key })).body.feedback_count).toBe(2);
  });

  it("compaction removes a deleted user's archived comparisons, and nobody else's, resumable by cursor", async () => {
    const t = await setupTenant({ store: "durable-objects" });
    const [gone, kept] = [unique("gone"), unique("kept")];
    for (let i = 0; i < 3; i++)
      for (const user of [gone, kept]) expect((await call("POST", "/v1/feedback", { key: t.key, body: { user, prompt: `p${i}`, chosen: pool[i], rejected: pool[3] } })).status).toBe(200);
    await eventually(async () => (await exported(t.tenant)) === 6);
    expect((await call("DELETE", `/v1/users/${gone}`, { key: t.key })).status).toBe(204);
    await eventually(async () => (await exported(t.tenant)) === 3); // the tombstone reached the archive

    const archived = async () => {
      const keys = (await env.ARCHIVE.list({ prefix: `archive/${t.tenant}/` })).objects.map((o) => o.key);
      const lines = await Promise.all(keys.map(async (k) => (await (await env.ARCHIVE.get(k))!.text()).split("\n").filter(Boolean)));
      return lines.flat().map((l) => JSON.parse(l) as { user_id: string; seq: number });
    };
    expect((await archived()).filter((l) => l.user_id === gone)).toHaveLength(3);
    const before = (await archived()).filter((l) => l.user_id === kept).map((l) => l.seq);

    let cursor: string | undefined;
    let dropped = 0;
    for (let calls = 0; ; calls++) {
      expect(calls).toBeLessThan(20);
      const res = await admin("POST", `/admin/tenants/${t.tenant}/archive/compact`, { limit: 1, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      dropped += res.body.dropped;
      if (res.body.next === null) break;
      cursor = res.body.next;
    }
    expect(dropped).toBe(3);
    const after = await archived();
    expect(after.filter((l) => l.user_id === gone)).toHaveLength(0);
    expect(after.filter((l) => l.user_id === kept).map((l) => l.seq).sort()).toEqual(before.sort());
    expect(await exported(t.tenant)).toBe(3);
    // Again: nothing more to remove; a D1 tenant has no archive; an unknown tenant is a 404.
    expect((await admin("POST", `/admin/tenants/${t.tenant}/archive/compact`, {})).body).toMatchObject({ next: null, dropped: 0 });
    const d1 = await setupTenant({ store: "d1" });
    expect((await admin("POST", `/admin/tenants/${d1.tenant}/archive/compact`, {})).body).toEqual({ next: null, objects: 0, rewritten: 0, deleted: 0, dropped: 0 });
    expect((await admin("POST", "/admin/tenants/t_nobody/archive/compact", {})).status).toBe(404);
    expect((await admin("POST", `/admin/tenants/${t.tenant}/archive/compact`, { limit: 0 })).status).toBe(400);
  });
});

