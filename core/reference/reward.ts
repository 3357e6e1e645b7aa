// Reference base rewards and scores (mirror assembly/reward.ts).
import { dot, forwardSolve } from "../linalg.ts";
import type { BasisMatrix, Gaussian } from "../types.ts";

/** phi (n x J): phi[i, j] = W_j . e_i. */
export function projectAll(basis: BasisMatrix, E: ArrayLike<number>, n: number): Float64Array {
  const { J, d, W } = basis;
  const phi = new Float64Array(n * J);
  for (let i = 0; i < n; i++) for (let j = 0; j < J; j++) phi[i * J + j] = dot(W, j * d, E, i * d, d);
  return phi;
}

/** mean_i = lambda . phi_i, sd_i = |L^-1 phi_i|. */
export function meanAndSd(g: Gaussian, phi: Float64Array, n: number): { mean: Float64Array; sd: Float64Array } {
  const { J } = g;
  const mean = new Float64Array(n);
  const sd = new Float64Array(n);
  const u = new Float64Array(J);
  for (let i = 0; i < n; i++) {
    mean[i] = dot(g.mean, 0, phi, i * J, J);
    forwardSolve(g.precisionChol, J, phi, i * J, u, 0);
    sd[i] = Math.sqrt(dot(u, 0, u, 0, J));
  }
  return { mean, sd };
}

/** W^T lambda, accumulated row by row (same order as the WASM). */
export function foldLambda(basis: BasisMatrix, lambda: Float64Array): Float64Array {
  const { J, d, W } = basis;
  const folded = new Float64Array(d);
  for (let j = 0; j < J; j++) {
    const lj = lambda[j];
    const row = j * d;
    for (let k = 0; k < d; k++) folded[k] += lj * W[row + k];
  }
  return folded;
}

export function dotEach(folded: Float64Array, E: ArrayLike<number>, n: number): Float64Array {
  const d = folded.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = dot(folded, 0, E, i * d, d);
  return out;
}
