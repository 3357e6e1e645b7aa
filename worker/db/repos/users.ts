// A user's stored posterior, written with optimistic concurrency, and everything else stored about a user.
import { and, asc, eq, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "../client.ts";
import { bind, compiled } from "../compiled.ts";
import { feedback, users } from "../schema.ts";

export interface PosteriorState {
  basisId: string;
  J: number;
  mean: Float64Array;
  precisionChol: Float64Array;
  observations: Float64Array;
  feedbackCount: number;
}

const p = sql.placeholder;

export type NewFeedback = typeof feedback.$inferInsert;

/**
 * The guarded write of a user's posterior: one upsert that fails with a NOT NULL violation on users.version
 * unless the stored version is still the one we read (`expected`; 0 = "there was no row"). The failure aborts the
 * whole D1 batch (a transaction), so a lost race stores nothing at all; the caller re-reads and retries.
 *   - expected = 0, no row:          inserts version 1.
 *   - expected = 0, row created meanwhile:  conflict -> DO UPDATE sets version NULL -> abort.
 *   - expected = v, row still at v:  conflict -> DO UPDATE sets version v + 1.
 *   - expected = v, row moved on:    conflict -> DO UPDATE sets version NULL -> abort.
 *   - expected = v, row deleted meanwhile: the inserted row's version is NULL -> abort.
 * (SQLite checks NOT NULL on the inserted row before looking for a conflict, hence the subquery: the inserted
 * row's placeholder version is 0 when the row exists, so the conflict path decides.)
 */
export function guardedUserWrite(db: Db, expectExisting: boolean) {
  const values = {
    basisId: p("basisId"),
    J: p("J"),
    mean: p("mean"),
    precisionChol: p("precisionChol"),
    observations: p("observations"),
    feedbackCount: p("feedbackCount"),
    updatedAt: p("now"),
  };
  // On conflict, the new state comes from the row we tried to insert.
  const excluded = (c: SQLiteColumn) => sql.raw(`excluded.${JSON.stringify(c.name)}`);
  const updated = {
    basisId: excluded(users.basisId),
    J: excluded(users.J),
    mean: excluded(users.mean),
    precisionChol: excluded(users.precisionChol),
    observations: excluded(users.observations),
    feedbackCount: excluded(users.feedbackCount),
    updatedAt: excluded(users.updatedAt),
  };
  return db
    .insert(users)
    .values({
      tenantId: p("tenantId"),
      userId: p("userId"),
      ...values,
      version: expectExisting
        ? sql`(select case when count(*) = 1 then 0 else null end from ${users} where ${users.tenantId} = ${p("tenantId")} and ${users.userId} = ${p("userId")})`
        : sql`1`,
      createdAt: p("now"),
    })
    .onConflictDoUpdate({
      target: [users.tenantId, users.userId],
      set: { ...updated, version: sql`case when ${users.version} = ${p("expected")} then ${p("next")} else null end` },
    });
}

const feedbackRow = Object.fromEntries(
  (["id", "tenantId", "userId", "promptHash", "chosen", "rejected", "chosenHash", "rejectedHash", "embedderId", "label", "eventId", "idempotencyKey", "requestHash", "basisId", "createdAt"] as const).map(
    (k) => [k, p(`f_${k}`)],
  ),
) as unknown as NewFeedback;

/** True for the constraint failures that mean "someone else wrote first": re-read and retry. */
export function isLostRace(err: unknown): boolean {
  const msg = String((err as Error)?.message ?? err);
  return /NOT NULL constraint failed: users\.version/i.test(msg) || /UNIQUE constraint failed/i.test(msg);
}

export const usersRepo = {
  /**
   * Posterior (+ optional log row) in one transaction; false when the version check lost.
   * The statements are compiled once per isolate (db/compiled.ts); a request only binds values.
   */
  async write(
    db: Db,
    tenantId: string,
    userId: string,
    expected: number,
    state: PosteriorState,
    now: number,
    log?: NewFeedback,
  ): Promise<boolean> {
    const common = { tenantId, userId, now };
    const statements = [
      bind(compiled(db, `users:write:${expected > 0}`, () => guardedUserWrite(db, expected > 0)), {
        ...common,
        ...state,
        expected,
        next: expected + 1,
      }),
    ];
    if (log) {
      const insert = compiled(db, "feedback:one", () => db.insert(feedback).values(feedbackRow));
      statements.push(bind(insert, Object.fromEntries(Object.entries(log).map(([k, v]) => [`f_${k}`, v ?? null]))));
    }
    try {
      await db.$client.batch(statements);
      return true;
    } catch (err) {
      if (isLostRace(err)) return false;
      throw err;
    }
  },

  /** The user's comparison log, oldest first (a query, to run alone or in a batch). */
  logQuery: (db: Db, tenantId: string, userId: string) =>
    db
      .select()
      .from(feedback)
      .where(and(eq(feedback.tenantId, tenantId), eq(feedback.userId, userId)))
      .orderBy(asc(feedback.seq)),

  /** (chosen, rejected) content hashes this user already answered for a prompt. */
  answeredPairs: async (db: Db, tenantId: string, userId: string, promptHash: string) =>
    db
      .select({ chosen: feedback.chosenHash, rejected: feedback.rejectedHash })
      .from(feedback)
      .where(and(eq(feedback.tenantId, tenantId), eq(feedback.userId, userId), eq(feedback.promptHash, promptHash))),

  /** Deletes everything stored about the user; false if there was nothing. */
  async delete(db: Db, tenantId: string, userId: string): Promise<boolean> {
    const [f, u] = await db.batch([
      db.delete(feedback).where(and(eq(feedback.tenantId, tenantId), eq(feedback.userId, userId))),
      db.delete(users).where(and(eq(users.tenantId, tenantId), eq(users.userId, userId))),
    ]);
    return f.meta.changes + u.meta.changes > 0;
  },
};
