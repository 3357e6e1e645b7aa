// Seeded randomness: every sampling decision in the tools is reproducible from a --seed.
import { Mulberry32 } from "../core/prng.ts";

/** Uniform draws in [0, 1) from the core's mulberry32 (not for cryptography). */
export function makeRng(seed: number): () => number {
  const generator = new Mulberry32(seed);
  return () => generator.nextU32() / 4294967296;
}

/** Derives an independent stream from a seed and labels (e.g. seed, "split", userIndex). */
export function childSeed(seed: number, ...labels: (string | number)[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const label of labels) {
    const s = String(label);
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  }
  return h >>> 0;
}

/** Fisher-Yates in place. */
export function shuffle<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Standard normal draw (Box-Muller). */
export function gaussian(rng: () => number): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
