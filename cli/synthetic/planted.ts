// A planted benchmark with a known answer, for tests and sanity runs: random d-dim "embeddings" (written as JSON
// arrays, read by the `vectors:response` embedder), a true basis W (J x d), users with weights drawn around a
// population mean, and Bradley-Terry labels. Training should recover W's row space.
//   - Shared pairs (the paper's setting): each prompt has `pairsPerPrompt` pairs, each labelled by a `labelRate`
//     share of the users.
//   - Real-log style (`pairsPerUser`): each user answers that many pairs drawn at random for them alone, so almost
//     no pair is labelled twice.
import type { TextComparison } from "../data/comparisons.ts";
import { gaussian, makeRng, shuffle } from "../rng.ts";

export interface PlantedOptions {
  d: number;
  J: number;
  users: number;
  prompts: number;
  responsesPerPrompt: number;
  pairsPerPrompt: number;
  /** Probability that a given user labels a given pair. */
  labelRate: number;
  /** Multiplies every margin: larger = cleaner labels. */
  scale: number;
  /** Log-sd of a per-response length multiplier: > 0 makes some pairs far more informative than others, as with
   * real responses (many pairs barely differ on what a user cares about). Default 0. */
  spread?: number;
  /** The users' mean weight on base 0 (default 0.5): large = most users want the same thing. */
  mean?: number;
  /** Sd of each user's deviation from the mean, per base (default 1; 0 = every user identical). */
  deviation?: number;
  /**
   * Strength of a taste every user shares along a direction outside W's span (default 0): the population reward a
   * J-base factorisation cannot hold without giving up a personal base, as with real data where people mostly agree.
   */
  shared?: number;
  /** Draw this many random pairs per user instead of shared pairs (pairsPerPrompt and labelRate are then unused). */
  pairsPerUser?: number;
  seed: number;
}

export interface Planted {
  comparisons: TextComparison[];
  /** J x d */
  W: Float64Array;
  /** users x J */
  lambdas: Float64Array;
  /** The shared direction (d), scaled by `shared`; zeros when there is none. */
  sharedW: Float64Array;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export function plantedBenchmark(o: PlantedOptions): Planted {
  const rng = makeRng(o.seed);
  const { d, J } = o;
  const W = Float64Array.from({ length: J * d }, () => gaussian(rng));
  const mu = Float64Array.from({ length: J }, (_, j) => (j === 0 ? (o.mean ?? 0.5) : 0));
  const sd = o.deviation ?? 1;
  const lambdas = Float64Array.from({ length: o.users * J }, (_, i) => mu[i % J] + sd * gaussian(rng));
  const sharedW = Float64Array.from({ length: d }, () => (o.shared ? o.shared * gaussian(rng) : 0));
  const comparisons: TextComparison[] = [];
  const prompts = Array.from({ length: o.prompts }, (_, p) => {
    const E = Array.from({ length: o.responsesPerPrompt }, () => {
      const size = Math.exp((o.spread ?? 0) * gaussian(rng)) / Math.sqrt(d);
      return Float64Array.from({ length: d }, () => gaussian(rng) * size);
    });
    return {
      prompt: `planted prompt ${p}`,
      texts: E.map((e) => JSON.stringify(Array.from(e, (x) => Number(x.toFixed(5))))),
      phi: E.map((e) => Float64Array.from({ length: J }, (_, j) => e.reduce((s, x, k) => s + x * W[j * d + k], 0))),
      shared: E.map((e) => e.reduce((s, x, k) => s + x * sharedW[k], 0)),
    };
  });
  const label = (u: number, p: (typeof prompts)[number], a: number, b: number) => {
    let m = p.shared[a] - p.shared[b];
    for (let j = 0; j < J; j++) m += lambdas[u * J + j] * (p.phi[a][j] - p.phi[b][j]);
    comparisons.push({ user: `p${u}`, prompt: p.prompt, a: p.texts[a], b: p.texts[b], label: rng() < sigmoid(o.scale * m) ? 1 : 0 });
  };
  if (o.pairsPerUser !== undefined) {
    for (let u = 0; u < o.users; u++) {
      for (let q = 0; q < o.pairsPerUser; q++) {
        const p = prompts[Math.floor(rng() * prompts.length)];
        const a = Math.floor(rng() * o.responsesPerPrompt);
        const b = (a + 1 + Math.floor(rng() * (o.responsesPerPrompt - 1))) % o.responsesPerPrompt;
        label(u, p, a, b);
      }
    }
    return { comparisons, W, lambdas, sharedW };
  }
  for (const p of prompts) {
    const pairs: [number, number][] = [];
    for (let a = 0; a < o.responsesPerPrompt; a++) for (let b = a + 1; b < o.responsesPerPrompt; b++) pairs.push([a, b]);
    for (const [a, b] of shuffle(pairs, rng).slice(0, o.pairsPerPrompt)) {
      for (let u = 0; u < o.users; u++) if (rng() < o.labelRate) label(u, p, a, b);
    }
  }
  return { comparisons, W, lambdas, sharedW };
}
