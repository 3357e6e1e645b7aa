// Step 3b: a deterministic fix of the factorisation's ambiguity W -> A W, lambda -> A^-T lambda (any invertible A
// leaves every reward unchanged). We pick the A that makes the base rewards
//   1. uncorrelated with unit variance over the training pair differences (phi's second moment = I), then
//   2. rotated to the principal axes of the users' weights (base 1 explains the most user variation), then
//   3. signed so that the average user likes each base reward (mu0 >= 0).
// So bases are comparable across runs, ordered by importance, and the prior's scale means the same for every base.
// With a population reward only the deviation rows are free: the population row is not part of the ambiguity.
import { matTmul, matmul } from "../linalg/dense.ts";
import { symmetricEigen, symmetricPower } from "../linalg/eigen.ts";

/** Z (P x J) holds the base-reward differences W x_p of the training pairs. */
export function fixGauge(
  W: Float64Array,
  lambdas: Float64Array,
  Z: Float64Array,
  P: number,
  d: number,
  J: number,
  U: number,
): { W: Float64Array; lambdas: Float64Array; baseVariance: number[] } {
  const C = matTmul(Z, Z, P, J, J).map((v) => v / P);
  const floor = 1e-12 * Math.max(...Array.from({ length: J }, (_, j) => C[j * J + j]), 1e-300);
  const W1 = matmul(symmetricPower(C, J, -0.5, floor), W, J, J, d);
  const L1 = matmul(lambdas, symmetricPower(C, J, 0.5, floor), U, J, J);
  const M = matTmul(L1, L1, U, J, J).map((v) => v / U);
  const { values, vectors: Q } = symmetricEigen(M, J);
  const W2 = matTmul(Q, W1, J, J, d);
  const L2 = matmul(L1, Q, U, J, J);
  for (let j = 0; j < J; j++) {
    let mean = 0;
    for (let u = 0; u < U; u++) mean += L2[u * J + j];
    let flip = mean < 0;
    if (Math.abs(mean) < 1e-12 * U) {
      // No preferred direction on average: make the largest-magnitude weight of the base positive instead.
      let best = 0;
      for (let k = 0; k < d; k++) if (Math.abs(W2[j * d + k]) > Math.abs(best)) best = W2[j * d + k];
      flip = best < 0;
    }
    if (!flip) continue;
    for (let k = 0; k < d; k++) W2[j * d + k] = -W2[j * d + k];
    for (let u = 0; u < U; u++) L2[u * J + j] = -L2[u * J + j];
  }
  return { W: W2, lambdas: L2, baseVariance: Array.from(values) };
}
