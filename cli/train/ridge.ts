// Step 2: fit the basis to the SVD targets, W (e_a - e_b) ~ t_p. With a frozen embedder this is ridge regression
// in closed form: W^T = (X^T X + alpha I)^-1 X^T T, X = pair differences (P x d), T = targets (P x J).
import { choleskyJittered, choleskySolve, gram, matTmul, transpose } from "../linalg/dense.ts";

/** alpha is relative: ridge x (trace(X^T X) / d), so it does not depend on the embedding's scale. */
export function ridgeBasis(X: Float64Array, P: number, d: number, T: Float64Array, J: number, ridge: number): Float64Array {
  const C = gram(X, P, d);
  let trace = 0;
  for (let i = 0; i < d; i++) trace += C[i * d + i];
  const alpha = ridge * Math.max(trace / d, 1e-12);
  for (let i = 0; i < d; i++) C[i * d + i] += alpha;
  const L = choleskyJittered(C, d);
  const rhs = matTmul(X, T, P, d, J); // d x J
  choleskySolve(L, d, rhs, J);
  return transpose(rhs, d, J); // J x d
}
