// The scale-out user store: one SQLite-backed Durable Object per (tenant, user) (user-object.ts), addressed by
// name; cross-user reads (the retraining export, the metrics) come from the archive the objects feed through the
// queue (archive.ts, archive-export.ts), never from visiting every object.
import type { Bindings } from "../env.ts";
import type { TenantInfo } from "../domain.ts";
import { archiveExportPage, archiveRemaining } from "./archive-export.ts";
import { unwrap } from "./rpc-result.ts";
import type { UserObject } from "./user-object.ts";
import type { UserStore } from "./user-store.ts";

type Env = Bindings & { USER_OBJECTS: DurableObjectNamespace<UserObject> };

/** The user's object. The name keeps tenants apart (ids never collide across tenants). */
export function userObject(env: Bindings, tenantId: string, userId: string): DurableObjectStub<UserObject> {
  const ns = (env as Env).USER_OBJECTS;
  return ns.get(ns.idFromName(`${tenantId}\u0000${userId}`)) as DurableObjectStub<UserObject>;
}

const address = (tenant: TenantInfo, userId: string) => ({ tenantId: tenant.id, userId });

export const durableStore: UserStore = {
  kind: "durable-objects",

  current: async ({ c, tenant, basis }, userId) => unwrap(await userObject(c.env, tenant.id, userId).current(basis.id)),

  record: async ({ c, tenant, basis }, input) =>
    unwrap(await userObject(c.env, tenant.id, input.userId).record(address(tenant, input.userId), basis.id, tenant.embedderId, input)),

  delete: ({ env }, tenant, userId) => userObject(env, tenant.id, userId).remove(address(tenant, userId)),

  exportUser: async ({ env }, tenant, userId) => userObject(env, tenant.id, userId).exportUser(),

  answeredPairs: async ({ env }, tenant, userId, prompt) => userObject(env, tenant.id, userId).answeredPairs(prompt.keyed),

  exportPage: ({ env }, tenantId, after, limit) => archiveExportPage(env, tenantId, after, limit),

  exportRemaining: ({ env }, tenantId, after) => archiveRemaining(env, tenantId, after),
};
