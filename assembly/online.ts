// The online single-observation step: the exact Laplace approximation of N(mu, H^-1) x BT(one observation).
// The MAP satisfies H (lambda - mu) = -w (sigmoid(m) - l) z, so it lies on mu + s H^-1 z and its margin m solves the
// scalar equation  m + w v (sigmoid(m) - l) = m0  (v = z^T H^-1 z, m0 = mu . z), monotone in m. The precision then
// gains w s'(m) z z^T: a rank-one Cholesky update. O(J^2). Mirrors core/reference/online.ts.
import { arenaAllocF64 } from "./arena";
import { copyF64, ld, st } from "./mem";
import { backSolveTransposed, dot, forwardSolve, rankOneUpdate } from "./linalg";
import { expNegAbs, sigmoidFrom, slopeFrom } from "./logistic";
import { IN_Z, NON_FINITE, OK, OUT_OF_MEMORY, fail } from "./status";

const MAX_MARGIN_STEPS: i32 = 200;

/** Root of m + a (sigmoid(m) - l) = m0 by Newton safeguarded with bisection on [m0 - a, m0 + a]. */
export function solveMargin(m0: f64, a: f64, l: f64): f64 {
  let lo = m0 - a;
  let hi = m0 + a;
  let m = m0;
  for (let it = 0; it < MAX_MARGIN_STEPS; it++) {
    const t = expNegAbs(m);
    const F = m + a * (sigmoidFrom(m, t) - l) - m0;
    if (F == 0) return m;
    if (F > 0) hi = m;
    else lo = m;
    let next = m - F / (1 + a * slopeFrom(t));
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - m) <= 1e-15 * (1 + Math.abs(m))) return next;
    m = next;
  }
  return m;
}

export function addObservationInto(
  J: i32, mean: usize, chol: usize, z: usize, l: f64, w: f64, outMean: usize, outChol: usize,
): i32 {
  const h = arenaAllocF64(J);
  const u = arenaAllocF64(J);
  if (h == 0 || u == 0) return fail(OUT_OF_MEMORY, IN_Z);
  const m0 = dot(mean, z, J);
  forwardSolve(chol, J, z, h); // h = L^-1 z
  const v = dot(h, h, J); // z^T H^-1 z
  backSolveTransposed(chol, J, h); // h = H^-1 z
  const m = solveMargin(m0, w * v, l);
  const t = expNegAbs(m);
  const r = w * (sigmoidFrom(m, t) - l);
  const c = w * slopeFrom(t);
  for (let k = 0; k < J; k++) st(outMean, k, ld(mean, k) - r * ld(h, k));
  copyF64(outChol, chol, J * J);
  const sc = Math.sqrt(c);
  for (let k = 0; k < J; k++) st(u, k, sc * ld(z, k));
  rankOneUpdate(outChol, J, u);
  for (let k = 0; k < J; k++) if (!isFinite(ld(outMean, k))) return fail(NON_FINITE, IN_Z);
  return OK;
}
