// Step 3: joint Bradley-Terry maximum likelihood of the basis W and every training user's weights lambda_u,
//   min  sum_i -log BT(l_i | lambda_{u_i} . W dE_{p_i})  +  reg/2 (||W||_F^2 + sum_u ||lambda_u||^2),
// by alternating two convex steps: every lambda_u given W (a J-dim Laplace/Newton MAP with prior N(0, I/reg), run in
// the WASM core: the same code that fits users online), then W given all lambdas (a logistic regression in the
// J x d entries of W, one truncated-Newton step with conjugate gradients on Hessian-vector products).
// Penalising both factors equally is the nuclear-norm penalty on W^T Lambda in disguise: only the product matters.
import type { Observations, PrefCore } from "../../core/types.ts";
import { conjugateGradient } from "../linalg/cg.ts";
import { matTmul, matmulT } from "../linalg/dense.ts";
import { bce, sigmoid, sigmoidSlope } from "./logistic.ts";
import type { PairObservations } from "./pairs.ts";

export interface AlternatingOptions {
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
  /** J x d */
  W: Float64Array;
  /** U x J */
  lambdas: Float64Array;
  objectives: number[];
  iterations: number;
}

interface Problem {
  obs: PairObservations;
  dE: Float64Array;
  P: number;
  d: number;
  J: number;
  U: number;
  byUser: number[][];
}

function margins(pb: Problem, Z: Float64Array, lambdas: Float64Array): Float64Array {
  const { obs, J } = pb;
  const m = new Float64Array(obs.n);
  for (let i = 0; i < obs.n; i++) {
    const z = obs.pair[i] * J;
    const l = obs.col[i] * J;
    let s = 0;
    for (let j = 0; j < J; j++) s += Z[z + j] * lambdas[l + j];
    m[i] = s;
  }
  return m;
}

function sumSquares(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v * v;
  return s;
}

export function objective(pb: Problem, W: Float64Array, lambdas: Float64Array, reg: number): number {
  const Z = matmulT(pb.dE, W, pb.P, pb.d, pb.J);
  const m = margins(pb, Z, lambdas);
  let f = 0;
  for (let i = 0; i < m.length; i++) f += bce(m[i], pb.obs.label[i]);
  return f + 0.5 * reg * (sumSquares(W) + sumSquares(lambdas));
}

/** Each training user's comparisons in base-reward space under W: z = W (e_lo - e_hi), label of lo over hi. */
export function userObservations(obs: PairObservations, dE: Float64Array, W: Float64Array, d: number, J: number): Observations[] {
  const Z = matmulT(dE, W, obs.P, d, J);
  const byUser: number[][] = Array.from({ length: obs.U }, () => []);
  for (let i = 0; i < obs.n; i++) byUser[obs.col[i]].push(i);
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

/** Every lambda_u given W: MAP under N(0, I/reg) by the core's Newton solver, warm-started. */
function lambdaStep(pb: Problem, core: PrefCore, W: Float64Array, lambdas: Float64Array, reg: number): void {
  const { J } = pb;
  const chol = new Float64Array(J * J);
  for (let j = 0; j < J; j++) chol[j * J + j] = Math.sqrt(reg);
  const prior = { J, mean: new Float64Array(J), precisionChol: chol };
  userObservations(pb.obs, pb.dE, W, pb.d, J).forEach((o, c) => {
    if (o.n === 0) return;
    const fit = core.fitPosterior(prior, o, { init: lambdas.slice(c * J, c * J + J), maxIterations: 50 });
    lambdas.set(fit.posterior.mean, c * J);
  });
}

/** W given all lambdas: one Newton step, solved by CG on Hessian-vector products, with a backtracking line search. */
function basisStep(pb: Problem, W: Float64Array, lambdas: Float64Array, reg: number, cgIterations: number): void {
  const { obs, dE, P, d, J } = pb;
  const Z = matmulT(dE, W, P, d, J);
  const m = margins(pb, Z, lambdas);
  const slope = new Float64Array(obs.n);
  const G = new Float64Array(P * J); // per pair: sum_i (sigmoid(m_i) - l_i) lambda_{u_i}
  for (let i = 0; i < obs.n; i++) {
    slope[i] = sigmoidSlope(m[i]);
    const r = sigmoid(m[i]) - obs.label[i];
    const g = obs.pair[i] * J;
    const l = obs.col[i] * J;
    for (let j = 0; j < J; j++) G[g + j] += r * lambdas[l + j];
  }
  const grad = matTmul(G, dE, P, J, d);
  for (let k = 0; k < grad.length; k++) grad[k] += reg * W[k];

  const hvp = (V: Float64Array): Float64Array => {
    const Y = matmulT(dE, V, P, d, J);
    const H = new Float64Array(P * J);
    for (let i = 0; i < obs.n; i++) {
      const y = obs.pair[i] * J;
      const l = obs.col[i] * J;
      let s = 0;
      for (let j = 0; j < J; j++) s += lambdas[l + j] * Y[y + j];
      const q = slope[i] * s;
      for (let j = 0; j < J; j++) H[y + j] += q * lambdas[l + j];
    }
    const out = matTmul(H, dE, P, J, d);
    for (let k = 0; k < out.length; k++) out[k] += reg * V[k];
    return out;
  };
  const negGrad = grad.map((g) => -g);
  const { x: step } = conjugateGradient(hvp, negGrad, cgIterations, 1e-3);

  // Line search along the step, cheap because Z is linear in W: Z(t) = Z + t dE step^T.
  const dZ = matmulT(dE, step, P, d, J);
  const f = (t: number) => {
    let s = 0;
    for (let i = 0; i < obs.n; i++) {
      const z = obs.pair[i] * J;
      const l = obs.col[i] * J;
      let mi = 0;
      for (let j = 0; j < J; j++) mi += (Z[z + j] + t * dZ[z + j]) * lambdas[l + j];
      s += bce(mi, obs.label[i]);
    }
    let w2 = 0;
    for (let k = 0; k < W.length; k++) w2 += (W[k] + t * step[k]) ** 2;
    return s + 0.5 * reg * w2;
  };
  const f0 = f(0);
  let slope0 = 0;
  for (let k = 0; k < grad.length; k++) slope0 += grad[k] * step[k];
  if (!(slope0 < 0)) return; // not a descent direction (converged to round-off)
  for (let t = 1; t > 1e-6; t /= 2) {
    if (f(t) <= f0 + 1e-4 * t * slope0) {
      for (let k = 0; k < W.length; k++) W[k] += t * step[k];
      return;
    }
  }
}

export function alternatingFit(
  core: PrefCore,
  obs: PairObservations,
  dE: Float64Array,
  d: number,
  W0: Float64Array,
  lambdas0: Float64Array,
  J: number,
  o: AlternatingOptions,
): Factorization {
  const byUser: number[][] = Array.from({ length: obs.U }, () => []);
  for (let i = 0; i < obs.n; i++) byUser[obs.col[i]].push(i);
  const pb: Problem = { obs, dE, P: obs.P, d, J, U: obs.U, byUser };
  const W = Float64Array.from(W0);
  const lambdas = Float64Array.from(lambdas0);
  const objectives: number[] = [];
  let it = 0;
  for (; it < o.iterations; it++) {
    lambdaStep(pb, core, W, lambdas, o.reg);
    basisStep(pb, W, lambdas, o.reg, o.cgIterations);
    const f = objective(pb, W, lambdas, o.reg);
    objectives.push(f);
    o.onIteration?.(it + 1, f);
    const prev = objectives[objectives.length - 2];
    if (prev !== undefined && prev - f < o.tolerance * Math.abs(prev)) {
      it++;
      break;
    }
  }
  lambdaStep(pb, core, W, lambdas, o.reg); // weights consistent with the final basis
  return { J, d, W, lambdas, objectives, iterations: it };
}
