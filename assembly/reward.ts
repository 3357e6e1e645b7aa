// Base rewards and scores: phi = W e, mean = lambda . phi, sd = ||L^-1 phi|| (= sqrt(phi^T H^-1 phi)),
// and the folded path (W^T lambda) . e.
import { at, ld, st } from "./mem";
import { axpy, columnSquaredNorms, dot, forwardSolveColumns, transposeInto, weightedColumnSums } from "./linalg";

// @ts-ignore: decorator
@inline function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/**
 * Four rows of W against two embeddings: 8 f64x2 accumulators, 6 loads per 16 multiply-adds, so each W and e
 * element loaded from memory serves several products. Writes out[0..4) (embedding e0) and out[J..J+4) (e1).
 */
function rows4x2(w: usize, rowBytes: usize, e0: usize, e1: usize, d: i32, out: usize, J: i32): void {
  const w1 = w + rowBytes;
  const w2 = w1 + rowBytes;
  const w3 = w2 + rowBytes;
  let a00 = f64x2.splat(0), a01 = f64x2.splat(0);
  let a10 = f64x2.splat(0), a11 = f64x2.splat(0);
  let a20 = f64x2.splat(0), a21 = f64x2.splat(0);
  let a30 = f64x2.splat(0), a31 = f64x2.splat(0);
  let k = 0;
  for (; k + 2 <= d; k += 2) {
    const o = <usize>k << 3;
    const x0 = v128.load(e0 + o);
    const x1 = v128.load(e1 + o);
    let v = v128.load(w + o);
    a00 = f64x2.add(a00, f64x2.mul(v, x0));
    a01 = f64x2.add(a01, f64x2.mul(v, x1));
    v = v128.load(w1 + o);
    a10 = f64x2.add(a10, f64x2.mul(v, x0));
    a11 = f64x2.add(a11, f64x2.mul(v, x1));
    v = v128.load(w2 + o);
    a20 = f64x2.add(a20, f64x2.mul(v, x0));
    a21 = f64x2.add(a21, f64x2.mul(v, x1));
    v = v128.load(w3 + o);
    a30 = f64x2.add(a30, f64x2.mul(v, x0));
    a31 = f64x2.add(a31, f64x2.mul(v, x1));
  }
  let s00 = hsum(a00), s01 = hsum(a01), s10 = hsum(a10), s11 = hsum(a11);
  let s20 = hsum(a20), s21 = hsum(a21), s30 = hsum(a30), s31 = hsum(a31);
  if (k < d) {
    const x0 = ld(e0, k), x1 = ld(e1, k);
    s00 += ld(w, k) * x0; s01 += ld(w, k) * x1;
    s10 += ld(w1, k) * x0; s11 += ld(w1, k) * x1;
    s20 += ld(w2, k) * x0; s21 += ld(w2, k) * x1;
    s30 += ld(w3, k) * x0; s31 += ld(w3, k) * x1;
  }
  st(out, 0, s00); st(out, 1, s10); st(out, 2, s20); st(out, 3, s30);
  st(out, J, s01); st(out, J + 1, s11); st(out, J + 2, s21); st(out, J + 3, s31);
}

/** phi (n x J) = E (n x d) W^T, W being J x d. */
export function projectInto(W: usize, J: i32, d: i32, E: usize, n: i32, phi: usize): void {
  const rowBytes = <usize>d << 3;
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const e0 = E + <usize>i * rowBytes;
    const e1 = e0 + rowBytes;
    const out = at(phi, i * J);
    let j = 0;
    for (; j + 4 <= J; j += 4) rows4x2(W + <usize>j * rowBytes, rowBytes, e0, e1, d, out + (<usize>j << 3), J);
    for (; j < J; j++) {
      const wj = W + <usize>j * rowBytes;
      st(out, j, dot(wj, e0, d));
      st(out, J + j, dot(wj, e1, d));
    }
  }
  if (i < n) {
    const e0 = E + <usize>i * rowBytes;
    for (let j = 0; j < J; j++) st(phi, i * J + j, dot(W + <usize>j * rowBytes, e0, d));
  }
}

/**
 * Per candidate: mean = lambda . phi_i and sd = |L^-1 phi_i|. Candidates become the columns of U (J x n, workspace)
 * so the solve runs across candidates in f64x2 lanes, each lane summing in the reference's order.
 */
export function meanAndSd(J: i32, lambda: usize, L: usize, phi: usize, n: i32, outMean: usize, outSd: usize, U: usize): void {
  transposeInto(phi, n, J, U);
  weightedColumnSums(lambda, J, U, n, outMean);
  forwardSolveColumns(L, J, U, n);
  columnSquaredNorms(J, U, n, outSd);
  for (let i = 0; i < n; i++) st(outSd, i, Math.sqrt(ld(outSd, i)));
}

/** folded (d) = W^T lambda = sum_j lambda_j W_j. */
export function foldInto(W: usize, J: i32, d: i32, lambda: usize, folded: usize): void {
  for (let k = 0; k < d; k++) st(folded, k, 0);
  for (let j = 0; j < J; j++) axpy(ld(lambda, j), W + <usize>j * (<usize>d << 3), folded, d);
}

/** out_i = folded . e_i. */
export function scoreFoldedInto(folded: usize, d: i32, E: usize, n: i32, out: usize): void {
  for (let i = 0; i < n; i++) st(out, i, dot(folded, E + <usize>i * (<usize>d << 3), d));
}
