// A user's stored posterior, written with optimistic concurrency, and everything else stored about a user.
import { and, asc, eq, or, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "../client.ts";
import { bind, compiled } from "../compiled.ts";
import type { PosteriorState, TenantInfo } from "../../domain.ts";
import type { MetricsIncrement } from "../../metrics/progressive.ts";
import { apiKeys, feedback, HASH_SCHEMES, tenants, users } from "../schema.ts";
import { effectiveBasisId, logHeadOf } from "../shared-sql.ts";
import { metricsUpsert, metricsValues } from "./metrics.ts";

const p = sql.placeholder;

export type NewFeedback = typeof feedback.$inferInsert;

/**
 * The stored row a write replaces. The version alone does not name a row: a user deleted and written again
 * starts over at version 1. The seq of the user's newest log row does (feedback.seq is AUTOINCREMENT, never
 * reused), so a write checks both.
 */
export interface ExpectedRow {
  /** 0 = there was no row. */
  version: number;
  /** feedback.seq of the user's newest comparison; null = none. */
  logHead: number | null;
}

/**
 * What a write was decided under when it skipped the read (POST /v1/feedback from the isolate's last write):
 * the write then also checks that the key is live and still resolves to this tenant, embedder and basis.
 */
export interface SessionCheck {
  keyHash: string;
  tenant: TenantInfo;
}

/** True while the key is live and resolves to the tenant, embedder and effective basis the write was decided under. */
const sessionUnchanged = sql`exists (select 1 from ${apiKeys} inner join ${tenants} on ${tenants.id} = ${apiKeys.tenantId}
  where ${apiKeys.keyHash} = ${p("keyHash")} and ${apiKeys.revokedAt} is null and ${tenants.id} = ${p("tenantId")}
  and ${tenants.embedderKind} = ${p("embedderKind")} and ${tenants.embedderId} = ${p("embedderId")} and ${tenants.embedderModel} is ${p("embedderModel")}
  and ${tenants.userStore} is ${p("userStore")} and ${effectiveBasisId} = ${p("basisId")})`;

/**
 * The guarded write of a user's posterior: one upsert that fails with a NOT NULL violation on users.version
 * unless the stored row is still the one we read (`expected`: its version, 0 = "there was no row", and the user's
 * newest log seq). The failure aborts the whole D1 batch (a transaction), so a lost race stores nothing at all;
 * the caller re-reads and retries.
 *   - expected = 0, no row:          inserts version 1.
 *   - expected = 0, row created meanwhile:  conflict -> DO UPDATE sets version NULL -> abort.
 *   - expected = v, row still at v with the same log head:  conflict -> DO UPDATE sets version v + 1.
 *   - expected = v, row moved on, or deleted and written again:  conflict -> DO UPDATE sets version NULL -> abort.
 *   - expected = v, row deleted meanwhile: the inserted row's version is NULL -> abort.
 * (SQLite checks NOT NULL on the inserted row before looking for a conflict, hence the subquery: the inserted
 * row's placeholder version is 0 when the row exists, so the conflict path decides.)
 * With `checkSession` the update also requires sessionUnchanged (see SessionCheck).
 */
export function guardedUserWrite(db: Db, expectExisting: boolean, checkSession: boolean, checkStore = false) {
  const values = {
    basisId: p("basisId"),
    J: p("J"),
    mean: p("mean"),
    precisionChol: p("precisionChol"),
    observations: p("observations"),
    feedbackCount: p("feedbackCount"),
    updatedAt: p("now"),
  };
  const sameRow = sql`${users.version} = ${p("expected")} and ${logHeadOf(p("tenantId"), p("userId"))} is ${p("logHead")}`;
  // With `checkStore`: the tenant still keeps its users in D1 (a write read before a move's switch and arriving after
  // it must not land here: services/move-tenant.ts).
  const storeUnchanged = sql`(select ${tenants.userStore} from ${tenants} where ${tenants.id} = ${p("tenantId")}) is ${p("userStore")}`;
  const guarded = checkSession ? sql`${sameRow} and ${sessionUnchanged}` : sameRow;
  const allowed = checkStore ? sql`${guarded} and ${storeUnchanged}` : guarded;
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
        : checkStore
          ? sql`case when ${storeUnchanged} then 1 else null end`
          : sql`1`,
      createdAt: p("now"),
    })
    .onConflictDoUpdate({
      target: [users.tenantId, users.userId],
      set: { ...updated, version: sql`case when ${allowed} then ${p("next")} else null end` },
    });
}

const feedbackRow = Object.fromEntries(
  (["id", "tenantId", "userId", "promptHash", "chosen", "rejected", "chosenHash", "rejectedHash", "embedderId", "label", "eventId", "idempotencyKey", "requestHash", "hashScheme", "basisId", "createdAt", "pPersonal", "pPopulation", "feedbackCountBefore"] as const).map(
    (k) => [k, p(`f_${k}`)],
  ),
) as unknown as NewFeedback;

/** True for the constraint failures that mean "someone else wrote first": re-read and retry. */
export function isLostRace(err: unknown): boolean {
  const msg = String((err as Error)?.message ?? err);
  return /NOT NULL constraint failed: users\.version/i.test(msg) || /UNIQUE constraint failed/i.test(msg);
}

export interface Written {
  /** The stored row's new version. */
  version: number;
  /** The user's newest log seq now (the inserted comparison's, else unchanged). */
  logHead: number | null;
}

export const usersRepo = {
  /**
   * Posterior (+ optional log row) in one transaction; null when the guard lost (see guardedUserWrite).
   * The statements are compiled once per isolate (db/compiled.ts); a request only binds values.
   */
  async write(
    db: Db,
    tenantId: string,
    userId: string,
    expected: ExpectedRow,
    state: PosteriorState,
    now: number,
    log?: NewFeedback,
    session?: SessionCheck,
    /** The log row's progressive-validation increments, added to the tenant's rollup in the same transaction. */
    metrics?: { day: number; increment: MetricsIncrement },
    /** The tenant's user_store as the write was decided under (undefined: not checked): a moved tenant's write loses. */
    userStore?: string | null,
  ): Promise<Written | null> {
    const existing = expected.version > 0;
    const checkStore = userStore !== undefined;
    const guard = compiled(db, `users:write:${existing}:${!!session}:${checkStore}`, () => guardedUserWrite(db, existing, !!session, checkStore));
    const statements = [
      bind(guard, {
        tenantId,
        userId,
        now,
        ...state,
        expected: expected.version,
        logHead: expected.logHead,
        next: expected.version + 1,
        ...(checkStore ? { userStore } : {}),
        ...(session
          ? { keyHash: session.keyHash, embedderKind: session.tenant.embedderKind, embedderId: session.tenant.embedderId, embedderModel: session.tenant.embedderModel, userStore: session.tenant.userStore }
          : {}),
      }),
    ];
    if (log) {
      const insert = compiled(db, "feedback:one", () => db.insert(feedback).values(feedbackRow));
      statements.push(bind(insert, Object.fromEntries(Object.entries(log).map(([k, v]) => [`f_${k}`, v ?? null]))));
      if (metrics) statements.push(bind(compiled(db, "feedback:metrics", () => metricsUpsert(db)), metricsValues(tenantId, metrics.day, log.basisId, metrics.increment)));
    }
    try {
      const results = await db.$client.batch(statements);
      return { version: expected.version + 1, logHead: log ? Number(results[1].meta.last_row_id) : expected.logHead };
    } catch (err) {
      if (isLostRace(err)) return null;
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

  /** (chosen, rejected) content hashes this user already answered for a prompt (its hash in either scheme). */
  answeredPairs: async (db: Db, tenantId: string, userId: string, prompt: { keyed: string; sha256: string }) =>
    db
      .select({ chosen: feedback.chosenHash, rejected: feedback.rejectedHash })
      .from(feedback)
      .where(
        and(
          eq(feedback.tenantId, tenantId),
          eq(feedback.userId, userId),
          or(
            and(eq(feedback.hashScheme, HASH_SCHEMES.keyed), eq(feedback.promptHash, prompt.keyed)),
            and(eq(feedback.hashScheme, HASH_SCHEMES.sha256), eq(feedback.promptHash, prompt.sha256)),
          ),
        ),
      ),

  /** Deletes everything stored about the user; false if there was nothing. */
  async delete(db: Db, tenantId: string, userId: string): Promise<boolean> {
    const [f, u] = await db.batch([
      db.delete(feedback).where(and(eq(feedback.tenantId, tenantId), eq(feedback.userId, userId))),
      db.delete(users).where(and(eq(users.tenantId, tenantId), eq(users.userId, userId))),
    ]);
    return f.meta.changes + u.meta.changes > 0;
  },
};
