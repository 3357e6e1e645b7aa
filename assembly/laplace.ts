// Laplace posterior of Bradley-Terry with soft labels and weights under a Gaussian prior N(mu0, H0^-1):
// damped Newton on  f(lambda) = sum_i w_i (softplus(m_i) - l_i m_i) + 1/2 (lambda - mu0)^T H0 (lambda - mu0),
// m_i = lambda . z_i. Mirrors core/reference/laplace.ts step for step (same stopping rules and line search).
import { arenaAllocF64, arenaExhausted } from "./arena";
import { at, copyF64, ld, st } from "./mem";
import {
  axpy, backSolveTransposed, choleskyJittered, dot, forwardSolve, lowerTimesTranspose, transposeInto, weightedColumnSums,
} from "./linalg";
import { expNegAbs, sigmoidFrom, slopeFrom, softplusFrom } from "./logistic";
import { IN_OBS, NON_FINITE, NOT_CONVERGED, NOT_POSITIVE_DEFINITE, OK, OUT_OF_MEMORY, fail } from "./status";

// Keep in step with core/reference/laplace.ts.
const ARMIJO: f64 = 1e-4; // sufficient-decrease fraction of the Newton decrement
const MAX_HALVINGS: i32 = 50;
/** Below this Newton decrement (about 2 x the distance to the optimum in nats) full steps are taken unchecked:
 * f can no longer resolve the decrease, and Newton is in its quadratic phase. */
const BLIND_STEP: f64 = 1e-8;

// Problem and workspace, set per call (globals avoid threading a dozen pointers through helpers).
// Observations are kept transposed (Zt: J x n, one row per coordinate) so that margins, gradient and Hessian run
// along n in f64x2 lanes; each margin still sums over coordinates in the reference's order.
let J: i32 = 0;
let n: i32 = 0;
let Zt: usize = 0;
let label: usize = 0;
let weight: usize = 0;
let mu0: usize = 0;
let H0: usize = 0;
let delta: usize = 0;
let r: usize = 0; // n: w_i (sigmoid(m_i) - l_i)
let Y: usize = 0; // J x n: w_i s'(m_i) z_i, by coordinate

/** f at lam; fills margins m, t = exp(-|m|) and the prior gradient gp = H0 (lam - mu0). */
function evaluate(lam: usize, m: usize, t: usize, gp: usize): f64 {
  weightedColumnSums(lam, J, Zt, n, m);
  let f: f64 = 0;
  for (let i = 0; i < n; i++) {
    const mi = ld(m, i);
    const ti = expNegAbs(mi);
    st(t, i, ti);
    f += ld(weight, i) * (softplusFrom(mi, ti) - ld(label, i) * mi);
  }
  for (let k = 0; k < J; k++) st(delta, k, ld(lam, k) - ld(mu0, k));
  let prior: f64 = 0;
  for (let q = 0; q < J; q++) {
    const v = dot(at(H0, q * J), delta, J);
    st(gp, q, v);
    prior += ld(delta, q) * v;
  }
  return f + 0.5 * prior;
}

/**
 * Four sums over the n observations at once: rows a, a+1 of Y against rows b, b+1 of Zt
 * (H[a][b] = sum_i Y[a][i] Zt[b][i]). 4 loads per 8 multiply-adds.
 */
function block2x2(ya: usize, zb: usize, rowBytes: usize, H: usize, a: i32, b: i32): void {
  const ya1 = ya + rowBytes;
  const zb1 = zb + rowBytes;
  let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s10 = f64x2.splat(0), s11 = f64x2.splat(0);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    const y0 = v128.load(ya + o);
    const y1 = v128.load(ya1 + o);
    const z0 = v128.load(zb + o);
    const z1 = v128.load(zb1 + o);
    s00 = f64x2.add(s00, f64x2.mul(y0, z0));
    s01 = f64x2.add(s01, f64x2.mul(y0, z1));
    s10 = f64x2.add(s10, f64x2.mul(y1, z0));
    s11 = f64x2.add(s11, f64x2.mul(y1, z1));
  }
  let h00 = f64x2.extract_lane(s00, 0) + f64x2.extract_lane(s00, 1);
  let h01 = f64x2.extract_lane(s01, 0) + f64x2.extract_lane(s01, 1);
  let h10 = f64x2.extract_lane(s10, 0) + f64x2.extract_lane(s10, 1);
  let h11 = f64x2.extract_lane(s11, 0) + f64x2.extract_lane(s11, 1);
  if (i < n) {
    h00 += ld(ya, i) * ld(zb, i);
    h01 += ld(ya, i) * ld(zb1, i);
    h10 += ld(ya1, i) * ld(zb, i);
    h11 += ld(ya1, i) * ld(zb1, i);
  }
  // Adds onto H0 already in H; (a, b + 1) may be the upper entry (a, a + 1): correct and unread.
  st(H, a * J + b, ld(H, a * J + b) + h00);
  st(H, a * J + b + 1, ld(H, a * J + b + 1) + h01);
  st(H, (a + 1) * J + b, ld(H, (a + 1) * J + b) + h10);
  st(H, (a + 1) * J + b + 1, ld(H, (a + 1) * J + b + 1) + h11);
}

/**
 * g = gp + sum_i w_i (sigmoid(m_i) - l_i) z_i and the lower triangle of H = H0 + sum_i w_i s'(m_i) z_i z_i^T,
 * as dot products along the observations.
 */
function gradientAndHessian(m: usize, t: usize, gp: usize, g: usize, H: usize): void {
  const rowBytes = <usize>n << 3;
  for (let i = 0; i < n; i++) {
    const wi = ld(weight, i);
    const ti = ld(t, i);
    st(r, i, wi * (sigmoidFrom(ld(m, i), ti) - ld(label, i)));
    st(Y, i, wi * slopeFrom(ti)); // row 0 of Y holds the curvature weights c_i for now
  }
  for (let a = J - 1; a >= 0; a--) {
    // Y[a][i] = c_i Zt[a][i]; descending so row 0 (the weights) is overwritten last.
    const ya = Y + <usize>a * rowBytes;
    const za = Zt + <usize>a * rowBytes;
    let i = 0;
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      v128.store(ya + o, f64x2.mul(v128.load(Y + o), v128.load(za + o)));
    }
    if (i < n) st(ya, i, ld(Y, i) * ld(za, i));
  }
  for (let a = 0; a < J; a++) st(g, a, ld(gp, a) + dot(r, Zt + <usize>a * rowBytes, n));
  copyF64(H, H0, J * J);
  let a = 0;
  for (; a + 2 <= J; a += 2) {
    for (let b = 0; b <= a; b += 2) block2x2(Y + <usize>a * rowBytes, Zt + <usize>b * rowBytes, rowBytes, H, a, b);
  }
  if (a < J) {
    // Odd J: the last row alone.
    const ya = Y + <usize>a * rowBytes;
    for (let b = 0; b <= a; b++) st(H, a * J + b, ld(H, a * J + b) + dot(ya, Zt + <usize>b * rowBytes, n));
  }
}

/**
 * Fits the Laplace posterior. `init` = 0 starts at the prior mean. Writes the mean, the lower Cholesky factor of
 * H at the mean, and info = [iterations, gradient norm, converged (1/0)].
 */
export function fitLaplace(
  dim: i32, priorMean: usize, priorChol: usize, count: i32, z: usize, labels: usize, weights: usize,
  init: usize, maxIterations: i32, tolerance: f64, outMean: usize, outChol: usize, outInfo: usize,
): i32 {
  J = dim; n = count; label = labels; weight = weights; mu0 = priorMean;
  const JJ = J * J;
  Zt = arenaAllocF64(max(n * J, 1));
  r = arenaAllocF64(max(n, 1));
  Y = arenaAllocF64(max(n * J, 1));
  H0 = arenaAllocF64(JJ);
  const H = arenaAllocF64(JJ);
  const jitterWork = arenaAllocF64(JJ);
  delta = arenaAllocF64(J);
  const g = arenaAllocF64(J);
  const p = arenaAllocF64(J);
  let gp = arenaAllocF64(J);
  let gpT = arenaAllocF64(J);
  let lam = arenaAllocF64(J);
  let lamT = arenaAllocF64(J);
  let m = arenaAllocF64(max(n, 1));
  let t = arenaAllocF64(max(n, 1));
  let mT = arenaAllocF64(max(n, 1));
  let tT = arenaAllocF64(max(n, 1));
  if (arenaExhausted()) return fail(OUT_OF_MEMORY, IN_OBS);

  transposeInto(z, n, J, Zt);
  lowerTimesTranspose(priorChol, J, H0);
  copyF64(lam, init != 0 ? init : priorMean, J);
  const L = outChol;

  let f = evaluate(lam, m, t, gp);
  if (!isFinite(f)) return fail(NON_FINITE, IN_OBS);
  let prevDec: f64 = Infinity;
  let iterations = 0;
  let converged = false;
  let gradientNorm: f64 = 0;
  while (true) {
    gradientAndHessian(m, t, gp, g, H);
    gradientNorm = Math.sqrt(dot(g, g, J));
    const jitter = choleskyJittered(H, L, J, jitterWork);
    if (jitter < 0) return fail(NOT_POSITIVE_DEFINITE, IN_OBS);
    // p = H^-1 g through y = L^-1 g; the Newton decrement is g^T H^-1 g = |y|^2.
    forwardSolve(L, J, g, p);
    const dec = dot(p, p, J);
    backSolveTransposed(L, J, p);
    if (!isFinite(dec)) return fail(NON_FINITE, IN_OBS);
    if (dec <= tolerance) { converged = true; break; }
    // Round-off floor: quadratic convergence has stopped, further steps only stir the last bits.
    if (dec < BLIND_STEP && prevDec < BLIND_STEP && dec > 0.25 * prevDec) { converged = true; break; }
    if (iterations >= maxIterations) break;
    iterations++;
    if (dec < BLIND_STEP) {
      axpy(-1, p, lam, J);
      f = evaluate(lam, m, t, gp);
    } else {
      let step: f64 = 1;
      let accepted = false;
      for (let h = 0; h < MAX_HALVINGS; h++) {
        for (let k = 0; k < J; k++) st(lamT, k, ld(lam, k) - step * ld(p, k));
        const fT = evaluate(lamT, mT, tT, gpT);
        if (fT <= f - ARMIJO * step * dec) {
          let s = lam; lam = lamT; lamT = s;
          s = m; m = mT; mT = s;
          s = t; t = tT; tT = s;
          s = gp; gp = gpT; gpT = s;
          f = fT;
          accepted = true;
          break;
        }
        step *= 0.5;
      }
      if (!accepted) return fail(NOT_CONVERGED, IN_OBS);
    }
    prevDec = dec;
  }
  copyF64(outMean, lam, J);
  st(outInfo, 0, <f64>iterations);
  st(outInfo, 1, gradientNorm);
  st(outInfo, 2, converged ? 1 : 0);
  return OK;
}
