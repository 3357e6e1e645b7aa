// Pair selection and Thompson sampling, checked on both cores against brute force and statistics.
import { beforeAll, describe, expect, it } from "vitest";
import { covarianceOf, predictive } from "../../core/gaussian.ts";
import { Mulberry32, fillStandardNormals, logFraction32 } from "../../core/prng.ts";
import { type Cores, Rng, bothCores, expectClose, expectCloseScalar, getCores, randomGaussian } from "./core-fixtures.ts";

let c: Cores;
beforeAll(async () => {
  c = await getCores();
});

const slope = (m: number) => {
  const s = 1 / (1 + Math.exp(-m));
  return s * (1 - s);
};

describe("selectPair", () => {
  it("returns the brute-force best pair by either criterion, with its predictive mean and variance", () => {
    for (const [name, core] of bothCores(c)) {
      for (const [J, N] of [[3, 5], [16, 16], [8, 40]] as const) {
        const rng = new Rng(J * 7 + N);
        const post = randomGaussian(rng, J);
        const phi = rng.normals(N * J);
        for (const criterion of ["pref", "infogain"] as const) {
          let best = { a: -1, b: -1, value: -Infinity, mean: 0, variance: 0 };
          for (let a = 0; a < N; a++) {
            for (let b = a + 1; b < N; b++) {
              const z = phi.slice(a * J, (a + 1) * J).map((v, j) => v - phi[b * J + j]);
              const p = predictive(post, z);
              const s = slope(p.mean);
              const value = criterion === "pref" ? s * s * p.variance : 0.5 * Math.log1p(s * p.variance);
              if (value > best.value) best = { a, b, value, mean: p.mean, variance: p.variance };
            }
          }
          const got = core.selectPair(post, phi, N, criterion)!;
          const what = `${name} J=${J} N=${N} ${criterion}`;
          expect([got.a, got.b], what).toEqual([best.a, best.b]);
          expectCloseScalar(got.value, best.value, 1e-9, what);
          expectCloseScalar(got.mean, best.mean, 1e-9, what);
          expectCloseScalar(got.variance, best.variance, 1e-9, what);
        }
      }
    }
  });

  it("never returns an excluded pair, and returns null once every pair is excluded", () => {
    for (const [name, core] of bothCores(c)) {
      const J = 4;
      const N = 9;
      const rng = new Rng(123);
      const post = randomGaussian(rng, J);
      const phi = rng.normals(N * J);
      const exclude = new Uint8Array(N * N);
      const seen = new Set<string>();
      // Ask repeatedly, excluding each answer (in either orientation): every pair comes out exactly once.
      for (let k = 0; k < (N * (N - 1)) / 2; k++) {
        const pick = core.selectPair(post, phi, N, k % 2 ? "pref" : "infogain", exclude);
        expect(pick, `${name} pick ${k}`).not.toBeNull();
        const { a, b } = pick!;
        expect(a).toBeLessThan(b);
        expect(exclude[a * N + b] || exclude[b * N + a], `${name}: excluded pair ${a},${b} returned`).toBe(0);
        seen.add(`${a},${b}`);
        if (k % 2) exclude[a * N + b] = 1;
        else exclude[b * N + a] = 1;
      }
      expect(seen.size).toBe((N * (N - 1)) / 2);
      expect(core.selectPair(post, phi, N, "pref", exclude), name).toBeNull();
      expect(core.selectPair(post, phi, N, "infogain", exclude), name).toBeNull();
      expect(core.selectPair(post, phi.slice(0, J), 1, "pref"), `${name}: one candidate has no pair`).toBeNull();
    }
  });

  it("handles candidates whose mean rewards are hundreds apart (shifted exponentials underflow)", () => {
    const J = 2;
    const post = { J, mean: Float64Array.of(1, 0), precisionChol: Float64Array.of(1, 0, 0, 1) };
    const phi = Float64Array.of(0, 0, 900, 1, 901, 0, -800, 2, -799, 0);
    for (const [name, core] of bothCores(c)) {
      for (const criterion of ["pref", "infogain"] as const) {
        const pick = core.selectPair(post, phi, 5, criterion)!;
        expect(pick, name).not.toBeNull();
        expect(Number.isFinite(pick.value), name).toBe(true);
        // (900,1)-(901,0) and (-800,2)-(-799,0) both differ by 1 in mean; the second has the larger variance (5 > 2),
        // and its shifted exponentials exp(mu - max mu) underflow, so it takes the direct-formula path.
        expect([pick.a, pick.b], `${name} ${criterion}`).toEqual([3, 4]);
        const s = slope(-1);
        expectCloseScalar(pick.value, criterion === "pref" ? s * s * 5 : 0.5 * Math.log1p(s * 5), 1e-12, name);
      }
    }
  });
});

describe("samplePosterior (Thompson)", () => {
  it("is reproducible for a seed, bit-identical across cores, and different across seeds", () => {
    const rng = new Rng(8);
    const post = randomGaussian(rng, 16);
    for (const seed of [0, 1, -1, 42, 2 ** 31 - 1, -(2 ** 31), 123456789]) {
      const w = c.wasm.samplePosterior(post, seed);
      expect(c.wasm.samplePosterior(post, seed)).toEqual(w);
      expect(c.ref.samplePosterior(post, seed)).toEqual(w);
    }
    expect(c.wasm.samplePosterior(post, 1)).not.toEqual(c.wasm.samplePosterior(post, 2));
  });

  it("has sample mean -> mean and sample covariance -> H^-1 (20k draws)", () => {
    const J = 6;
    const rng = new Rng(31337);
    const post = randomGaussian(rng, J, 2);
    const cov = covarianceOf(post);
    for (const [name, core] of bothCores(c)) {
      const draws = 20_000;
      const sum = new Float64Array(J);
      const sq = new Float64Array(J * J);
      for (let s = 0; s < draws; s++) {
        const x = core.samplePosterior(post, s * 7919 + 1);
        for (let a = 0; a < J; a++) {
          const da = x[a] - post.mean[a];
          sum[a] += da;
          for (let b = 0; b < J; b++) sq[a * J + b] += da * (x[b] - post.mean[b]);
        }
      }
      let err = 0;
      let norm = 0;
      for (let i = 0; i < J * J; i++) {
        err += (sq[i] / draws - cov[i]) ** 2;
        norm += cov[i] ** 2;
      }
      expect(Math.sqrt(err / norm), `${name} relative Frobenius error`).toBeLessThan(0.05);
      for (let a = 0; a < J; a++) expect(Math.abs(sum[a] / draws), `${name} mean`).toBeLessThan(4 * Math.sqrt(cov[a * J + a] / draws));
    }
  });

  it("uses a normal transform that matches Math.log / cos / sin Box-Muller to round-off", () => {
    const g1 = new Mulberry32(77);
    const g2 = new Mulberry32(77);
    const ours = new Float64Array(4001);
    fillStandardNormals(g1, ours);
    for (let i = 0; i < ours.length; i += 2) {
      const u1 = (g2.nextU32() + 1) / 4294967296;
      const u2 = g2.nextU32() / 4294967296;
      const r = Math.sqrt(-2 * Math.log(u1));
      expect(Math.abs(ours[i] - r * Math.cos(2 * Math.PI * u2))).toBeLessThan(1e-14 * Math.max(1, r));
      if (i + 1 < ours.length) expect(Math.abs(ours[i + 1] - r * Math.sin(2 * Math.PI * u2))).toBeLessThan(1e-14 * Math.max(1, r));
    }
    for (const N of [1, 2, 3, 2 ** 31, 3037000499, 3037000500, 2 ** 32 - 1, 2 ** 32])
      expect(Math.abs(logFraction32(N) - Math.log(N / 2 ** 32))).toBeLessThanOrEqual(4e-16 * Math.max(1, -Math.log(N / 2 ** 32)));
    expectClose([logFraction32(2 ** 32)], [0], 0);
  });
});
