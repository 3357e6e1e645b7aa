// A comparison whose send to the archive queue fails stays in the user's object (its outbox) and reaches the archive
// when the object's alarm re-sends it: nothing recorded is lost on the way to the export.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { userObject } from "../../worker/stores/durable-store.ts";
import type { UserObject } from "../../worker/stores/user-object.ts";
import { ADMIN_TOKEN, ORIGIN, call, env, setupTenant, unique, vectors } from "./helpers.ts";

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
});
