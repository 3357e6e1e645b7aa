// Step 4: the population prior for new users, N(mu0, Sigma0).
//
// With a population reward the mean is fixed: mu0 = [1, 0, ..., 0] (the population row at weight 1, no deviation),
// so a user with no answers is scored by exactly the pooled model. Sigma0 must describe the true spread of users
// around it. The spread of the fitted weights overstates it (each fit carries its own estimation noise, which with
// noisy labels can be all there is) and the joint fit's shrinkage understates it, so the prior is fitted itself by
// empirical Bayes: EM over the training users with their Laplace posteriors (the same core that serves new users),
//   E: posterior_u = Laplace(N(mu0, Sigma0) x user u's comparisons)
//   M: Sigma0 = mean_u [(m_u - mu0)(m_u - mu0)^T + H_u^-1]    (and mu0 = mean_u m_u when the mean is not fixed)
// i.e. the prior under which the training users' answers are most probable. A little shrinkage towards a multiple
// of the identity (over the deviation block only: the population weight has its own scale) keeps it well
// conditioned with few users.
import { covarianceOf, gaussianFromCovariance } from "../../core/gaussian.ts";
import type { Observations, PrefCore } from "../../core/types.ts";

export interface PriorEstimate {
  mu0: Float64Array;
  sigma0: Float64Array;
  iterations: number;
}

/** Mean and covariance of the fitted weights (U x J), the covariance shrunk towards a multiple of I from `from` on. */
export function populationPrior(lambdas: Float64Array, U: number, J: number, shrinkage: number, from = 0): { mu0: Float64Array; sigma0: Float64Array } {
  const mu0 = new Float64Array(J);
  for (let u = 0; u < U; u++) for (let j = 0; j < J; j++) mu0[j] += lambdas[u * J + j] / U;
  const S = new Float64Array(J * J);
  for (let u = 0; u < U; u++) {
    for (let i = 0; i < J; i++) {
      const di = lambdas[u * J + i] - mu0[i];
      for (let k = 0; k < J; k++) S[i * J + k] += (di * (lambdas[u * J + k] - mu0[k])) / Math.max(1, U - 1);
    }
  }
  return { mu0, sigma0: shrink(S, J, shrinkage, from) };
}

/** (1 - s) S + s (trace/n) I over the block [from, J) x [from, J); the rest of S is kept (cross terms scaled too). */
export function shrink(S: Float64Array, J: number, shrinkage: number, from = 0): Float64Array {
  let trace = 0;
  for (let j = from; j < J; j++) trace += S[j * J + j];
  const target = Math.max(trace / Math.max(1, J - from), 1e-6);
  return S.map((v, at) => {
    const i = Math.floor(at / J);
    const k = at % J;
    if (i < from && k < from) return v;
    return (1 - shrinkage) * v + (i === k ? shrinkage * target : 0);
  });
}

export interface EmpiricalBayesOptions {
  shrinkage: number;
  iterations: number;
  /** Keep mu0 as given (the population-plus-deviation prior) instead of re-estimating it. */
  fixedMean: boolean;
  /** First index of the block that is shrunk (1 with a population row, 0 without). */
  shrinkFrom: number;
  /** Floor on each prior variance, so no direction is frozen by round-off. */
  minVariance?: number;
  onIteration?: () => void;
}

export function empiricalBayesPrior(core: PrefCore, users: Observations[], start: { mu0: Float64Array; sigma0: Float64Array }, J: number, o: EmpiricalBayesOptions): PriorEstimate {
  let { mu0, sigma0 } = start;
  const active = users.filter((u) => u.n > 0);
  const floor = o.minVariance ?? 1e-6;
  let it = 0;
  for (; it < o.iterations; it++) {
    const prior = gaussianFromCovariance(mu0, sigma0);
    const posts = active.map((u) => core.fitPosterior(prior, u, { init: mu0 }).posterior);
    const mean = new Float64Array(J);
    if (o.fixedMean) mean.set(mu0);
    else for (const p of posts) for (let j = 0; j < J; j++) mean[j] += p.mean[j] / posts.length;
    const S = new Float64Array(J * J);
    for (const p of posts) {
      const cov = covarianceOf(p);
      for (let i = 0; i < J; i++) {
        for (let k = 0; k < J; k++) S[i * J + k] += ((p.mean[i] - mean[i]) * (p.mean[k] - mean[k]) + cov[i * J + k]) / posts.length;
      }
    }
    const next = shrink(S, J, o.shrinkage, o.shrinkFrom);
    for (let j = 0; j < J; j++) next[j * J + j] = Math.max(next[j * J + j], floor);
    let change = 0;
    let size = 0;
    for (let a = 0; a < J * J; a++) {
      change += (next[a] - sigma0[a]) ** 2;
      size += next[a] ** 2;
    }
    for (let j = 0; j < J; j++) change += (mean[j] - mu0[j]) ** 2;
    mu0 = mean;
    sigma0 = next;
    o.onIteration?.();
    if (change < 1e-8 * (size + 1e-12)) { // relative change below 1e-4
      it++;
      break;
    }
  }
  return { mu0, sigma0, iterations: it };
}
