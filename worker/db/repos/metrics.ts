// The progressive-validation rollup (one upsert per recorded comparison, in its batch) and its aggregation, which
// reads a few rows per day and bucket whatever the size of the log; and the per-day request counters.
import { and, between, eq, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { feedbackMetrics, usageDaily } from "../schema.ts";
import type { MetricsIncrement } from "../../metrics/progressive.ts";

export interface MetricsSums {
  key: number;
  comparisons: number;
  decided: number;
  personalCorrect: number;
  populationCorrect: number;
  personalLogLoss: number;
  populationLogLoss: number;
  liftSquares: number;
}

export const metricsRepo = {
  /** The rollup upsert of one comparison (to batch with its log insert). */
  add: (db: Db, tenantId: string, day: number, basisId: string, inc: MetricsIncrement) =>
    db
      .insert(feedbackMetrics)
      .values({ tenantId, day, basisId, comparisons: 1, ...inc })
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
      }),

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
