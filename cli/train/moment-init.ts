// The moment initialisation: the directions in embedding space along which users' preferences differ, from their
// comparisons alone, with no pair shared between users. A user's residual gradient g_u = sum_i (l_i - p_i) x_i
// (p_i the population model's probability, 1/2 without one) points where their preference departs from the
// population's. Its outer product also carries the user's label noise, so each user's comparisons are split in two
// random halves A and B: the noise of A is independent of B's, and E[g_A g_B^T] holds the signal only. The top J
// eigenvectors of M = sum_u (g_A g_B^T + g_B g_A^T) / 2 span the initial basis. (The paper's SVD initialisation
// needs each pair labelled by many users, which real logs do not have.)
import { topEigen } from "../linalg/eigen.ts";
import { makeRng } from "../rng.ts";
import { type PairDesign, projectPairs } from "./design.ts";
import { sigmoid } from "./logistic.ts";
import type { PairObservations } from "./pairs.ts";

export interface MomentInit {
  /** J x d, rows scaled so each base reward has unit second moment over the training pairs. */
  W: Float64Array;
  eigenvalues: number[];
}

export function momentInit(
  obs: PairObservations,
  design: PairDesign,
  offset: Float64Array | null,
  J: number,
  seed: number,
  onUser?: () => void,
): MomentInit {
  const { d } = design;
  const E = design.embeddings.vectors;
  const rng = makeRng(seed);
  const byUser: number[][] = Array.from({ length: obs.U }, () => []);
  for (let i = 0; i < obs.n; i++) byUser[obs.col[i]].push(i);
  const M = new Float64Array(d * d);
  const gA = new Float64Array(d);
  const gB = new Float64Array(d);
  for (const rows of byUser) {
    onUser?.();
    if (rows.length < 2) continue;
    gA.fill(0);
    gB.fill(0);
    // A balanced random half: shuffle, then alternate.
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
    rows.forEach((i, k) => {
      const p = obs.pair[i];
      const r = obs.label[i] - (offset ? sigmoid(offset[p]) : 0.5);
      if (r === 0) return;
      const g = k % 2 === 0 ? gA : gB;
      const lo = design.items[design.lo[p]] * d;
      const hi = design.items[design.hi[p]] * d;
      for (let t = 0; t < d; t++) g[t] += r * (E[lo + t] - E[hi + t]);
    });
    for (let s = 0; s < d; s++) {
      const as = gA[s];
      const bs = gB[s];
      if (as === 0 && bs === 0) continue;
      const o = s * d;
      for (let t = s; t < d; t++) M[o + t] += as * gB[t] + bs * gA[t];
    }
  }
  for (let s = 0; s < d; s++) for (let t = 0; t < s; t++) M[s * d + t] = M[t * d + s];
  const { values, vectors } = topEigen(M, d, J, { seed });
  const W = new Float64Array(J * d);
  for (let j = 0; j < J; j++) for (let t = 0; t < d; t++) W[j * d + t] = vectors[t * J + j];
  const Z = projectPairs(design, W, J);
  for (let j = 0; j < J; j++) {
    let second = 0;
    for (let p = 0; p < design.P; p++) second += Z[p * J + j] ** 2 / design.P;
    const scale = second > 0 ? 1 / Math.sqrt(second) : 1;
    for (let t = 0; t < d; t++) W[j * d + t] *= scale;
  }
  return { W, eigenvalues: Array.from(values) };
}
