// Reference online step (mirror assembly/online.ts): the exact Laplace approximation of
// N(mu, H^-1) x BT(one observation), via the scalar margin equation and a rank-one Cholesky update.
import { backSolveTransposed, dot, forwardSolve, rankOneUpdate } from "../linalg.ts";
import { expNegAbs, sigmoidFrom, sigmoidSlopeFrom } from "../logistic.ts";
import { fail } from "../validate.ts";
import { type Gaussian, Status } from "../types.ts";

const MAX_MARGIN_STEPS = 200;

/** Root of m + a (sigmoid(m) - l) = m0 by Newton safeguarded with bisection on [m0 - a, m0 + a]. */
export function solveMargin(m0: number, a: number, l: number): number {
  let lo = m0 - a;
  let hi = m0 + a;
  let m = m0;
  for (let it = 0; it < MAX_MARGIN_STEPS; it++) {
    const t = expNegAbs(m);
    const F = m + a * (sigmoidFrom(m, t) - l) - m0;
    if (F === 0) return m;
    if (F > 0) hi = m;
    else lo = m;
    let next = m - F / (1 + a * sigmoidSlopeFrom(t));
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - m) <= 1e-15 * (1 + Math.abs(m))) return next;
    m = next;
  }
  return m;
}

export function laplaceOneObservation(current: Gaussian, z: Float64Array, l: number, w: number): Gaussian {
  const { J } = current;
  const h = new Float64Array(J);
  const m0 = dot(current.mean, 0, z, 0, J);
  forwardSolve(current.precisionChol, J, z, 0, h, 0); // h = L^-1 z
  const v = dot(h, 0, h, 0, J); // z^T H^-1 z
  backSolveTransposed(current.precisionChol, J, h, 0); // h = H^-1 z
  const m = solveMargin(m0, w * v, l);
  const t = expNegAbs(m);
  const r = w * (sigmoidFrom(m, t) - l);
  const c = w * sigmoidSlopeFrom(t);
  const mean = new Float64Array(J);
  for (let k = 0; k < J; k++) mean[k] = current.mean[k] - r * h[k];
  const chol = Float64Array.from(current.precisionChol);
  const sc = Math.sqrt(c);
  const u = new Float64Array(J);
  for (let k = 0; k < J; k++) u[k] = sc * z[k];
  rankOneUpdate(chol, J, u);
  for (let k = 0; k < J; k++) if (!Number.isFinite(mean[k])) fail(Status.NON_FINITE, "z", "the updated mean is not finite");
  return { J, mean, precisionChol: chol };
}
