// A matrix known only through its products, so one solver serves a dense matrix and the implicit pair design.

/** A matrix known only through its products: apply(v) = X v (rows), applyT(r) = X^T r (cols). */
export interface LinearMap {
  rows: number;
  cols: number;
  apply(v: Float64Array): Float64Array;
  applyT(r: Float64Array): Float64Array;
}

/** A dense row-major matrix as a LinearMap. */
export function denseMap(X: Float64Array, rows: number, cols: number): LinearMap {
  return {
    rows,
    cols,
    apply(v) {
      const out = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        let s = 0;
        const o = i * cols;
        for (let k = 0; k < cols; k++) s += X[o + k] * v[k];
        out[i] = s;
      }
      return out;
    },
    applyT(r) {
      const out = new Float64Array(cols);
      for (let i = 0; i < rows; i++) {
        const c = r[i];
        if (c === 0) continue;
        const o = i * cols;
        for (let k = 0; k < cols; k++) out[k] += c * X[o + k];
      }
      return out;
    },
  };
}
