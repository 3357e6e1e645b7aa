// Active learning: the best pair among n candidates (mirror core/reference/acquire.ts).
// Per candidate, once: u_i = L^-1 phi_i, mu_i = lambda . phi_i and y_i = exp(mu_i - max mu). Per pair: the
// predictive variance z^T H^-1 z = |u_a - u_b|^2, the mean mu_a - mu_b, and s'(mu_a - mu_b) from y_a, y_b with a
// division instead of an exp. "pref" maximises s'(m)^2 s2 (variance of the preference probability); "infogain"
// maximises 0.5 log(1 + s'(m) s2), monotone in s'(m) s2, so its log is taken once, for the winner.
// Layout: candidates are columns (U is J x n), so the solves and each pair's distance run across 2-4 candidates at
// a time in f64x2 lanes while every lane sums in the same order as the scalar reference.
import { arenaAlloc, arenaAllocF64 } from "./arena";
import { ld, st } from "./mem";
import { forwardSolveColumns, transposeInto, weightedColumnSums } from "./linalg";
import { slopeOfDifference } from "./logistic";
import { IN_PHI, NON_FINITE, NO_PAIR, OK, OUT_OF_MEMORY, fail } from "./status";

// Running best pair of one selectPair call.
let best: f64 = -Infinity;
let bestA: i32 = -1;
let bestB: i32 = -1;
let bestM: f64 = 0;
let bestS2: f64 = 0;
let nonFinite = false;

// @ts-ignore: decorator
@inline function consider(
  a: i32, b: i32, s2: f64, ma: f64, ya: f64, mu: usize, y: usize, n: i32, infogain: bool, exclude: usize,
): void {
  if (exclude != 0 && (load<u8>(exclude + <usize>(a * n + b)) != 0 || load<u8>(exclude + <usize>(b * n + a)) != 0)) return;
  const m = ma - ld(mu, b);
  const slope = slopeOfDifference(ya, ld(y, b), m);
  const key = infogain ? slope * s2 : slope * slope * s2;
  if (!isFinite(key)) nonFinite = true;
  if (key > best) {
    best = key; bestA = a; bestB = b; bestM = m; bestS2 = s2;
  }
}

/** Writes out = [a, b, value, mean, variance]. exclude: 0 or an n x n byte mask. */
export function selectPairInto(
  J: i32, mean: usize, chol: usize, phi: usize, n: i32, infogain: bool, exclude: usize, out: usize,
): i32 {
  const U = arenaAllocF64(n * J);
  const mu = arenaAllocF64(n);
  const y = arenaAllocF64(n);
  const ua = arenaAlloc(<usize>J << 4); // u_a's coordinates, each splatted into a v128
  if (U == 0 || mu == 0 || y == 0 || ua == 0) return fail(OUT_OF_MEMORY, IN_PHI);
  transposeInto(phi, n, J, U);
  weightedColumnSums(mean, J, U, n, mu);
  forwardSolveColumns(chol, J, U, n);
  let top: f64 = -Infinity;
  for (let i = 0; i < n; i++) top = Math.max(top, ld(mu, i));
  for (let i = 0; i < n; i++) st(y, i, Math.exp(ld(mu, i) - top));

  best = -Infinity; bestA = -1; bestB = -1; bestM = 0; bestS2 = 0; nonFinite = false;
  const rowBytes = <usize>n << 3;
  for (let a = 0; a < n; a++) {
    for (let i = 0; i < J; i++) v128.store(ua + (<usize>i << 4), f64x2.splat(ld(U, i * n + a)));
    const ma = ld(mu, a);
    const ya = ld(y, a);
    let b = a + 1;
    for (; b + 4 <= n; b += 4) {
      let acc0 = f64x2.splat(0);
      let acc1 = f64x2.splat(0);
      let p = U + (<usize>b << 3);
      for (let i = 0; i < J; i++, p += rowBytes) {
        const va = v128.load(ua + (<usize>i << 4));
        const d0 = f64x2.sub(v128.load(p), va);
        const d1 = f64x2.sub(v128.load(p, 16), va);
        acc0 = f64x2.add(acc0, f64x2.mul(d0, d0));
        acc1 = f64x2.add(acc1, f64x2.mul(d1, d1));
      }
      consider(a, b, f64x2.extract_lane(acc0, 0), ma, ya, mu, y, n, infogain, exclude);
      consider(a, b + 1, f64x2.extract_lane(acc0, 1), ma, ya, mu, y, n, infogain, exclude);
      consider(a, b + 2, f64x2.extract_lane(acc1, 0), ma, ya, mu, y, n, infogain, exclude);
      consider(a, b + 3, f64x2.extract_lane(acc1, 1), ma, ya, mu, y, n, infogain, exclude);
    }
    for (; b < n; b++) {
      let s2: f64 = 0;
      for (let i = 0; i < J; i++) {
        const d = ld(U, i * n + b) - ld(U, i * n + a);
        s2 += d * d;
      }
      consider(a, b, s2, ma, ya, mu, y, n, infogain, exclude);
    }
  }
  if (nonFinite) return fail(NON_FINITE, IN_PHI);
  if (bestA < 0) return NO_PAIR;
  st(out, 0, <f64>bestA);
  st(out, 1, <f64>bestB);
  st(out, 2, infogain ? 0.5 * Math.log1p(best) : best);
  st(out, 3, bestM);
  st(out, 4, bestS2);
  return OK;
}
