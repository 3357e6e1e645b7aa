// Dense f64 kernels over linear memory: row-major matrices, lower Cholesky factors.
// Mirrors core/linalg.ts (the reference); SIMD f64x2 where rows are contiguous.
import { at, ld, st } from "./mem";

/** sum_k a[k] b[k] over n contiguous f64s, two f64x2 accumulators. */
export function dot(a: usize, b: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    acc1 = f64x2.add(acc1, f64x2.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  if (k + 2 <= n) {
    const o = <usize>k << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    k += 2;
  }
  acc0 = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1);
  if (k < n) s += ld(a, k) * ld(b, k);
  return s;
}

/** y[k] += alpha x[k] over n contiguous f64s. */
export function axpy(alpha: f64, x: usize, y: usize, n: i32): void {
  const va = f64x2.splat(alpha);
  let k = 0;
  for (; k + 2 <= n; k += 2) {
    const o = <usize>k << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(va, v128.load(x + o))));
  }
  if (k < n) st(y, k, ld(y, k) + alpha * ld(x, k));
}

/**
 * Lower Cholesky factor of the symmetric matrix whose lower triangle is in A: A = L L^T; L's upper triangle is
 * zeroed. Returns false if A is not numerically positive definite.
 */
export function cholesky(A: usize, L: usize, J: i32): bool {
  for (let i = 0; i < J; i++) {
    const ri = at(L, i * J);
    for (let j = 0; j <= i; j++) {
      const rj = at(L, j * J);
      const s = ld(A, i * J + j) - dot(ri, rj, j);
      if (i == j) {
        if (!(s > 0) || s == Infinity) return false;
        st(ri, i, Math.sqrt(s));
      } else {
        st(ri, j, s / ld(rj, j));
      }
    }
    for (let j = i + 1; j < J; j++) st(ri, j, 0);
  }
  return true;
}

// Relative jitter schedule (core/linalg.ts JITTER_FIRST / JITTER_TRIES): 1e-12 .. 1e-3 of the largest diagonal.
const JITTER_FIRST: f64 = 1e-12;
const JITTER_TRIES: i32 = 10;

/**
 * Cholesky with diagonal jitter when A is not numerically positive definite; `work` (J x J) holds the jittered
 * copy. Returns the jitter added (0 if none) or -1 if every try failed.
 */
export function choleskyJittered(A: usize, L: usize, J: i32, work: usize): f64 {
  if (cholesky(A, L, J)) return 0;
  let scale: f64 = 0;
  for (let i = 0; i < J; i++) scale = Math.max(scale, Math.abs(ld(A, i * J + i)));
  if (!(scale > 0) || scale == Infinity) scale = 1;
  let jitter = JITTER_FIRST * scale;
  for (let t = 0; t < JITTER_TRIES; t++) {
    memory.copy(work, A, <usize>(J * J) << 3);
    for (let i = 0; i < J; i++) st(work, i * J + i, ld(work, i * J + i) + jitter);
    if (cholesky(work, L, J)) return jitter;
    jitter *= 10;
  }
  return -1;
}

/** Solves L y = b by forward substitution; y may alias b. */
export function forwardSolve(L: usize, J: i32, b: usize, y: usize): void {
  for (let i = 0; i < J; i++) {
    const ri = at(L, i * J);
    st(y, i, (ld(b, i) - dot(ri, y, i)) / ld(ri, i));
  }
}

/** Solves L^T x = y in place, column-oriented so that L is read by rows. */
export function backSolveTransposed(L: usize, J: i32, x: usize): void {
  for (let i = J - 1; i >= 0; i--) {
    const ri = at(L, i * J);
    const xi = ld(x, i) / ld(ri, i);
    st(x, i, xi);
    axpy(-xi, ri, x, i);
  }
}

/** out = L L^T (full symmetric) from a lower factor. */
export function lowerTimesTranspose(L: usize, J: i32, out: usize): void {
  for (let i = 0; i < J; i++) {
    for (let j = 0; j <= i; j++) {
      const v = dot(at(L, i * J), at(L, j * J), j + 1);
      st(out, i * J + j, v);
      st(out, j * J + i, v);
    }
  }
}

/** Rank-one update in place: L L^T + v v^T (v is consumed). */
export function rankOneUpdate(L: usize, J: i32, v: usize): void {
  for (let k = 0; k < J; k++) {
    const lkk = ld(L, k * J + k);
    const vk = ld(v, k);
    if (vk == 0) continue; // nothing to rotate into this column
    const r = Math.sqrt(lkk * lkk + vk * vk);
    const c = r / lkk;
    const s = vk / lkk;
    st(L, k * J + k, r);
    for (let i = k + 1; i < J; i++) {
      const lik = (ld(L, i * J + k) + s * ld(v, i)) / c;
      st(L, i * J + k, lik);
      st(v, i, c * ld(v, i) - s * lik);
    }
  }
}

/** out (cols x rows) = src (rows x cols) transposed. */
export function transposeInto(src: usize, rows: i32, cols: i32, out: usize): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) st(out, c * rows + r, ld(src, r * cols + c));
  }
}

/**
 * X := L^-1 X for n vectors stored as the columns of X (J x n): forward substitution row by row, vectorized
 * across the n vectors. Each element sees the same operations in the same order as forwardSolve on one vector.
 */
export function forwardSolveColumns(L: usize, J: i32, X: usize, n: i32): void {
  const rowBytes = <usize>n << 3;
  for (let i = 0; i < J; i++) {
    const xi = X + <usize>i * rowBytes;
    for (let k = 0; k < i; k++) {
      const xk = X + <usize>k * rowBytes;
      const nl = f64x2.splat(-ld(L, i * J + k));
      let c = 0;
      for (; c + 2 <= n; c += 2) {
        const o = <usize>c << 3;
        v128.store(xi + o, f64x2.add(v128.load(xi + o), f64x2.mul(nl, v128.load(xk + o))));
      }
      if (c < n) st(xi, c, ld(xi, c) + -ld(L, i * J + k) * ld(xk, c));
    }
    const dv = ld(L, i * J + i);
    const dd = f64x2.splat(dv);
    let c = 0;
    for (; c + 2 <= n; c += 2) {
      const o = <usize>c << 3;
      v128.store(xi + o, f64x2.div(v128.load(xi + o), dd));
    }
    if (c < n) st(xi, c, ld(xi, c) / dv);
  }
}

/** out_c = sum_i w_i X[i, c] for the n columns of X (J x n), summed in i order. */
export function weightedColumnSums(w: usize, J: i32, X: usize, n: i32, out: usize): void {
  for (let c = 0; c < n; c++) st(out, c, 0);
  const rowBytes = <usize>n << 3;
  for (let i = 0; i < J; i++) {
    const xi = X + <usize>i * rowBytes;
    const wi = f64x2.splat(ld(w, i));
    let c = 0;
    for (; c + 2 <= n; c += 2) {
      const o = <usize>c << 3;
      v128.store(out + o, f64x2.add(v128.load(out + o), f64x2.mul(wi, v128.load(xi + o))));
    }
    if (c < n) st(out, c, ld(out, c) + ld(w, i) * ld(xi, c));
  }
}

/** out_c = sum_i X[i, c]^2 for the n columns of X (J x n), summed in i order. */
export function columnSquaredNorms(J: i32, X: usize, n: i32, out: usize): void {
  for (let c = 0; c < n; c++) st(out, c, 0);
  const rowBytes = <usize>n << 3;
  for (let i = 0; i < J; i++) {
    const xi = X + <usize>i * rowBytes;
    let c = 0;
    for (; c + 2 <= n; c += 2) {
      const o = <usize>c << 3;
      const x = v128.load(xi + o);
      v128.store(out + o, f64x2.add(v128.load(out + o), f64x2.mul(x, x)));
    }
    if (c < n) st(out, c, ld(out, c) + ld(xi, c) * ld(xi, c));
  }
}
