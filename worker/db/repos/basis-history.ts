// A tenant's basis activations: every activation is recorded, and rollback re-activates the one before the current.
// Users are re-fitted from their log under whichever basis is active on their next request, so neither direction
// loses a comparison, and rolling back restores exactly the posteriors the old basis gave (the same exact refit).
import { and, desc, eq, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { basisActivations, tenants } from "../schema.ts";
import { effectiveBasisId } from "../shared-sql.ts";

export type Activation = typeof basisActivations.$inferSelect;

export const basisHistoryRepo = {
  /** Sets the tenant's basis (null = the service default) and records the activation, in one batch. */
  activate: async (db: Db, tenantId: string, basisId: string | null, now: number): Promise<void> => {
    await db.batch([
      db.insert(basisActivations).values({
        tenantId,
        basisId,
        previousBasisId: sql`(select ${tenants.basisId} from ${tenants} where ${tenants.id} = ${tenantId})`,
        activatedAt: now,
      }),
      db.update(tenants).set({ basisId }).where(eq(tenants.id, tenantId)),
    ]);
  },

  /** Newest first. */
  list: async (db: Db, tenantId: string, limit = 20): Promise<Activation[]> =>
    db.select().from(basisActivations).where(eq(basisActivations.tenantId, tenantId)).orderBy(desc(basisActivations.seq)).limit(limit).all(),

  /**
   * Marks the newest live activation rolled back and re-activates what was active before it: the newest older live
   * activation, else the tenant's basis before the first one. Null when there is nothing to roll back; the guard on
   * rolled_back_at makes two concurrent rollbacks take one step each, not the same step twice.
   */
  rollback: async (db: Db, tenantId: string, now: number): Promise<{ from: string | null; to: string | null } | null> => {
    const live = and(eq(basisActivations.tenantId, tenantId), isNull(basisActivations.rolledBackAt));
    const current = await db.select().from(basisActivations).where(live).orderBy(desc(basisActivations.seq)).limit(1).get();
    if (!current) return null;
    const older = await db
      .select({ basisId: basisActivations.basisId })
      .from(basisActivations)
      .where(and(live, lt(basisActivations.seq, current.seq)))
      .orderBy(desc(basisActivations.seq))
      .limit(1)
      .get();
    const to = older ? older.basisId : current.previousBasisId;
    const [marked] = await db.batch([
      db
        .update(basisActivations)
        .set({ rolledBackAt: now })
        .where(and(eq(basisActivations.seq, current.seq), isNull(basisActivations.rolledBackAt)))
        .returning({ seq: basisActivations.seq }),
      db
        .update(tenants)
        .set({ basisId: to })
        .where(and(eq(tenants.id, tenantId), sql`exists (select 1 from ${basisActivations} where ${basisActivations.seq} = ${current.seq} and ${basisActivations.rolledBackAt} = ${now})`)),
    ]);
    return marked.length === 1 ? { from: current.basisId, to } : null;
  },

  /** The basis the tenant serves: its own, else the service default (null if neither). */
  effective: async (db: Db, tenantId: string): Promise<string | null> => {
    const row = await db
      .select({ id: effectiveBasisId })
      .from(tenants)
      .where(eq(tenants.id, tenantId))
      .get();
    return row?.id ?? null;
  },
};
