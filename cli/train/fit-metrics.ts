// How well a fitted factorisation explains comparisons: on its own training data (a sanity number) and on held-out
// validation prompts (model selection without the evaluation users).
import { bce } from "./logistic.ts";
import type { PairObservations } from "./pairs.ts";

/** Margin lambda_u . W dE_p of observation i. */
function margin(obs: PairObservations, i: number, dE: Float64Array, d: number, W: Float64Array, lambdas: Float64Array, J: number): number {
  const p = obs.pair[i] * d;
  const u = obs.col[i] * J;
  let m = 0;
  for (let j = 0; j < J; j++) {
    let phi = 0;
    for (let k = 0; k < d; k++) phi += W[j * d + k] * dE[p + k];
    m += lambdas[u + j] * phi;
  }
  return m;
}

/** Share of non-tie comparisons whose margin has the label's sign. */
export function fitAccuracy(obs: PairObservations, dE: Float64Array, d: number, W: Float64Array, lambdas: Float64Array, J: number): number {
  let right = 0;
  let total = 0;
  for (let i = 0; i < obs.n; i++) {
    if (obs.label[i] === 0.5) continue;
    total++;
    if ((margin(obs, i, dE, d, W, lambdas, J) > 0) === (obs.label[i] > 0.5)) right++;
  }
  return total ? right / total : NaN;
}

/** Mean Bradley-Terry log-likelihood per comparison of the users' labels under their fitted weights. */
export function meanLogLikelihood(obs: PairObservations, dE: Float64Array, d: number, W: Float64Array, lambdas: Float64Array, J: number): number {
  let total = 0;
  for (let i = 0; i < obs.n; i++) total -= bce(margin(obs, i, dE, d, W, lambdas, J), obs.label[i]);
  return obs.n ? total / obs.n : NaN;
}
