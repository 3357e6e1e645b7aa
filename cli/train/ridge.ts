// Step 2 of the SVD initialisation: fit the basis to the SVD targets, W x_p ~ t_p. With a frozen embedder this is
// ridge regression, W^T = (X^T X + alpha I)^-1 X^T T (X = pair differences, T = targets, P x J), solved column by
// column with conjugate gradients through the implicit pair design (X^T X is never formed).
import { conjugateGradient } from "../linalg/cg.ts";
import { backprojectPairs, type PairDesign, projectPairs } from "./design.ts";

/** alpha is relative: ridge x (trace(X^T X) / d), so it does not depend on the embedding's scale. */
export function ridgeBasis(x: PairDesign, T: Float64Array, J: number, ridge: number, maxIterations = 200): Float64Array {
  const { d, P } = x;
  const E = x.embeddings.vectors;
  let trace = 0;
  for (let p = 0; p < P; p++) {
    const lo = x.items[x.lo[p]] * d;
    const hi = x.items[x.hi[p]] * d;
    for (let t = 0; t < d; t++) trace += (E[lo + t] - E[hi + t]) ** 2;
  }
  const alpha = ridge * Math.max(trace / d, 1e-12);
  const normal = (v: Float64Array) => {
    const out = backprojectPairs(x, projectPairs(x, v, 1), 1);
    for (let t = 0; t < d; t++) out[t] += alpha * v[t];
    return out;
  };
  const rhs = backprojectPairs(x, T, J); // J x d: row j is X^T t_j
  const W = new Float64Array(J * d);
  for (let j = 0; j < J; j++) W.set(conjugateGradient(normal, rhs.slice(j * d, (j + 1) * d), maxIterations, 1e-10).x, j * d);
  return W;
}
