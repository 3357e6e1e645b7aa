// Basis artifacts: global, immutable once uploaded.
import { eq, sql } from "drizzle-orm";
import { preparedOnce, type Db } from "../client.ts";
import { bases, type BasisRow } from "../schema.ts";

export type NewBasis = typeof bases.$inferInsert;

export const basesRepo = {
  get: async (db: Db, id: string): Promise<BasisRow | undefined> => db.select().from(bases).where(eq(bases.id, id)).get(),

  exists: async (db: Db, id: string): Promise<boolean> =>
    (await db.select({ id: bases.id }).from(bases).where(eq(bases.id, id)).get()) !== undefined,

  /** The service-wide default basis id, or null. Also the health check's D1 query. */
  defaultId: async (db: Db): Promise<string | null> =>
    (
      await preparedOnce(db, "bases:default", () =>
        db.select({ id: bases.id }).from(bases).where(eq(bases.isDefault, true)).prepare(),
      ).get()
    )?.id ?? null,

  insert: async (db: Db, row: NewBasis): Promise<boolean> => {
    const res = await db.insert(bases).values(row).onConflictDoNothing().run();
    return res.meta.changes === 1;
  },

  list: async (db: Db) =>
    db
      .select({ id: bases.id, embedderId: bases.embedderId, d: bases.d, J: bases.J, labels: bases.labels, isDefault: bases.isDefault, uploadedAt: bases.uploadedAt })
      .from(bases)
      .orderBy(bases.uploadedAt),

  /** Makes `id` the default (null: no default). */
  setDefault: async (db: Db, id: string | null): Promise<void> => {
    const clear = db.update(bases).set({ isDefault: false }).where(sql`${bases.isDefault} = 1 AND ${bases.id} IS NOT ${id}`);
    if (id === null) await clear.run();
    else await db.batch([clear, db.update(bases).set({ isDefault: true }).where(eq(bases.id, id))]);
  },
};
