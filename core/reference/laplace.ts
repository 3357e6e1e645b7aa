// Reference Laplace fit (mirror assembly/laplace.ts step for step): damped Newton on
// f(lambda) = sum_i w_i (softplus(m_i) - l_i m_i) + 1/2 (lambda - mu0)^T H0 (lambda - mu0), m_i = lambda . z_i.
import {
  backSolveTransposed, choleskyJittered, dot, forwardSolve, lowerTimesTranspose,
} from "../linalg.ts";
import { expNegAbs, sigmoidFrom, sigmoidSlopeFrom, softplusFrom } from "../logistic.ts";
import { fail } from "../validate.ts";
import { type FitResult, type Gaussian, type Observations, Status } from "../types.ts";

/** Sufficient-decrease fraction of the Newton decrement in the Armijo test. */
export const ARMIJO = 1e-4;
export const MAX_HALVINGS = 50;
/**
 * Below this Newton decrement (about twice the distance to the optimum, in nats) full steps are taken unchecked:
 * f can no longer resolve the decrease, and Newton is in its quadratic phase.
 */
export const BLIND_STEP = 1e-8;

export function fitLaplace(
  prior: Gaussian, obs: Observations, init: Float64Array | undefined, maxIterations: number, tolerance: number,
): FitResult {
  const { J } = prior;
  const { n, z: Z, label, weight } = obs;
  const mu0 = prior.mean;
  const H0 = new Float64Array(J * J);
  lowerTimesTranspose(prior.precisionChol, J, H0);
  const H = new Float64Array(J * J);
  const L = new Float64Array(J * J);
  const work = new Float64Array(J * J);
  const g = new Float64Array(J);
  const p = new Float64Array(J);
  const delta = new Float64Array(J);
  let lam = Float64Array.from(init ?? mu0);
  let lamT = new Float64Array(J);
  let gp = new Float64Array(J);
  let gpT = new Float64Array(J);
  let m = new Float64Array(n);
  let t = new Float64Array(n);
  let mT = new Float64Array(n);
  let tT = new Float64Array(n);

  // f at x; fills margins, t = exp(-|m|) and the prior gradient H0 (x - mu0).
  const evaluate = (x: Float64Array, mOut: Float64Array, tOut: Float64Array, gpOut: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const mi = dot(Z, i * J, x, 0, J);
      const ti = expNegAbs(mi);
      mOut[i] = mi;
      tOut[i] = ti;
      f += weight[i] * (softplusFrom(mi, ti) - label[i] * mi);
    }
    for (let k = 0; k < J; k++) delta[k] = x[k] - mu0[k];
    let priorTerm = 0;
    for (let r = 0; r < J; r++) {
      const v = dot(H0, r * J, delta, 0, J);
      gpOut[r] = v;
      priorTerm += delta[r] * v;
    }
    return f + 0.5 * priorTerm;
  };

  let f = evaluate(lam, m, t, gp);
  if (!Number.isFinite(f)) fail(Status.NON_FINITE, "obs", "the log posterior is not finite at the start");
  let prevDec = Infinity;
  let iterations = 0;
  let converged = false;
  let gradientNorm = 0;
  for (;;) {
    // Gradient and lower triangle of the Hessian at lam.
    g.set(gp);
    H.set(H0);
    for (let i = 0; i < n; i++) {
      const zo = i * J;
      const r = weight[i] * (sigmoidFrom(m[i], t[i]) - label[i]);
      const c = weight[i] * sigmoidSlopeFrom(t[i]);
      for (let a = 0; a < J; a++) {
        const za = Z[zo + a];
        g[a] += r * za;
        const ca = c * za;
        const row = a * J;
        for (let b = 0; b <= a; b++) H[row + b] += ca * Z[zo + b];
      }
    }
    gradientNorm = Math.sqrt(dot(g, 0, g, 0, J));
    if (choleskyJittered(H, L, J, work) < 0) fail(Status.NOT_POSITIVE_DEFINITE, "obs", "the Hessian is not positive definite");
    forwardSolve(L, J, g, 0, p, 0);
    const dec = dot(p, 0, p, 0, J); // Newton decrement g^T H^-1 g
    backSolveTransposed(L, J, p, 0); // p = H^-1 g
    if (!Number.isFinite(dec)) fail(Status.NON_FINITE, "obs", "the Newton step is not finite");
    if (dec <= tolerance) {
      converged = true;
      break;
    }
    // Round-off floor: quadratic convergence has stopped, further steps only stir the last bits.
    if (dec < BLIND_STEP && prevDec < BLIND_STEP && dec > 0.25 * prevDec) {
      converged = true;
      break;
    }
    if (iterations >= maxIterations) break;
    iterations++;
    if (dec < BLIND_STEP) {
      for (let k = 0; k < J; k++) lam[k] += -1 * p[k];
      f = evaluate(lam, m, t, gp);
    } else {
      let step = 1;
      let accepted = false;
      for (let h = 0; h < MAX_HALVINGS; h++) {
        for (let k = 0; k < J; k++) lamT[k] = lam[k] - step * p[k];
        const fT = evaluate(lamT, mT, tT, gpT);
        if (fT <= f - ARMIJO * step * dec) {
          [lam, lamT] = [lamT, lam];
          [m, mT] = [mT, m];
          [t, tT] = [tT, t];
          [gp, gpT] = [gpT, gp];
          f = fT;
          accepted = true;
          break;
        }
        step *= 0.5;
      }
      if (!accepted) fail(Status.NOT_CONVERGED, "obs", "the line search made no progress");
    }
    prevDec = dec;
  }
  return { posterior: { J, mean: lam, precisionChol: L }, iterations, gradientNorm, converged };
}
