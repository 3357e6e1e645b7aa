// Step 4: the population prior for new users, N(mu0, Sigma0): mu0 = mean of the training users' weights (so a user
// with no feedback is scored by the average user: the non-personalised model), Sigma0 = their covariance shrunk
// towards a multiple of the identity (few users, and weights that are themselves estimates).
//
// The weights from the joint fit are MAP estimates under N(0, I/reg), shrunk towards 0, so their spread understates
// the population's. The empirical-Bayes refinement fits the prior itself: EM over the training users with their
// Laplace posteriors (computed by the same core that will serve new users),
//   E: posterior_u = Laplace(N(mu0, Sigma0) x user u's comparisons)
//   M: mu0 = mean_u m_u,  Sigma0 = mean_u [(m_u - mu0)(m_u - mu0)^T + H_u^-1]  (+ shrinkage)
// so the prior is the one under which the training users' answers are most probable.
import { covarianceOf, gaussianFromCovariance } from "../../core/gaussian.ts";
import type { Observations, PrefCore } from "../../core/types.ts";

export function populationPrior(lambdas: Float64Array, U: number, J: number, shrinkage: number): { mu0: Float64Array; sigma0: Float64Array } {
  const mu0 = new Float64Array(J);
  for (let u = 0; u < U; u++) for (let j = 0; j < J; j++) mu0[j] += lambdas[u * J + j] / U;
  const S = new Float64Array(J * J);
  for (let u = 0; u < U; u++) {
    for (let i = 0; i < J; i++) {
      const di = lambdas[u * J + i] - mu0[i];
      for (let k = 0; k < J; k++) S[i * J + k] += (di * (lambdas[u * J + k] - mu0[k])) / Math.max(1, U - 1);
    }
  }
  let trace = 0;
  for (let j = 0; j < J; j++) trace += S[j * J + j];
  const target = Math.max(trace / J, 1e-6);
  const sigma0 = S.map((v, at) => (1 - shrinkage) * v + (at % (J + 1) === 0 ? shrinkage * target : 0));
  return { mu0, sigma0 };
}

function shrink(S: Float64Array, J: number, shrinkage: number): Float64Array {
  let trace = 0;
  for (let j = 0; j < J; j++) trace += S[j * J + j];
  const target = Math.max(trace / J, 1e-6);
  return S.map((v, at) => (1 - shrinkage) * v + (at % (J + 1) === 0 ? shrinkage * target : 0));
}

export function empiricalBayesPrior(
  core: PrefCore,
  users: Observations[],
  start: { mu0: Float64Array; sigma0: Float64Array },
  J: number,
  shrinkage: number,
  iterations: number,
): { mu0: Float64Array; sigma0: Float64Array; iterations: number } {
  let { mu0, sigma0 } = start;
  const active = users.filter((o) => o.n > 0);
  let it = 0;
  for (; it < iterations; it++) {
    const prior = gaussianFromCovariance(mu0, sigma0);
    const posts = active.map((o) => core.fitPosterior(prior, o, { init: mu0 }).posterior);
    const mean = new Float64Array(J);
    for (const p of posts) for (let j = 0; j < J; j++) mean[j] += p.mean[j] / posts.length;
    const S = new Float64Array(J * J);
    for (const p of posts) {
      const cov = covarianceOf(p);
      for (let i = 0; i < J; i++) {
        for (let k = 0; k < J; k++) S[i * J + k] += ((p.mean[i] - mean[i]) * (p.mean[k] - mean[k]) + cov[i * J + k]) / posts.length;
      }
    }
    const next = shrink(S, J, shrinkage);
    let change = 0;
    let size = 0;
    for (let a = 0; a < J * J; a++) {
      change += (next[a] - sigma0[a]) ** 2;
      size += next[a] ** 2;
    }
    for (let j = 0; j < J; j++) change += (mean[j] - mu0[j]) ** 2;
    mu0 = mean;
    sigma0 = next;
    if (change < 1e-8 * (size + 1e-12)) {
      it++;
      break;
    }
  }
  return { mu0, sigma0, iterations: it };
}
