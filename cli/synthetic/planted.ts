// A planted benchmark with a known answer, for tests and sanity runs: random d-dim "embeddings" (written as JSON
// arrays, read by the `vectors:response` embedder), a true basis W (J x d), users with weights drawn around a
// population mean, and Bradley-Terry labels on pairs shared across users. Training should recover W's row space.
import type { Comparison } from "../data/comparisons.ts";
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
  seed: number;
}

export interface Planted {
  comparisons: Comparison[];
  /** J x d */
  W: Float64Array;
  /** users x J */
  lambdas: Float64Array;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export function plantedBenchmark(o: PlantedOptions): Planted {
  const rng = makeRng(o.seed);
  const { d, J } = o;
  const W = Float64Array.from({ length: J * d }, () => gaussian(rng));
  const mu = Float64Array.from({ length: J }, (_, j) => (j === 0 ? 0.5 : 0));
  const lambdas = Float64Array.from({ length: o.users * J }, (_, i) => mu[i % J] + gaussian(rng));
  const comparisons: Comparison[] = [];
  for (let p = 0; p < o.prompts; p++) {
    const prompt = `planted prompt ${p}`;
    const E = Array.from({ length: o.responsesPerPrompt }, () => {
      const size = Math.exp((o.spread ?? 0) * gaussian(rng)) / Math.sqrt(d);
      return Float64Array.from({ length: d }, () => gaussian(rng) * size);
    });
    const texts = E.map((e) => JSON.stringify(Array.from(e, (x) => Number(x.toFixed(5)))));
    const phi = E.map((e) => Float64Array.from({ length: J }, (_, j) => e.reduce((s, x, k) => s + x * W[j * d + k], 0)));
    const pairs: [number, number][] = [];
    for (let a = 0; a < E.length; a++) for (let b = a + 1; b < E.length; b++) pairs.push([a, b]);
    for (const [a, b] of shuffle(pairs, rng).slice(0, o.pairsPerPrompt)) {
      for (let u = 0; u < o.users; u++) {
        if (rng() >= o.labelRate) continue;
        let m = 0;
        for (let j = 0; j < J; j++) m += lambdas[u * J + j] * (phi[a][j] - phi[b][j]);
        comparisons.push({ user: `p${u}`, prompt, a: texts[a], b: texts[b], label: rng() < sigmoid(o.scale * m) ? 1 : 0 });
      }
    }
  }
  return { comparisons, W, lambdas };
}
