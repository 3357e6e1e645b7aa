// How well a fitted factorisation explains comparisons: on its own training data (a sanity number) and on held-out
// validation prompts (model selection without the evaluation users). Z (P x J) is the pairs projected on the basis.
import { bce } from "./logistic.ts";
import type { PairObservations } from "./pairs.ts";

/** Margin lambda_u . Z_p of every observation. */
export function observationMargins(obs: PairObservations, Z: Float64Array, lambdas: Float64Array, J: number): Float64Array {
  const m = new Float64Array(obs.n);
  for (let i = 0; i < obs.n; i++) {
    const p = obs.pair[i] * J;
    const u = obs.col[i] * J;
    let s = 0;
    for (let j = 0; j < J; j++) s += lambdas[u + j] * Z[p + j];
    m[i] = s;
  }
  return m;
}

/** Share of non-tie comparisons whose margin has the label's sign. */
export function fitAccuracy(obs: PairObservations, margins: Float64Array): number {
  let right = 0;
  let total = 0;
  for (let i = 0; i < obs.n; i++) {
    if (obs.label[i] === 0.5) continue;
    total++;
    if ((margins[i] > 0) === (obs.label[i] > 0.5)) right++;
  }
  return total ? right / total : NaN;
}

/** Mean Bradley-Terry log-likelihood per comparison of the labels under the margins. */
export function meanLogLikelihood(obs: PairObservations, margins: Float64Array): number {
  let total = 0;
  for (let i = 0; i < obs.n; i++) total -= bce(margins[i], obs.label[i]);
  return obs.n ? total / obs.n : NaN;
}
