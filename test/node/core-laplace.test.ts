// Properties of the Laplace fit and of the online step, checked on both cores.
import { beforeAll, describe, expect, it } from "vitest";
import { covarianceOf, precisionOf } from "../../core/gaussian.ts";
import type { Gaussian, Observations } from "../../core/types.ts";
import { type Cores, Rng, bothCores, expectClose, getCores, randomGaussian, randomObservations } from "./core-fixtures.ts";

let c: Cores;
beforeAll(async () => {
  c = await getCores();
});

const sigmoid = (m: number) => 1 / (1 + Math.exp(-m));

/** Gradient of the negative log posterior, computed independently of the cores. */
function gradient(prior: Gaussian, obs: Observations, lambda: Float64Array): { g: Float64Array; scale: number } {
  const J = prior.J;
  const H0 = precisionOf(prior);
  const g = new Float64Array(J);
  let scale = 0;
  for (let i = 0; i < obs.n; i++) {
    let m = 0;
    for (let j = 0; j < J; j++) m += lambda[j] * obs.z[i * J + j];
    const r = obs.weight[i] * (sigmoid(m) - obs.label[i]);
    for (let j = 0; j < J; j++) {
      g[j] += r * obs.z[i * J + j];
      scale = Math.max(scale, Math.abs(obs.weight[i] * obs.z[i * J + j]));
    }
  }
  for (let a = 0; a < J; a++) for (let b = 0; b < J; b++) g[a] += H0[a * J + b] * (lambda[b] - prior.mean[b]);
  return { g, scale };
}

/** H = sum_i w_i s'(m_i) z_i z_i^T + H0, computed independently. */
function hessian(prior: Gaussian, obs: Observations, lambda: Float64Array): Float64Array {
  const J = prior.J;
  const H = precisionOf(prior);
  for (let i = 0; i < obs.n; i++) {
    let m = 0;
    for (let j = 0; j < J; j++) m += lambda[j] * obs.z[i * J + j];
    const c = obs.weight[i] * sigmoid(m) * (1 - sigmoid(m));
    for (let a = 0; a < J; a++) for (let b = 0; b < J; b++) H[a * J + b] += c * obs.z[i * J + a] * obs.z[i * J + b];
  }
  return H;
}

const slice = (obs: Observations, J: number, from: number, to: number): Observations => ({
  n: to - from,
  z: obs.z.slice(from * J, to * J),
  label: obs.label.slice(from, to),
  weight: obs.weight.slice(from, to),
});

describe("fitPosterior", () => {
  it("returns a stationary point (gradient ~ 0) and the Hessian there", () => {
    for (const [name, core] of bothCores(c)) {
      for (const [J, n, zScale] of [[1, 5, 1], [5, 40, 2], [16, 200, 1], [64, 300, 0.5]] as const) {
        const rng = new Rng(J * 100 + n);
        const prior = randomGaussian(rng, J);
        const obs = randomObservations(rng, J, n, zScale);
        const fit = core.fitPosterior(prior, obs);
        expect(fit.converged, `${name} J=${J}`).toBe(true);
        const { g, scale } = gradient(prior, obs, fit.posterior.mean);
        const gnorm = Math.hypot(...g);
        expect(gnorm, `${name} J=${J} |g|`).toBeLessThan(1e-10 * Math.max(1, scale * n));
        expect(fit.gradientNorm, `${name} reported |g|`).toBeLessThan(1e-10 * Math.max(1, scale * n));
        expectClose(precisionOf(fit.posterior), hessian(prior, obs, fit.posterior.mean), 1e-10, `${name} J=${J} H`);
      }
    }
  });

  it("agrees in 1-D with a grid search of the true posterior mode and its curvature", () => {
    const mu0 = 0.3;
    const h0 = 0.5; // prior precision
    const z = [1.2, -0.7, 2.5, 0.4, -1.9];
    const label = [1, 1, 0, 0.5, 0];
    const weight = [1, 2, 0.5, 1, 1.5];
    const negLogPost = (x: number) => {
      let f = 0.5 * h0 * (x - mu0) ** 2;
      for (let i = 0; i < z.length; i++) {
        const m = x * z[i];
        f += weight[i] * (Math.log1p(Math.exp(m)) - label[i] * m);
      }
      return f;
    };
    // Grid, then golden-section refinement on the bracketing cell.
    let best = -10;
    for (let x = -10; x <= 10; x += 1e-3) if (negLogPost(x) < negLogPost(best)) best = x;
    let lo = best - 1e-3;
    let hi = best + 1e-3;
    const phi = (Math.sqrt(5) - 1) / 2;
    for (let it = 0; it < 200; it++) {
      const a = hi - phi * (hi - lo);
      const b = lo + phi * (hi - lo);
      if (negLogPost(a) < negLogPost(b)) hi = b;
      else lo = a;
    }
    const mode = 0.5 * (lo + hi);
    const h = 1e-4;
    const curvature = (negLogPost(mode + h) - 2 * negLogPost(mode) + negLogPost(mode - h)) / (h * h);
    const prior: Gaussian = { J: 1, mean: Float64Array.of(mu0), precisionChol: Float64Array.of(Math.sqrt(h0)) };
    const obs: Observations = { n: 5, z: Float64Array.from(z), label: Float64Array.from(label), weight: Float64Array.from(weight) };
    for (const [name, core] of bothCores(c)) {
      const fit = core.fitPosterior(prior, obs);
      expect(Math.abs(fit.posterior.mean[0] - mode), name).toBeLessThan(1e-7);
      expect(Math.abs(fit.posterior.precisionChol[0] ** 2 - curvature) / curvature, name).toBeLessThan(1e-5);
    }
  });

  it("incremental refit (warm start from the previous posterior's mean) equals the full refit", () => {
    for (const [name, core] of bothCores(c)) {
      for (const J of [2, 16]) {
        const rng = new Rng(4242 + J);
        const prior = randomGaussian(rng, J);
        const obs = randomObservations(rng, J, 120);
        let previous = core.fitPosterior(prior, slice(obs, J, 0, 20));
        for (const upto of [40, 80, 120]) {
          const warm = core.fitPosterior(prior, slice(obs, J, 0, upto), { init: previous.posterior.mean });
          const full = core.fitPosterior(prior, slice(obs, J, 0, upto));
          expectClose(warm.posterior.mean, full.posterior.mean, 1e-6, `${name} J=${J} upto=${upto} mean`);
          expectClose(warm.posterior.precisionChol, full.posterior.precisionChol, 1e-6, `${name} chol`);
          expect(warm.iterations, `${name} warm start is not slower`).toBeLessThanOrEqual(full.iterations + 1);
          previous = warm;
        }
      }
    }
  });

  it("with no observations returns the prior", () => {
    const rng = new Rng(5);
    const prior = randomGaussian(rng, 7);
    for (const [name, core] of bothCores(c)) {
      const fit = core.fitPosterior(prior, { n: 0, z: new Float64Array(0), label: new Float64Array(0), weight: new Float64Array(0) });
      expect(fit.iterations, name).toBe(0);
      expectClose(fit.posterior.mean, prior.mean, 1e-15, name);
      expectClose(fit.posterior.precisionChol, prior.precisionChol, 1e-12, name);
    }
  });

  it("reports converged = false when maxIterations runs out, still returning a finite Gaussian", () => {
    const rng = new Rng(99);
    const prior = randomGaussian(rng, 8);
    const obs = randomObservations(rng, 8, 100, 3);
    for (const [name, core] of bothCores(c)) {
      const fit = core.fitPosterior(prior, obs, { maxIterations: 1, init: new Float64Array(8).fill(5) });
      expect(fit.converged, name).toBe(false);
      expect(fit.iterations, name).toBe(1);
      expect([...fit.posterior.mean, ...fit.posterior.precisionChol].every(Number.isFinite), name).toBe(true);
    }
  });

  it("stays finite on a nearly singular prior (jitter) and on saturated margins", () => {
    const J = 6;
    const tiny: Gaussian = { J, mean: new Float64Array(J), precisionChol: new Float64Array(J * J) };
    for (let i = 0; i < J; i++) tiny.precisionChol[i * J + i] = 1e-170; // H0 underflows to 0
    const rng = new Rng(3);
    const few = randomObservations(rng, J, 2); // rank-2 likelihood: H is singular without jitter
    const huge = randomObservations(rng, J, 30, 500); // |m| in the hundreds: sigmoid saturates
    for (const [name, core] of bothCores(c)) {
      for (const [prior, obs] of [[tiny, few], [randomGaussian(rng, J), huge]] as const) {
        const fit = core.fitPosterior(prior, obs);
        const values = [...fit.posterior.mean, ...fit.posterior.precisionChol];
        expect(values.every(Number.isFinite), name).toBe(true);
        for (let i = 0; i < J; i++) expect(fit.posterior.precisionChol[i * J + i], name).toBeGreaterThan(0);
      }
    }
  });
});

describe("addObservation (online step)", () => {
  it("is the exact Laplace posterior of one observation under the current belief", () => {
    for (const [name, core] of bothCores(c)) {
      for (const J of [1, 3, 16, 64]) {
        const rng = new Rng(11 * J);
        const current = randomGaussian(rng, J);
        for (const label of [1, 0, 0.5, 0.8]) {
          const z = rng.normals(J, 1.5);
          const w = 0.5 + rng.uniform();
          const online = core.addObservation(current, z, label, w);
          const exact = core.fitPosterior(current, { n: 1, z, label: Float64Array.of(label), weight: Float64Array.of(w) });
          expectClose(online.mean, exact.posterior.mean, 1e-9, `${name} J=${J} l=${label} mean`);
          expectClose(online.precisionChol, exact.posterior.precisionChol, 1e-9, `${name} chol`);
        }
      }
    }
  });

  it("adds w s'(m*) z z^T to the precision and moves the mean along H^-1 z", () => {
    const J = 5;
    const rng = new Rng(17);
    const current = randomGaussian(rng, J);
    const z = rng.normals(J);
    const w = 1.3;
    for (const [name, core] of bothCores(c)) {
      const next = core.addObservation(current, z, 1, w);
      let m = 0;
      for (let j = 0; j < J; j++) m += next.mean[j] * z[j];
      const gain = w * sigmoid(m) * (1 - sigmoid(m));
      const H = precisionOf(current);
      for (let a = 0; a < J; a++) for (let b = 0; b < J; b++) H[a * J + b] += gain * z[a] * z[b];
      expectClose(precisionOf(next), H, 1e-12, `${name} precision`);
      // mean - current.mean is parallel to H_current^-1 z.
      const S = covarianceOf(current);
      const dir = new Float64Array(J);
      for (let a = 0; a < J; a++) for (let b = 0; b < J; b++) dir[a] += S[a * J + b] * z[b];
      const step = next.mean.map((v, j) => v - current.mean[j]);
      const t = step[0] / dir[0];
      expectClose(step, dir.map((v) => v * t), 1e-10, `${name} direction`);
    }
  });

  it("leaves the mean in place when the label equals the predicted probability", () => {
    const J = 4;
    const rng = new Rng(23);
    const current = randomGaussian(rng, J);
    const z = rng.normals(J);
    let m0 = 0;
    for (let j = 0; j < J; j++) m0 += current.mean[j] * z[j];
    for (const [name, core] of bothCores(c)) {
      const next = core.addObservation(current, z, sigmoid(m0), 1);
      expectClose(next.mean, current.mean, 1e-12, name);
    }
  });

  it("is an approximation over several steps: online filtering differs from the batch fit, which a refit recovers", () => {
    const J = 4;
    const rng = new Rng(29);
    const prior = randomGaussian(rng, J);
    const obs = randomObservations(rng, J, 12, 2);
    for (const [name, core] of bothCores(c)) {
      let online = prior;
      for (let i = 0; i < obs.n; i++) online = core.addObservation(online, obs.z.slice(i * J, (i + 1) * J), obs.label[i], obs.weight[i]);
      const batch = core.fitPosterior(prior, obs);
      let diff = 0;
      for (let j = 0; j < J; j++) diff = Math.max(diff, Math.abs(online.mean[j] - batch.posterior.mean[j]));
      expect(diff, `${name}: filtering is not the batch posterior`).toBeGreaterThan(1e-8);
      expect(diff, `${name}: but it stays close`).toBeLessThan(0.5);
      const refit = core.fitPosterior(prior, obs, { init: online.mean });
      expectClose(refit.posterior.mean, batch.posterior.mean, 1e-9, `${name} refit`);
    }
  });
});
