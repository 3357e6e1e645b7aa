// Thin SVD of a tall or wide matrix through the eigendecomposition of its smaller Gram matrix. Accurate enough for
// an initialisation (it squares the condition number, which only blurs singular values far below the ones kept).
import { gram } from "./dense.ts";
import { symmetricEigen } from "./eigen.ts";

export interface Svd {
  k: number;
  /** rows x k, column-orthonormal. */
  U: Float64Array;
  /** k singular values, descending. */
  S: Float64Array;
  /** cols x k, column-orthonormal. */
  V: Float64Array;
}

/** Top-k singular triplets of A (rows x cols). Singular values below tol x S[0] are dropped (k may shrink). */
export function thinSvd(a: Float64Array, rows: number, cols: number, k: number, tol = 1e-10): Svd {
  const wide = cols > rows;
  // Work on the side with the smaller Gram matrix; for a wide A use A^T (swap the roles of U and V).
  const m = wide ? rows : cols;
  const g = wide ? gramRows(a, rows, cols) : gram(a, rows, cols);
  const { values, vectors } = symmetricEigen(g, m);
  const s0 = Math.sqrt(Math.max(values[0], 0));
  let kk = 0;
  while (kk < Math.min(k, m) && Math.sqrt(Math.max(values[kk], 0)) > tol * s0 && values[kk] > 0) kk++;
  const S = Float64Array.from({ length: kk }, (_, i) => Math.sqrt(values[i]));
  const small = new Float64Array(m * kk); // eigenvectors of the small side
  for (let i = 0; i < m; i++) for (let j = 0; j < kk; j++) small[i * kk + j] = vectors[i * m + j];
  const otherN = wide ? cols : rows;
  const other = new Float64Array(otherN * kk); // the other side: A v / s (or A^T u / s)
  if (!wide) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const arc = a[r * cols + c];
        if (arc === 0) continue;
        for (let j = 0; j < kk; j++) other[r * kk + j] += arc * small[c * kk + j];
      }
    }
  } else {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const arc = a[r * cols + c];
        if (arc === 0) continue;
        for (let j = 0; j < kk; j++) other[c * kk + j] += arc * small[r * kk + j];
      }
    }
  }
  for (let i = 0; i < otherN; i++) for (let j = 0; j < kk; j++) other[i * kk + j] /= S[j];
  return wide ? { k: kk, U: small, S, V: other } : { k: kk, U: other, S, V: small };
}

/** A A^T for A (rows x cols). */
function gramRows(a: Float64Array, rows: number, cols: number): Float64Array {
  const g = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = i; j < rows; j++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += a[i * cols + c] * a[j * cols + c];
      g[i * rows + j] = s;
      g[j * rows + i] = s;
    }
  }
  return g;
}
