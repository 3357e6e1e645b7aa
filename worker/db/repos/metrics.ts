// The progressive-validation rollup (one upsert per recorded comparison, in its batch) and its aggregation, which
// reads a few rows per day and bucket whatever the size of the log; and the per-day request counters.
import { and, between, eq, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { feedbackMetrics, usageDaily } from "../schema.ts";
import type { MetricsIncrement } from "../../metrics/progressive.ts";

/** The rollup's sums over a group (a day or a feedback-count bucket): the increments summed, and their count. */
export interface MetricsSums extends Omit<MetricsIncrement, "bucket"> {
  key: number;
  comparisons: number;
}

/** The rollup upsert of one comparison, its values as placeholders m_<field> (compiled once: db/compiled.ts). */
export function metricsUpsert(db: Db) {
  const p = (name: string) => sql.placeholder(`m_${name}`);
  const fields = ["bucket", "decided", "personalCorrect", "populationCorrect", "personalLogLoss", "populationLogLoss", "liftSquares"] as const;
  return db
    .insert(feedbackMetrics)
    .values({ tenantId: p("tenantId"), day: p("day"), basisId: p("basisId"), comparisons: 1, ...Object.fromEntries(fields.map((f) => [f, p(f)])) } as never)
      .onConflictDoUpdate({
        target: [feedbackMetrics.tenantId, feedbackMetrics.day, feedbackMetrics.bucket, feedbackMetrics.basisId],
        set: {
          comparisons: sql`${feedbackMetrics.comparisons} + 1`,
          decided: sql`${feedbackMetrics.decided} + excluded.decided`,
          personalCorrect: sql`${feedbackMetrics.personalCorrect} + excluded.personal_correct`,
          populationCorrect: sql`${feedbackMetrics.populationCorrect} + excluded.population_correct`,
          personalLogLoss: sql`${feedbackMetrics.personalLogLoss} + excluded.personal_log_loss`,
          populationLogLoss: sql`${feedbackMetrics.populationLogLoss} + excluded.population_log_loss`,
          liftSquares: sql`${feedbackMetrics.liftSquares} + excluded.lift_squares`,
        },
      });
}

/** The placeholder values of metricsUpsert for one comparison. */
export const metricsValues = (tenantId: string, day: number, basisId: string, inc: MetricsIncrement) =>
  Object.fromEntries(Object.entries({ tenantId, day, basisId, ...inc }).map(([k, v]) => [`m_${k}`, v]));

export const metricsRepo = {

  /** Sums per day or per feedback-count bucket over [fromDay, toDay], optionally for one basis. */
  sums: async (db: Db, tenantId: string, fromDay: number, toDay: number, group: "day" | "count", basisId?: string): Promise<MetricsSums[]> => {
    const key = group === "day" ? feedbackMetrics.day : feedbackMetrics.bucket;
    const where = and(eq(feedbackMetrics.tenantId, tenantId), between(feedbackMetrics.day, fromDay, toDay), basisId ? eq(feedbackMetrics.basisId, basisId) : undefined);
    return db
      .select({
        key,
        comparisons: sql<number>`sum(${feedbackMetrics.comparisons})`,
        decided: sql<number>`sum(${feedbackMetrics.decided})`,
        personalCorrect: sql<number>`sum(${feedbackMetrics.personalCorrect})`,
        populationCorrect: sql<number>`sum(${feedbackMetrics.populationCorrect})`,
        personalLogLoss: sql<number>`sum(${feedbackMetrics.personalLogLoss})`,
        populationLogLoss: sql<number>`sum(${feedbackMetrics.populationLogLoss})`,
        liftSquares: sql<number>`sum(${feedbackMetrics.liftSquares})`,
      })
      .from(feedbackMetrics)
      .where(where)
      .groupBy(key)
      .orderBy(key)
      .all();
  },

  /** Request counters per kind over [fromDay, toDay]. */
  usage: async (db: Db, tenantId: string, fromDay: number, toDay: number): Promise<Record<string, number>> => {
    const rows = await db
      .select({ kind: usageDaily.kind, n: sql<number>`sum(${usageDaily.count})` })
      .from(usageDaily)
      .where(and(eq(usageDaily.tenantId, tenantId), between(usageDaily.day, fromDay, toDay)))
      .groupBy(usageDaily.kind)
      .all();
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  },

  /** Adds `n` to a request counter. */
  count: (db: Db, tenantId: string, day: number, kind: string, n: number) =>
    db
      .insert(usageDaily)
      .values({ tenantId, day, kind, count: n })
      .onConflictDoUpdate({ target: [usageDaily.tenantId, usageDaily.day, usageDaily.kind], set: { count: sql`${usageDaily.count} + excluded.count` } }),
};
