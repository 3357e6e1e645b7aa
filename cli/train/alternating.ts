// Step 3: the basis W by maximum marginal likelihood, with every user's weights a random effect lambda_u ~ N(0, I)
// integrated out by Laplace's approximation (a Laplace-EM; the paper fitted W and every lambda_u jointly by MAP).
// Joint MAP shrinks every lambda_u towards 0, and W with it: with the 10-40 answers per user of real logs the fit
// collapses to nothing at one regularisation and memorises every user at a weaker one. EM keeps each user's
// uncertainty instead of their point estimate, so it does neither. Each round:
//   E  every user's Laplace posterior N(m_u, S_u) given W (the WASM core's Newton solver: the code that serves users);
//   PX re-whitening: with Sigma = mean_u (m_u m_u^T + S_u) = L L^T, W <- L^T W and the posteriors with it, so the
//      prior stays N(0, I) and W carries the users' spread (parameter expansion: it speeds EM up a lot);
//   M  one truncated-Newton step (CG on Hessian-vector products through the implicit pair design) on W's free rows for
//        sum_i [ -log BT(l_i | o_i + m_u . W x_i) + 1/2 s'_i (W x_i)^T S_u (W x_i) ] + reg/2 ||W_free||^2,
//      the expected log-likelihood under each posterior to second order (s'_i: the logistic slope at the margin).
// With a population reward, row 0 of W is the pooled model w_pop and stays fixed, and every user's weight on it is
// pinned at 1 by a tight prior: the deviations are fitted with the population reward as an offset in every logit.
import { covarianceOf } from "../../core/gaussian.ts";
import type { Gaussian, Observations, PrefCore } from "../../core/types.ts";
import { conjugateGradient } from "../linalg/cg.ts";
import { choleskyFactor } from "../linalg/dense.ts";
import { backprojectPairs, type PairDesign, projectPairs } from "./design.ts";
import { bce, sigmoid, sigmoidSlope } from "./logistic.ts";
import type { PairObservations } from "./pairs.ts";

export interface AlternatingOptions {
  /** L2 regularisation of W's free rows. */
  reg: number;
  iterations: number;
  /** Stop when the objective improves by less than this fraction. */
  tolerance: number;
  cgIterations: number;
  onIteration?: (iteration: number, objective: number) => void;
}

export interface Factorization {
  J: number;
  d: number;
  /** J x d: the served rows (row 0 is the fixed population row when `fixedRows` is 1). */
  W: Float64Array;
  /** U x J: each user's posterior mean (1 on the pinned population weight). */
  lambdas: Float64Array;
  objectives: number[];
  iterations: number;
}

/** Fewest EM rounds before the stopping rule may end the fit. */
const MIN_ROUNDS = 4;

/** Precision that pins a user's weight on the population row at 1 (the offset), against O(1) for the others. */
export const PINNED_PRECISION = 1e8;

interface Problem {
  obs: PairObservations;
  design: PairDesign;
  J: number;
  fixedRows: number;
  byUser: Int32Array[];
}

/** Each user's posterior: mean (J) and the covariance of the free weights (F x F). */
interface Posteriors {
  mean: Float64Array; // U x J
  cov: Float64Array; // U x F x F
  active: Uint8Array; // users with comparisons
}

export function groupByUser(obs: PairObservations): Int32Array[] {
  const counts = new Int32Array(obs.U);
  for (let i = 0; i < obs.n; i++) counts[obs.col[i]]++;
  const groups = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(obs.U);
  for (let i = 0; i < obs.n; i++) groups[obs.col[i]][fill[obs.col[i]]++] = i;
  return groups;
}

/**
 * Each user's comparisons in base-reward space: z = W (e_lo - e_hi) per comparison (Z: P x J, the pairs projected),
 * label of lo over hi. Users are the observations' columns.
 */
export function userObservations(obs: PairObservations, Z: Float64Array, J: number, byUser = groupByUser(obs)): Observations[] {
  return byUser.map((rows) => {
    const z = new Float64Array(rows.length * J);
    const label = new Float64Array(rows.length);
    rows.forEach((i, k) => {
      z.set(Z.subarray(obs.pair[i] * J, obs.pair[i] * J + J), k * J);
      label[k] = obs.label[i];
    });
    return { n: rows.length, z, label, weight: new Float64Array(rows.length).fill(1) };
  });
}

/** The users' prior during the fit: N(0, I) on the free weights, the population weight pinned at 1. */
export function fitPrior(J: number, fixedRows: number): Gaussian {
  const mean = new Float64Array(J);
  const chol = new Float64Array(J * J);
  for (let j = 0; j < J; j++) {
    const pinned = j < fixedRows;
    mean[j] = pinned ? 1 : 0;
    chol[j * J + j] = pinned ? Math.sqrt(PINNED_PRECISION) : 1;
  }
  return { J, mean, precisionChol: chol };
}

function eStep(pb: Problem, core: PrefCore, W: Float64Array, warm: Float64Array | null): Posteriors {
  const { J, fixedRows, obs } = pb;
  const F = J - fixedRows;
  const prior = fitPrior(J, fixedRows);
  const out: Posteriors = { mean: new Float64Array(obs.U * J), cov: new Float64Array(obs.U * F * F), active: new Uint8Array(obs.U) };
  const Z = projectPairs(pb.design, W, J);
  userObservations(obs, Z, J, pb.byUser).forEach((o, u) => {
    if (o.n === 0) {
      out.mean.set(prior.mean, u * J);
      return;
    }
    const post = core.fitPosterior(prior, o, { init: warm ? warm.slice(u * J, u * J + J) : prior.mean, maxIterations: 50 }).posterior;
    out.mean.set(post.mean, u * J);
    const cov = covarianceOf(post);
    for (let a = 0; a < F; a++) for (let b = 0; b < F; b++) out.cov[u * F * F + a * F + b] = cov[(a + fixedRows) * J + b + fixedRows];
    out.active[u] = 1;
  });
  return out;
}

/** Re-whitens so the users' second moment of the free weights is I: W_free <- L^T W_free, posteriors <- L^-1 (.). */
function rewhiten(pb: Problem, W: Float64Array, post: Posteriors): void {
  const { J, fixedRows, obs } = pb;
  const F = J - fixedRows;
  const d = pb.design.d;
  const S = new Float64Array(F * F);
  let n = 0;
  for (let u = 0; u < obs.U; u++) {
    if (!post.active[u]) continue;
    n++;
    for (let a = 0; a < F; a++) {
      const ma = post.mean[u * J + fixedRows + a];
      for (let b = 0; b < F; b++) S[a * F + b] += ma * post.mean[u * J + fixedRows + b] + post.cov[u * F * F + a * F + b];
    }
  }
  if (n === 0) return;
  for (let i = 0; i < F * F; i++) S[i] /= n;
  const L = choleskyFactor(S, F);
  // W_free rows: new row j = sum_k L[k][j] W_k.
  const Wf = W.slice(fixedRows * d);
  for (let j = 0; j < F; j++) {
    const row = (fixedRows + j) * d;
    W.fill(0, row, row + d);
    for (let k = j; k < F; k++) {
      const c = L[k * F + j];
      if (c === 0) continue;
      for (let t = 0; t < d; t++) W[row + t] += c * Wf[k * d + t];
    }
  }
  // m <- L^-1 m, S <- L^-1 S L^-T (forward substitutions).
  const solve = (v: Float64Array, off: number, stride: number) => {
    for (let a = 0; a < F; a++) {
      let s = v[off + a * stride];
      for (let b = 0; b < a; b++) s -= L[a * F + b] * v[off + b * stride];
      v[off + a * stride] = s / L[a * F + a];
    }
  };
  for (let u = 0; u < obs.U; u++) {
    if (!post.active[u]) continue;
    solve(post.mean, u * J + fixedRows, 1);
    const c = u * F * F;
    for (let col = 0; col < F; col++) solve(post.cov, c + col, F); // columns: L^-1 S
    for (let row = 0; row < F; row++) solve(post.cov, c + row * F, 1); // rows: (L^-1 S) L^-T
  }
}

/** Margins and slopes at the posterior means. */
function margins(pb: Problem, Z: Float64Array, post: Posteriors): Float64Array {
  const { obs, J } = pb;
  const m = new Float64Array(obs.n);
  for (let i = 0; i < obs.n; i++) {
    const z = obs.pair[i] * J;
    const l = obs.col[i] * J;
    let s = 0;
    for (let j = 0; j < J; j++) s += Z[z + j] * post.mean[l + j];
    m[i] = s;
  }
  return m;
}

/** z_free^T S_u z_free for observation i (Z: P x J rows). */
function quad(pb: Problem, Z: Float64Array, post: Posteriors, i: number): number {
  const { J, fixedRows, obs } = pb;
  const F = J - fixedRows;
  const z = obs.pair[i] * J + fixedRows;
  const c = obs.col[i] * F * F;
  let s = 0;
  for (let a = 0; a < F; a++) {
    let t = 0;
    for (let b = 0; b < F; b++) t += post.cov[c + a * F + b] * Z[z + b];
    s += Z[z + a] * t;
  }
  return s;
}

/** The M-step's objective at W (its Z), with the slopes s' held at `slope`. */
function mObjective(pb: Problem, Z: Float64Array, W: Float64Array, post: Posteriors, slope: Float64Array, reg: number): number {
  const m = margins(pb, Z, post);
  let f = 0;
  for (let i = 0; i < pb.obs.n; i++) f += bce(m[i], pb.obs.label[i]) + 0.5 * slope[i] * quad(pb, Z, post, i);
  let w2 = 0;
  for (let k = pb.fixedRows * pb.design.d; k < W.length; k++) w2 += W[k] * W[k];
  return f + 0.5 * reg * w2;
}

/** The negative evidence bound the rounds decrease: the M objective plus each user's Gaussian KL to the prior. */
function objective(pb: Problem, W: Float64Array, post: Posteriors, reg: number): number {
  const { J, fixedRows, obs } = pb;
  const F = J - fixedRows;
  const Z = projectPairs(pb.design, W, J);
  const m = margins(pb, Z, post);
  const slope = Float64Array.from(m, sigmoidSlope);
  let f = mObjective(pb, Z, W, post, slope, reg);
  const L = new Float64Array(F * F);
  for (let u = 0; u < obs.U; u++) {
    if (!post.active[u]) continue;
    const S = post.cov.subarray(u * F * F, (u + 1) * F * F);
    let trace = 0;
    let m2 = 0;
    for (let a = 0; a < F; a++) {
      trace += S[a * F + a];
      m2 += post.mean[u * J + fixedRows + a] ** 2;
    }
    L.set(choleskyFactor(Float64Array.from(S), F));
    let logDet = 0;
    for (let a = 0; a < F; a++) logDet += 2 * Math.log(L[a * F + a]);
    f += 0.5 * (m2 + trace - logDet - F);
  }
  return f;
}

/** W's free rows given the posteriors: one Newton step, solved by CG on Hessian-vector products, with a line search. */
function mStep(pb: Problem, W: Float64Array, post: Posteriors, reg: number, cgIterations: number): void {
  const { obs, design, J, fixedRows } = pb;
  const F = J - fixedRows;
  const d = design.d;
  const P = design.P;
  const Z = projectPairs(design, W, J);
  const m = margins(pb, Z, post);
  const slope = Float64Array.from(m, sigmoidSlope);
  const Sz = new Float64Array(F);
  /** Adds coefficient * (S_u y_free) of observation i to row p of H (P x J), y the pair's projection. */
  const addCovarianceTerm = (H: Float64Array, Y: Float64Array, i: number, coefficient: number) => {
    const y = obs.pair[i] * J + fixedRows;
    const c = obs.col[i] * F * F;
    for (let a = 0; a < F; a++) {
      let t = 0;
      for (let b = 0; b < F; b++) t += post.cov[c + a * F + b] * Y[y + b];
      Sz[a] = t;
    }
    for (let a = 0; a < F; a++) H[y + a] += coefficient * Sz[a];
  };
  const G = new Float64Array(P * J); // per pair: sum_i (sigmoid(m_i) - l_i) m_u + s'_i S_u z_i
  for (let i = 0; i < obs.n; i++) {
    const r = sigmoid(m[i]) - obs.label[i];
    const g = obs.pair[i] * J;
    const l = obs.col[i] * J;
    for (let j = fixedRows; j < J; j++) G[g + j] += r * post.mean[l + j];
    addCovarianceTerm(G, Z, i, slope[i]);
  }
  const grad = backprojectPairs(design, G, J);
  for (let k = 0; k < fixedRows * d; k++) grad[k] = 0;
  for (let k = fixedRows * d; k < grad.length; k++) grad[k] += reg * W[k];

  const hvp = (V: Float64Array): Float64Array => {
    const Y = projectPairs(design, V, J);
    const H = new Float64Array(P * J);
    for (let i = 0; i < obs.n; i++) {
      const y = obs.pair[i] * J;
      const l = obs.col[i] * J;
      let s = 0;
      for (let j = fixedRows; j < J; j++) s += post.mean[l + j] * Y[y + j];
      const q = slope[i] * s;
      for (let j = fixedRows; j < J; j++) H[y + j] += q * post.mean[l + j];
      addCovarianceTerm(H, Y, i, slope[i]);
    }
    const out = backprojectPairs(design, H, J);
    for (let k = 0; k < fixedRows * d; k++) out[k] = 0;
    for (let k = fixedRows * d; k < out.length; k++) out[k] += reg * V[k];
    return out;
  };
  const { x: step } = conjugateGradient(hvp, grad.map((g) => -g), cgIterations, 1e-3);
  for (let k = 0; k < fixedRows * d; k++) step[k] = 0;
  let slope0 = 0;
  for (let k = 0; k < grad.length; k++) slope0 += grad[k] * step[k];
  if (!(slope0 < 0)) return; // not a descent direction (converged to round-off)
  // Line search, cheap because Z is linear in W: Z(t) = Z + t X step^T.
  const dZ = projectPairs(design, step, J);
  const f0 = mObjective(pb, Z, W, post, slope, reg);
  const Zt = new Float64Array(Z.length);
  const Wt = new Float64Array(W.length);
  for (let t = 1; t > 1e-6; t /= 2) {
    for (let k = 0; k < Z.length; k++) Zt[k] = Z[k] + t * dZ[k];
    for (let k = 0; k < W.length; k++) Wt[k] = W[k] + t * step[k];
    if (mObjective(pb, Zt, Wt, post, slope, reg) <= f0 + 1e-4 * t * slope0) {
      W.set(Wt);
      return;
    }
  }
}

export function alternatingFit(
  core: PrefCore,
  obs: PairObservations,
  design: PairDesign,
  W0: Float64Array,
  J: number,
  fixedRows: number,
  o: AlternatingOptions,
): Factorization {
  const pb: Problem = { obs, design, J, fixedRows, byUser: groupByUser(obs) };
  const W = Float64Array.from(W0);
  const objectives: number[] = [];
  let post = eStep(pb, core, W, null);
  let it = 0;
  for (; it < o.iterations; it++) {
    rewhiten(pb, W, post);
    mStep(pb, W, post, o.reg, o.cgIterations);
    post = eStep(pb, core, W, post.mean);
    const f = objective(pb, W, post, o.reg);
    objectives.push(f);
    o.onIteration?.(it + 1, f);
    // At least MIN_ROUNDS: the Laplace E-step makes the bound approximate, so an early round can stall by round-off.
    const prev = objectives[objectives.length - 2];
    if (it + 1 >= MIN_ROUNDS && prev !== undefined && prev - f < o.tolerance * Math.abs(prev)) {
      it++;
      break;
    }
  }
  return { J, d: design.d, W, lambdas: post.mean, objectives, iterations: it };
}
