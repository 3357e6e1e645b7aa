// Ridge regression of several targets on selected rows of a design matrix: B = (X^T X + alpha I)^-1 X^T Y.
import { choleskyFactor, choleskySolve, gram, matTmul } from "../linalg/dense.ts";

export function ridgeRows(X: Float64Array, d: number, rows: number[], Y: (row: number) => number[], outputs: number, alpha: number): Float64Array {
  const Xs = new Float64Array(rows.length * d);
  const Ys = new Float64Array(rows.length * outputs);
  rows.forEach((r, i) => {
    Xs.set(X.subarray(r * d, r * d + d), i * d);
    Ys.set(Y(r), i * outputs);
  });
  const C = gram(Xs, rows.length, d);
  for (let k = 0; k < d; k++) C[k * d + k] += alpha;
  const B = matTmul(Xs, Ys, rows.length, d, outputs); // d x outputs
  choleskySolve(choleskyFactor(C, d), d, B, outputs);
  return B;
}
