// Tenants and their API keys (admin side). Keys are stored only as SHA-256 hashes.
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../client.ts";
import { apiKeys, tenants, type TenantRow } from "../schema.ts";

export type NewTenant = typeof tenants.$inferInsert;
export type NewApiKey = typeof apiKeys.$inferInsert;

export const tenantsRepo = {
  get: async (db: Db, id: string): Promise<TenantRow | undefined> => db.select().from(tenants).where(eq(tenants.id, id)).get(),

  /** Every tenant, oldest first (an operator's picker: tenants are few, so no paging). */
  list: async (db: Db): Promise<TenantRow[]> => db.select().from(tenants).orderBy(tenants.createdAt, tenants.id).all(),

  insert: async (db: Db, row: NewTenant): Promise<void> => {
    await db.insert(tenants).values(row).run();
  },

  /** Replaces the tenant's upstream chat settings; false if there is no such tenant. */
  setUpstream: async (
    db: Db,
    id: string,
    settings: Pick<TenantRow, "upstreamUrl" | "upstreamModel" | "upstreamN" | "upstreamUseN" | "upstreamKeySecret" | "upstreamModelPassthrough">,
  ): Promise<boolean> => (await db.update(tenants).set(settings).where(eq(tenants.id, id)).run()).meta.changes === 1,

  /** Replaces the tenant's rate-limit plan and daily quota; false if there is no such tenant. */
  setLimits: async (db: Db, id: string, settings: Pick<TenantRow, "rateLimitPlan" | "dailyQuota">): Promise<boolean> =>
    (await db.update(tenants).set(settings).where(eq(tenants.id, id)).run()).meta.changes === 1,

  keys: async (db: Db, tenantId: string) =>
    db
      .select({ id: apiKeys.id, prefix: apiKeys.prefix, name: apiKeys.name, createdAt: apiKeys.createdAt, revokedAt: apiKeys.revokedAt })
      .from(apiKeys)
      .where(eq(apiKeys.tenantId, tenantId))
      .orderBy(apiKeys.createdAt),

  keyExists: async (db: Db, keyHash: string): Promise<boolean> =>
    (await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.keyHash, keyHash)).get()) !== undefined,

  insertKey: async (db: Db, row: NewApiKey): Promise<void> => {
    await db.insert(apiKeys).values(row).run();
  },

  /** Revokes a live key of this tenant; false if there is none. */
  revokeKey: async (db: Db, tenantId: string, keyId: string, now: number): Promise<boolean> => {
    const res = await db
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.id, keyId), eq(apiKeys.tenantId, tenantId), isNull(apiKeys.revokedAt)))
      .run();
    return res.meta.changes === 1;
  },
};
