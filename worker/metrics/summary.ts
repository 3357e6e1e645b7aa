// From rollup sums to the metrics a tenant's operator reads: accuracy and mean log-loss of the personalized and of
// the population predictions, and the lift (personalized minus population accuracy, paired per comparison) with a
// 95% normal interval. Comparisons are treated as independent (answers of one user are correlated, so the interval
// is somewhat optimistic for few users; docs/metrics.md).
import type { MetricsSums } from "../db/repos/metrics.ts";

export interface GroupMetrics {
  key: string;
  comparisons: number;
  /** Non-tie comparisons: the accuracies and the lift are over these. */
  decided: number;
  personal: { accuracy: number | null; log_loss: number | null };
  population: { accuracy: number | null; log_loss: number | null };
  lift: { value: number | null; low: number | null; high: number | null; stderr: number | null };
}

const Z95 = 1.96;
const r = (x: number) => Number(x.toFixed(6));

export function summarize(key: string, s: Omit<MetricsSums, "key">): GroupMetrics {
  const n = s.decided;
  const mean = n > 0 ? (s.personalCorrect - s.populationCorrect) / n : null;
  let stderr: number | null = null;
  if (mean !== null && n > 1) stderr = Math.sqrt(Math.max(0, s.liftSquares / n - mean * mean) / (n - 1));
  return {
    key,
    comparisons: s.comparisons,
    decided: n,
    personal: { accuracy: n ? r(s.personalCorrect / n) : null, log_loss: s.comparisons ? r(s.personalLogLoss / s.comparisons) : null },
    population: { accuracy: n ? r(s.populationCorrect / n) : null, log_loss: s.comparisons ? r(s.populationLogLoss / s.comparisons) : null },
    lift: {
      value: mean === null ? null : r(mean),
      low: mean === null || stderr === null ? null : r(mean - Z95 * stderr),
      high: mean === null || stderr === null ? null : r(mean + Z95 * stderr),
      stderr: stderr === null ? null : r(stderr),
    },
  };
}

export function total(rows: MetricsSums[]): Omit<MetricsSums, "key"> {
  const t = { comparisons: 0, decided: 0, personalCorrect: 0, populationCorrect: 0, personalLogLoss: 0, populationLogLoss: 0, liftSquares: 0 };
  for (const row of rows) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += row[k];
  return t;
}
