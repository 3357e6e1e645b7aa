// Dense f64 linear algebra for the reference core and the Gaussian helpers: row-major J x J matrices,
// lower Cholesky factors, offsets instead of subarrays so hot loops allocate nothing.
// assembly/linalg.ts implements the same routines (with SIMD); keep the two in step.

export function dot(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += a[aOff + k] * b[bOff + k];
  return s;
}

/**
 * Lower Cholesky factor of the symmetric matrix whose lower triangle is in A (upper ignored): A = L L^T.
 * Writes L with a zero upper triangle. Returns false (L partly written) if A is not numerically positive definite.
 */
export function cholesky(A: Float64Array, L: Float64Array, J: number): boolean {
  for (let i = 0; i < J; i++) {
    const ri = i * J;
    for (let j = 0; j <= i; j++) {
      const rj = j * J;
      let s = A[ri + j];
      for (let k = 0; k < j; k++) s -= L[ri + k] * L[rj + k];
      if (i === j) {
        if (!(s > 0) || s === Infinity) return false;
        L[ri + i] = Math.sqrt(s);
      } else {
        L[ri + j] = s / L[rj + j];
      }
    }
    for (let j = i + 1; j < J; j++) L[ri + j] = 0;
  }
  return true;
}

/** Relative jitter schedule: 1e-12, 1e-11, ... 1e-3 times the largest diagonal entry. */
export const JITTER_FIRST = 1e-12;
export const JITTER_TRIES = 10;

/**
 * Cholesky with diagonal jitter when A is not numerically positive definite (e.g. an ill-conditioned prior).
 * `work` (J * J) holds the jittered copy. Returns the jitter added (0 if none) or -1 if every try failed.
 */
export function choleskyJittered(A: Float64Array, L: Float64Array, J: number, work: Float64Array): number {
  if (cholesky(A, L, J)) return 0;
  let scale = 0;
  for (let i = 0; i < J; i++) scale = Math.max(scale, Math.abs(A[i * J + i]));
  if (!(scale > 0) || scale === Infinity) scale = 1;
  let jitter = JITTER_FIRST * scale;
  for (let t = 0; t < JITTER_TRIES; t++, jitter *= 10) {
    work.set(A.subarray(0, J * J));
    for (let i = 0; i < J; i++) work[i * J + i] += jitter;
    if (cholesky(work, L, J)) return jitter;
  }
  return -1;
}

/** Solves L y = b (forward substitution); y may be b. */
export function forwardSolve(
  L: Float64Array, J: number, b: ArrayLike<number>, bOff: number, y: Float64Array, yOff: number,
): void {
  for (let i = 0; i < J; i++) {
    const ri = i * J;
    let s = b[bOff + i];
    for (let k = 0; k < i; k++) s -= L[ri + k] * y[yOff + k];
    y[yOff + i] = s / L[ri + i];
  }
}

/** Solves L^T x = y in place (x overwrites y), column-oriented so L is read by rows. */
export function backSolveTransposed(L: Float64Array, J: number, x: Float64Array, xOff: number): void {
  for (let i = J - 1; i >= 0; i--) {
    const ri = i * J;
    const xi = x[xOff + i] / L[ri + i];
    x[xOff + i] = xi;
    for (let k = 0; k < i; k++) x[xOff + k] -= L[ri + k] * xi;
  }
}

/** out = L L^T (full symmetric J x J) from a lower factor. */
export function lowerTimesTranspose(L: Float64Array, J: number, out: Float64Array): void {
  for (let i = 0; i < J; i++) {
    for (let j = 0; j <= i; j++) {
      const v = dot(L, i * J, L, j * J, j + 1);
      out[i * J + j] = v;
      out[j * J + i] = v;
    }
  }
}

/**
 * Rank-one update of a lower Cholesky factor in place: L L^T + v v^T (v is consumed). O(J^2), always stable
 * because the update is positive.
 */
export function rankOneUpdate(L: Float64Array, J: number, v: Float64Array): void {
  for (let k = 0; k < J; k++) {
    const lkk = L[k * J + k];
    const vk = v[k];
    if (vk === 0) continue; // nothing to rotate into this column
    const r = Math.sqrt(lkk * lkk + vk * vk);
    const c = r / lkk;
    const s = vk / lkk;
    L[k * J + k] = r;
    for (let i = k + 1; i < J; i++) {
      const lik = (L[i * J + k] + s * v[i]) / c;
      L[i * J + k] = lik;
      v[i] = c * v[i] - s * lik;
    }
  }
}

/** Inverse of a lower-triangular factor (lower triangular too), column by column. */
export function invertLower(L: Float64Array, J: number, out: Float64Array): void {
  out.fill(0, 0, J * J);
  for (let c = 0; c < J; c++) {
    // Solve L x = e_c; x is zero above row c.
    for (let i = c; i < J; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= L[i * J + k] * out[k * J + c];
      out[i * J + c] = s / L[i * J + i];
    }
  }
}
