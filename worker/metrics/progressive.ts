// Progressive validation: every comparison is an out-of-sample test of the model as it was just before it
// (Blum, Kalai, Langford 1999; what Vowpal Wabbit reports). Before a comparison updates anything, the user's
// posterior and the basis's prior (what a user with no answers gets) each predict it; the likelihood of the answer
// given, and whether the favoured side was chosen, go into the log row and into the tenant's daily rollup.
import { predictive } from "../../core/gaussian.ts";
import type { Gaussian } from "../../core/types.ts";

/** Feedback-count buckets of the metrics: the user's number of earlier comparisons. */
export const BUCKETS = ["0", "1-4", "5-9", "10-19", "20+"] as const;

export function bucketOf(feedbackCount: number): number {
  return feedbackCount === 0 ? 0 : feedbackCount < 5 ? 1 : feedbackCount < 10 ? 2 : feedbackCount < 20 ? 3 : 4;
}

/**
 * Likelihood of the answer under a predicted probability p that the chosen response wins: p for a preference; for a
 * tie (the soft label 1/2 of the model) p^(1/2) (1 - p)^(1/2), the tie label's likelihood as training and the
 * posterior define it.
 */
export function likelihoodOf(p: number, label: number): number {
  return label === 1 ? p : Math.sqrt(p * (1 - p));
}

/** Whether the prediction favoured the answer given: 1, 0, or 1/2 for no preference; null for a tie (not scored). */
export function correctnessOf(p: number, label: number): number | null {
  if (label !== 1) return null;
  return p > 0.5 ? 1 : p < 0.5 ? 0 : 0.5;
}

export interface Prediction {
  /** Likelihood of the answer under the user's posterior before it, and under the basis's prior. */
  personal: number;
  population: number;
}

/** Both predictions of a comparison z = phi(chosen) - phi(rejected) with label 1 (preference) or 1/2 (tie). */
export function predictComparison(before: Gaussian, prior: Gaussian, z: Float64Array, label: number): Prediction {
  return { personal: likelihoodOf(predictive(before, z).probability, label), population: likelihoodOf(predictive(prior, z).probability, label) };
}

/** The rollup increments of one recorded comparison. */
export interface MetricsIncrement {
  bucket: number;
  decided: number;
  personalCorrect: number;
  populationCorrect: number;
  personalLogLoss: number;
  populationLogLoss: number;
  liftSquares: number;
}

const FLOOR = 1e-15;

export function metricsIncrement(prediction: Prediction, label: number, feedbackCountBefore: number): MetricsIncrement {
  const personalP = label === 1 ? prediction.personal : NaN;
  const populationP = label === 1 ? prediction.population : NaN;
  const cp = correctnessOf(personalP, label);
  const cq = correctnessOf(populationP, label);
  const lift = cp === null || cq === null ? 0 : cp - cq;
  return {
    bucket: bucketOf(feedbackCountBefore),
    decided: label === 1 ? 1 : 0,
    personalCorrect: cp ?? 0,
    populationCorrect: cq ?? 0,
    personalLogLoss: -Math.log(Math.max(FLOOR, prediction.personal)),
    populationLogLoss: -Math.log(Math.max(FLOOR, prediction.population)),
    liftSquares: lift * lift,
  };
}
