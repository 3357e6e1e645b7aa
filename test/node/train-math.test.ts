// The offline maths, piece by piece, on small problems with known answers.
import { describe, expect, it } from "vitest";
import { matmul, matmulT, matTmul } from "../../cli/linalg/dense.ts";
import { symmetricEigen } from "../../cli/linalg/eigen.ts";
import { thinSvd } from "../../cli/linalg/svd.ts";
import { gaussian, makeRng } from "../../cli/rng.ts";
import { denseMap } from "../../cli/linalg/linear-map.ts";
import { type PairDesign, pairDesign } from "../../cli/train/design.ts";
import { fixGauge } from "../../cli/train/gauge.ts";
import { fitLogistic } from "../../cli/train/logistic-regression.ts";
import type { PairObservations } from "../../cli/train/pairs.ts";
import { populationPrior } from "../../cli/train/prior.ts";
import { ridgeBasis } from "../../cli/train/ridge.ts";
import { svdInit } from "../../cli/train/svd-init.ts";

const rng = makeRng(42);

/** A pair design whose pair differences are the rows of X (item 2p = X_p, item 2p + 1 = 0). */
export function designOf(X: Float64Array, P: number, d: number): PairDesign {
  const vectors = new Float32Array(2 * P * d);
  for (let p = 0; p < P; p++) vectors.set(X.subarray(p * d, (p + 1) * d), 2 * p * d);
  const lo = Int32Array.from({ length: P }, (_, p) => 2 * p);
  const hi = Int32Array.from({ length: P }, (_, p) => 2 * p + 1);
  return pairDesign({ P, U: 0, users: [], lo, hi, n: 0, pair: new Int32Array(0), col: new Int32Array(0), label: new Float64Array(0), row: new Int32Array(0) }, { n: 2 * P, d, vectors });
}
const randn = (n: number) => Float64Array.from({ length: n }, () => gaussian(rng));

describe("linear algebra", () => {
  it("blocked products agree with the definition", () => {
    const [n, k, m] = [7, 5, 6];
    const A = randn(n * k);
    const B = randn(m * k);
    const C = matmulT(A, B, n, k, m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) expect(C[i * m + j]).toBeCloseTo(Array.from({ length: k }, (_, p) => A[i * k + p] * B[j * k + p]).reduce((a, b) => a + b), 12);
    const D = matTmul(A, randn(n * m), n, k, m);
    expect(D).toHaveLength(k * m);
  });

  it("Jacobi eigendecomposition and the thin SVD reconstruct their matrices", () => {
    const X = randn(9 * 4);
    const G = matTmul(X, X, 9, 4, 4);
    const { values, vectors } = symmetricEigen(G, 4);
    for (let i = 1; i < 4; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
    const R = new Float64Array(16);
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) for (let q = 0; q < 4; q++) R[a * 4 + b] += vectors[a * 4 + q] * values[q] * vectors[b * 4 + q];
    R.forEach((v, i) => expect(v).toBeCloseTo(G[i], 9));
    for (const [rows, cols] of [[9, 4], [4, 9]]) {
      const M = randn(rows * cols);
      const { U, S, V, k } = thinSvd(M, rows, cols, 4);
      expect(k).toBe(4);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          let v = 0;
          for (let j = 0; j < k; j++) v += U[r * k + j] * S[j] * V[c * k + j];
          expect(v).toBeCloseTo(M[r * cols + c], 8);
        }
      }
    }
  });
});

describe("SVD initialisation", () => {
  /** A rank-2 preference matrix (pairs x users) with 40% of entries observed. */
  function planted(): { obs: PairObservations; truth: Float64Array; P: number; U: number } {
    const P = 60;
    const U = 25;
    const T = randn(P * 2);
    const L = randn(U * 2);
    const truth = matmulT(T, L, P, 2, U).map((v) => 1 / (1 + Math.exp(-2 * v)));
    const pair: number[] = [];
    const col: number[] = [];
    const label: number[] = [];
    for (let p = 0; p < P; p++) for (let u = 0; u < U; u++) if (rng() < 0.4) (pair.push(p), col.push(u), label.push(truth[p * U + u]));
    return {
      obs: { P, U, users: [], lo: new Int32Array(P), hi: new Int32Array(P), n: pair.length, pair: Int32Array.from(pair), col: Int32Array.from(col), label: Float64Array.from(label), row: new Int32Array(pair.length) },
      truth,
      P,
      U,
    };
  }

  it("centred imputation at rank J recovers the missing entries better than filling with 0.5", () => {
    const { obs, truth, P, U } = planted();
    const error = (mode: "paper" | "centered", imputeRank: number, iterations: number) => {
      const init = svdInit(obs, { J: 2, mode, imputeRank, imputeIterations: iterations });
      const R = matmulT(init.targets, init.lambdas, P, 2, U);
      const observed = new Set(Array.from(obs.pair, (p, i) => p * U + obs.col[i]));
      let se = 0;
      let n = 0;
      for (let at = 0; at < P * U; at++) {
        if (observed.has(at)) continue;
        se += (R[at] + (mode === "centered" ? 0.5 : 0) - truth[at]) ** 2;
        n++;
      }
      return Math.sqrt(se / n);
    };
    const centred = error("centered", 2, 10);
    expect(centred).toBeLessThan(error("paper", 100, 10));
    expect(centred).toBeLessThan(error("centered", 2, 0));
  });
});

describe("ridge, gauge and prior", () => {
  it("ridge recovers a linear map from noise-free targets", () => {
    const [P, d, J] = [80, 6, 2];
    const X = randn(P * d);
    const W = randn(J * d);
    const T = matmulT(X, W, P, d, J);
    const fitted = ridgeBasis(designOf(X, P, d), T, J, 1e-9);
    fitted.forEach((v, i) => expect(v).toBeCloseTo(W[i], 5));
  });

  it("the gauge fix leaves every reward unchanged, whitens the bases and orders them by user variance", () => {
    const [P, d, J, U] = [50, 7, 3, 12];
    const dE = randn(P * d);
    const W = randn(J * d);
    const L = randn(U * J);
    const fixed = fixGauge(W, L, matmulT(dE, W, P, d, J), P, d, J, U);
    const before = matmul(L, matmulT(W, dE, J, d, P), U, J, P);
    const after = matmul(fixed.lambdas, matmulT(fixed.W, dE, J, d, P), U, J, P);
    after.forEach((v, i) => expect(v).toBeCloseTo(before[i], 8));
    const Z = matmulT(dE, fixed.W, P, d, J);
    const C = matTmul(Z, Z, P, J, J).map((v) => v / P);
    for (let a = 0; a < J; a++) for (let b = 0; b < J; b++) expect(C[a * J + b]).toBeCloseTo(a === b ? 1 : 0, 8);
    for (let j = 1; j < J; j++) expect(fixed.baseVariance[j]).toBeLessThanOrEqual(fixed.baseVariance[j - 1]);
    for (let j = 0; j < J; j++) expect(Array.from({ length: U }, (_, u) => fixed.lambdas[u * J + j]).reduce((a, b) => a + b)).toBeGreaterThanOrEqual(0);
  });

  it("the prior is the users' mean and their covariance shrunk towards the identity", () => {
    const L = Float64Array.from([1, 0, 3, 0, 2, 4]); // 3 users x J=2
    const { mu0, sigma0 } = populationPrior(L, 3, 2, 0.5);
    expect(Array.from(mu0)).toEqual([2, 4 / 3]);
    // deviations (-1, -4/3), (1, -4/3), (0, 8/3): covariance [[1, 0], [0, 16/3]], trace/J = 19/6;
    // half of it plus half of 19/6 on the diagonal
    const expected = [0.5 + 19 / 12, 0, 0, 8 / 3 + 19 / 12];
    Array.from(sigma0).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
  });

  it("logistic regression with aggregated soft labels finds the generating direction", () => {
    const [n, d] = [400, 5];
    const X = randn(n * d);
    const w = Float64Array.from([2, -1, 0, 0.5, 0]);
    const trials = new Float64Array(n).fill(20);
    const wins = Float64Array.from({ length: n }, (_, i) => 20 / (1 + Math.exp(-Array.from({ length: d }, (_, k) => X[i * d + k] * w[k]).reduce((a, b) => a + b))));
    const fitted = fitLogistic(denseMap(X, n, d), trials, wins, { reg: 1e-6 });
    fitted.forEach((v, i) => expect(v).toBeCloseTo(w[i], 3));
  });
});
