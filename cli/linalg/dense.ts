// Small dense linear algebra for the offline tools (row-major Float64Arrays). The per-user maths runs in the WASM
// core; these serve the offline-only steps (SVD initialisation, ridge, gauge fix, baselines), where sizes are at
// most a few thousand and clarity beats a BLAS. The Cholesky factorisation is the core's.
import { choleskyJittered as coreCholeskyJittered } from "../../core/linalg.ts";

/** C = A^T A for A (rows x cols): cols x cols. */
export function gram(a: Float64Array, rows: number, cols: number): Float64Array {
  const c = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    for (let i = 0; i < cols; i++) {
      const ai = a[off + i];
      if (ai === 0) continue;
      const ci = i * cols;
      for (let j = i; j < cols; j++) c[ci + j] += ai * a[off + j];
    }
  }
  for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) c[i * cols + j] = c[j * cols + i];
  return c;
}

/** C = A B for A (n x k), B (k x m). */
export function matmul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      const bo = p * m;
      const co = i * m;
      for (let j = 0; j < m; j++) c[co + j] += aip * b[bo + j];
    }
  }
  return c;
}

/** C = A B^T for A (n x k), B (m x k): n x m (both read along rows: the fast direction). */
export function matmulT(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const c = new Float64Array(n * m);
  // Four rows of B at a time: each element of A is loaded once for four products (the hot loop of training).
  const m4 = m - (m % 4);
  for (let i = 0; i < n; i++) {
    const ao = i * k;
    for (let j = 0; j < m4; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = 0; p < k; p++) {
        const x = a[ao + p];
        s0 += x * b[b0 + p];
        s1 += x * b[b1 + p];
        s2 += x * b[b2 + p];
        s3 += x * b[b3 + p];
      }
      const co = i * m + j;
      c[co] = s0;
      c[co + 1] = s1;
      c[co + 2] = s2;
      c[co + 3] = s3;
    }
    for (let j = m4; j < m; j++) {
      const bo = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ao + p] * b[bo + p];
      c[i * m + j] = s;
    }
  }
  return c;
}

/** C = A^T B for A (k x n), B (k x m): n x m. */
export function matTmul(a: Float64Array, b: Float64Array, k: number, n: number, m: number): Float64Array {
  const c = new Float64Array(n * m);
  // Four rows of C at a time: each element of B is loaded once for four updates.
  const n4 = n - (n % 4);
  for (let p = 0; p < k; p++) {
    const ao = p * n;
    const bo = p * m;
    for (let i = 0; i < n4; i += 4) {
      const a0 = a[ao + i];
      const a1 = a[ao + i + 1];
      const a2 = a[ao + i + 2];
      const a3 = a[ao + i + 3];
      const c0 = i * m;
      const c1 = c0 + m;
      const c2 = c1 + m;
      const c3 = c2 + m;
      for (let j = 0; j < m; j++) {
        const x = b[bo + j];
        c[c0 + j] += a0 * x;
        c[c1 + j] += a1 * x;
        c[c2 + j] += a2 * x;
        c[c3 + j] += a3 * x;
      }
    }
    for (let i = n4; i < n; i++) {
      const api = a[ao + i];
      if (api === 0) continue;
      const co = i * m;
      for (let j = 0; j < m; j++) c[co + j] += api * b[bo + j];
    }
  }
  return c;
}

export function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length, ao = 0, bo = 0): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[ao + i] * b[bo + i];
  return s;
}

/**
 * Lower Cholesky factor of a symmetric n x n matrix that is positive definite up to round-off: the core's
 * factorisation (core/linalg.ts), with its jitter schedule when needed.
 */
export function choleskyFactor(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  const jitter = coreCholeskyJittered(a, l, n, new Float64Array(n * n));
  if (jitter < 0) throw new Error("matrix is not positive definite even with jitter");
  return l;
}

/** Solves (L L^T) x = b for m right-hand sides stored as columns of b (n x m), in place. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, m = 1): Float64Array {
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = b[i * m + c];
      for (let k = 0; k < i; k++) s -= l[i * n + k] * b[k * m + c];
      b[i * m + c] = s / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = b[i * m + c];
      for (let k = i + 1; k < n; k++) s -= l[k * n + i] * b[k * m + c];
      b[i * m + c] = s / l[i * n + i];
    }
  }
  return b;
}

export function identity(n: number, scale = 1): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = scale;
  return a;
}
