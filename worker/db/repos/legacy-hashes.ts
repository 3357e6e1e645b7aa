// Feedback rows written before keyed hashing (hash_scheme 0: plain SHA-256 prompt and request hashes), re-keyed
// in place by POST /admin/maintenance/rekey-hashes. Each row is updated on its own condition (still scheme 0), so
// the operation is idempotent and safe to run while traffic flows.
import { and, asc, count, eq } from "drizzle-orm";
import type { Db } from "../client.ts";
import { feedback, HASH_SCHEMES } from "../schema.ts";

export interface LegacyRow {
  seq: number;
  tenantId: string;
  promptHash: string;
  requestHash: string;
}

export const legacyHashesRepo = {
  oldest: (db: Db, limit: number): Promise<LegacyRow[]> =>
    db
      .select({ seq: feedback.seq, tenantId: feedback.tenantId, promptHash: feedback.promptHash, requestHash: feedback.requestHash })
      .from(feedback)
      .where(eq(feedback.hashScheme, HASH_SCHEMES.sha256))
      .orderBy(asc(feedback.seq))
      .limit(limit),

  remaining: async (db: Db): Promise<number> =>
    (await db.select({ n: count() }).from(feedback).where(eq(feedback.hashScheme, HASH_SCHEMES.sha256)).get())?.n ?? 0,

  /** Writes the keyed forms of the rows (one batch); rows re-keyed meanwhile are left alone. */
  async rekey(db: Db, rows: { seq: number; promptHash: string; requestHash: string }[]): Promise<void> {
    if (rows.length === 0) return;
    const updates = rows.map((r) =>
      db
        .update(feedback)
        .set({ promptHash: r.promptHash, requestHash: r.requestHash, hashScheme: HASH_SCHEMES.keyed })
        .where(and(eq(feedback.seq, r.seq), eq(feedback.hashScheme, HASH_SCHEMES.sha256))),
    );
    await db.batch(updates as [(typeof updates)[number], ...(typeof updates)[number][]]);
  },
};
