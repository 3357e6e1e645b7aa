// The methods on the chart, each as "a reward for every item after k answers":
//   active     the posterior (population prior + k answers chosen by the acquisition criterion), in the WASM core
//   random     the same posterior with k answers drawn at random from the pool
//   per_user   ridge logistic regression on the user's k random answers in embedding space (no basis)
//   oracle     this basis with the posterior fitted on the user's whole pool (the basis's ceiling)
//   population the pooled Bradley-Terry model of all training users (the non-personalised reward model)
import { covarianceOf } from "../../core/gaussian.ts";
import { sigmoidSlope } from "../../core/logistic.ts";
import { phiDifference } from "../../core/phi.ts";
import type { Gaussian, Observations, PairCriterion } from "../../core/types.ts";
import { childSeed, makeRng, shuffle } from "../rng.ts";
import { denseMap } from "../linalg/linear-map.ts";
import { fitLogistic } from "../train/logistic-regression.ts";
import type { EvalContext } from "./context.ts";
import type { UserSplit } from "./users.ts";

/** Reward of item i under a fitted model. */
export type Reward = (item: number) => number;

const CHUNK = 32; // comparisons per selectPair call: 64 candidates, the core's maximum

export function lambdaReward(ctx: EvalContext, lambda: Float64Array): Reward {
  const { J, phi } = ctx;
  return (i) => {
    let s = 0;
    for (let j = 0; j < J; j++) s += lambda[j] * phi[i * J + j];
    return s;
  };
}

function poolZ(ctx: EvalContext, s: UserSplit): Float64Array {
  const { J, phi } = ctx;
  const z = new Float64Array(s.poolA.length * J);
  for (let i = 0; i < s.poolA.length; i++) phiDifference(phi, J, s.poolA[i], s.poolB[i], z, i * J);
  return z;
}

function observations(z: Float64Array, labels: number[], chosen: number[], J: number): Observations {
  const n = chosen.length;
  const oz = new Float64Array(n * J);
  chosen.forEach((c, k) => oz.set(z.subarray(c * J, c * J + J), k * J));
  return { n, z: oz, label: Float64Array.from(chosen, (c) => labels[c]), weight: new Float64Array(n).fill(1) };
}

function fit(ctx: EvalContext, z: Float64Array, labels: number[], chosen: number[], init?: Float64Array): Gaussian {
  if (chosen.length === 0) return ctx.prior;
  return ctx.core.fitPosterior(ctx.prior, observations(z, labels, chosen, ctx.J), init ? { init } : undefined).posterior;
}

/**
 * The most informative unasked pool comparison under the posterior, through the core's selectPair: each call gets
 * 32 comparisons as 64 candidates (phi_a = z, phi_b = 0, so the pair's difference is z) with every other pair masked.
 */
function selectNext(ctx: EvalContext, posterior: Gaussian, z: Float64Array, asked: Uint8Array, criterion: PairCriterion): number {
  const { J } = ctx;
  const nPool = asked.length;
  let best = -1;
  let bestValue = -Infinity;
  for (let s = 0; s < nPool; s += CHUNK) {
    const m = Math.min(CHUNK, nPool - s);
    const n = 2 * m;
    const phi = new Float64Array(n * J);
    const exclude = new Uint8Array(n * n).fill(1);
    let open = 0;
    for (let i = 0; i < m; i++) {
      phi.set(z.subarray((s + i) * J, (s + i + 1) * J), 2 * i * J);
      if (!asked[s + i]) {
        exclude[2 * i * n + 2 * i + 1] = 0;
        exclude[(2 * i + 1) * n + 2 * i] = 0;
        open++;
      }
    }
    if (open === 0) continue;
    const choice = ctx.core.selectPair(posterior, phi, n, criterion, exclude);
    if (choice && choice.value > bestValue) {
      bestValue = choice.value;
      best = s + Math.floor(Math.min(choice.a, choice.b) / 2);
    }
  }
  return best;
}

/**
 * Expected reduction of the posterior predictive variance summed over the user's whole pool if comparison i were
 * answered (a V-optimal / integrated-variance design in the Laplace-linearised model): with q = Sigma z_i,
 * value = q^T S q / (1 / s'(m_i) + z_i^T q), S = sum over the pool of z z^T. Unlike uncertainty sampling it prefers
 * questions whose answer informs the comparisons the user will actually face, not outliers. Computed here in TS
 * (the core offers pref and infogain): an evaluation-only criterion, measured to decide whether the core needs it.
 */
function selectVarianceReduction(ctx: EvalContext, posterior: Gaussian, z: Float64Array, asked: Uint8Array, S: Float64Array): number {
  const { J } = ctx;
  const cov = covarianceOf(posterior);
  const q = new Float64Array(J);
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < asked.length; i++) {
    if (asked[i]) continue;
    let m = 0;
    for (let a = 0; a < J; a++) {
      let v = 0;
      for (let b = 0; b < J; b++) v += cov[a * J + b] * z[i * J + b];
      q[a] = v;
      m += posterior.mean[a] * z[i * J + a];
    }
    let zq = 0;
    let qSq = 0;
    for (let a = 0; a < J; a++) {
      zq += z[i * J + a] * q[a];
      let v = 0;
      for (let b = 0; b < J; b++) v += S[a * J + b] * q[b];
      qSq += q[a] * v;
    }
    const value = qSq / (1 / Math.max(sigmoidSlope(m), 1e-12) + zq);
    if (value > bestValue) {
      bestValue = value;
      best = i;
    }
  }
  return best;
}

export type QueryCriterion = PairCriterion | "variance-reduction";

/** Posterior after each k in ks of actively chosen answers (k capped at the pool size). */
export function runActive(ctx: EvalContext, s: UserSplit, ks: number[], criterion: QueryCriterion): Map<number, Gaussian> {
  const z = poolZ(ctx, s);
  const asked = new Uint8Array(s.poolA.length);
  const chosen: number[] = [];
  const out = new Map<number, Gaussian>();
  let posterior = ctx.prior;
  const maxK = Math.min(Math.max(...ks), s.poolA.length);
  if (ks.includes(0)) out.set(0, posterior);
  const S = new Float64Array(ctx.J * ctx.J);
  if (criterion === "variance-reduction") {
    for (let i = 0; i < asked.length; i++) {
      for (let a = 0; a < ctx.J; a++) for (let b = 0; b < ctx.J; b++) S[a * ctx.J + b] += z[i * ctx.J + a] * z[i * ctx.J + b];
    }
  }
  for (let t = 1; t <= maxK; t++) {
    const next = criterion === "variance-reduction" ? selectVarianceReduction(ctx, posterior, z, asked, S) : selectNext(ctx, posterior, z, asked, criterion);
    if (next < 0) break;
    asked[next] = 1;
    chosen.push(next);
    posterior = fit(ctx, z, s.poolLabel, chosen, posterior.mean);
    if (ks.includes(t)) out.set(t, posterior);
  }
  for (const k of ks) if (!out.has(k)) out.set(k, posterior); // k beyond the pool: everything was asked
  return out;
}

/** The random query order of a user for a seed (shared by random and per_user, so they see the same answers). */
export function randomOrder(s: UserSplit, seed: number): number[] {
  return shuffle(Array.from({ length: s.poolA.length }, (_, i) => i), makeRng(childSeed(seed, "random-order", s.user)));
}

export function runRandom(ctx: EvalContext, s: UserSplit, ks: number[], order: number[]): Map<number, Gaussian> {
  const z = poolZ(ctx, s);
  return new Map(ks.map((k) => [k, fit(ctx, z, s.poolLabel, order.slice(0, Math.min(k, order.length)))]));
}

export function runOracle(ctx: EvalContext, s: UserSplit): Gaussian {
  const z = poolZ(ctx, s);
  return fit(ctx, z, s.poolLabel, Array.from({ length: s.poolA.length }, (_, i) => i));
}

/** Per-user logistic regression on embedding differences of the first k random answers. */
export function runPerUser(ctx: EvalContext, s: UserSplit, ks: number[], order: number[], reg: number): Map<number, Reward> {
  const { d, embeddings } = ctx;
  const out = new Map<number, Reward>();
  for (const k of ks) {
    const chosen = order.slice(0, Math.min(k, order.length));
    if (chosen.length === 0) {
      out.set(k, () => 0);
      continue;
    }
    const X = new Float64Array(chosen.length * d);
    chosen.forEach((c, r) => {
      for (let q = 0; q < d; q++) X[r * d + q] = embeddings[s.poolA[c] * d + q] - embeddings[s.poolB[c] * d + q];
    });
    const w = fitLogistic(denseMap(X, chosen.length, d), new Float64Array(chosen.length).fill(1), Float64Array.from(chosen, (c) => s.poolLabel[c]), { reg });
    out.set(k, (i) => {
      let v = 0;
      for (let q = 0; q < d; q++) v += w[q] * embeddings[i * d + q];
      return v;
    });
  }
  return out;
}
