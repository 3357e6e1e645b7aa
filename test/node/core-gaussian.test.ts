// Gaussian helpers and the small linear-algebra routines they share with the reference core.
import { describe, expect, it } from "vitest";
import {
  covarianceOf, gaussianFromCovariance, gaussianFromPrecision, isotropicGaussian, precisionOf, predictive, shrinkTowards, solvePrecision,
} from "../../core/gaussian.ts";
import { choleskyJittered, rankOneUpdate } from "../../core/linalg.ts";
import { Rng, expectClose, randomGaussian } from "./core-fixtures.ts";

const matmul = (A: Float64Array, B: Float64Array, J: number) => {
  const C = new Float64Array(J * J);
  for (let i = 0; i < J; i++) for (let k = 0; k < J; k++) for (let j = 0; j < J; j++) C[i * J + j] += A[i * J + k] * B[k * J + j];
  return C;
};
const identity = (J: number) => {
  const I = new Float64Array(J * J);
  for (let i = 0; i < J; i++) I[i * J + i] = 1;
  return I;
};

describe("gaussian helpers", () => {
  it("gaussianFromCovariance and covarianceOf are inverse, and precision x covariance = I", () => {
    for (const J of [1, 3, 16]) {
      const rng = new Rng(J);
      const A = rng.normals(J * J);
      const S = new Float64Array(J * J);
      for (let i = 0; i < J; i++)
        for (let k = 0; k < J; k++) {
          for (let r = 0; r < J; r++) S[i * J + k] += A[i * J + r] * A[k * J + r];
          if (i === k) S[i * J + k] += 0.1;
        }
      const mean = rng.normals(J);
      const g = gaussianFromCovariance(mean, S);
      for (let i = 0; i < J; i++) for (let k = i + 1; k < J; k++) expect(g.precisionChol[i * J + k]).toBe(0);
      expectClose(g.mean, mean, 0);
      expectClose(covarianceOf(g), S, 1e-9, `J=${J} covariance round trip`);
      expectClose(matmul(precisionOf(g), S, J), identity(J), 1e-9, `J=${J} H S = I`);
      const h = gaussianFromPrecision(mean, precisionOf(g));
      expectClose(h.precisionChol, g.precisionChol, 1e-12, `J=${J} precision round trip`);
    }
  });

  it("predictive gives lambda.z, z^T H^-1 z and the probit-approximated probability", () => {
    const rng = new Rng(9);
    const g = randomGaussian(rng, 5);
    const z = rng.normals(5);
    const S = covarianceOf(g);
    let m = 0;
    let v = 0;
    for (let a = 0; a < 5; a++) {
      m += g.mean[a] * z[a];
      for (let b = 0; b < 5; b++) v += z[a] * S[a * 5 + b] * z[b];
    }
    const p = predictive(g, z);
    expectClose([p.mean, p.variance], [m, v], 1e-12);
    expectClose([p.probability], [1 / (1 + Math.exp(-m / Math.sqrt(1 + (Math.PI * v) / 8)))], 1e-12);
    const Sz = new Float64Array(5);
    for (let a = 0; a < 5; a++) for (let b = 0; b < 5; b++) Sz[a] += S[a * 5 + b] * z[b];
    expectClose(solvePrecision(g, z), Sz, 1e-10, "H^-1 z");
  });

  it("isotropicGaussian is N(0, v I)", () => {
    const g = isotropicGaussian(3, 4);
    expectClose(covarianceOf(g), Float64Array.of(4, 0, 0, 0, 4, 0, 0, 0, 4), 1e-15);
  });
});

describe("linear algebra", () => {
  it("rankOneUpdate(L, v) factors L L^T + v v^T", () => {
    const J = 7;
    const g = randomGaussian(new Rng(3), J);
    const v = new Rng(4).normals(J);
    const H = precisionOf(g);
    for (let a = 0; a < J; a++) for (let b = 0; b < J; b++) H[a * J + b] += v[a] * v[b];
    const L = Float64Array.from(g.precisionChol);
    rankOneUpdate(L, J, Float64Array.from(v));
    expectClose(precisionOf({ J, mean: g.mean, precisionChol: L }), H, 1e-12);
  });

  it("choleskyJittered adds the smallest jitter that works on a singular matrix", () => {
    const A = Float64Array.of(1, 1, 1, 1); // rank one
    const L = new Float64Array(4);
    const jitter = choleskyJittered(A, L, 2, new Float64Array(4));
    expect(jitter).toBeGreaterThan(0);
    expect(jitter).toBeLessThanOrEqual(1e-3);
    expect(L[3]).toBeGreaterThan(0);
    expect(choleskyJittered(Float64Array.of(-1, 0, 0, -1), L, 2, new Float64Array(4))).toBe(-1);
  });
});

describe("shrinkTowards", () => {
  it("is the law of mu0 + w (lambda - mu0): the mean moves to mu0 by 1 - w, the covariance scales by w^2", () => {
    const rng = new Rng(17);
    const g = randomGaussian(rng, 4);
    const mu0 = Float64Array.from([1, 0, 0, 0]);
    const s = shrinkTowards(g, mu0, 0.25);
    expectClose(s.mean, g.mean.map((m, j) => mu0[j] + 0.25 * (m - mu0[j])), 1e-15);
    expectClose(covarianceOf(s), covarianceOf(g).map((v) => v * 0.0625), 1e-12);
    expect(shrinkTowards(g, mu0, 1)).toBe(g);
    expect(() => shrinkTowards(g, mu0, 0)).toThrow(/weight/);
    expect(() => shrinkTowards(g, mu0, 1.5)).toThrow(/weight/);
    expect(() => shrinkTowards(g, mu0.subarray(0, 3), 0.5)).toThrow(/mu0/);
  });
});
