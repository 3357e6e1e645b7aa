// One user's comparisons split into a query pool (what a method may ask about) and a test set (what it is scored
// on), shared by evaluation and by training's validation users. By prompt when the user has enough prompts, so no
// test prompt was seen in the user's own answers; by pair otherwise (e.g. data where every comparison shares one
// prompt, "which would you rather watch"), so no test pair is in the pool.
import { shuffle } from "../rng.ts";

/** Fewest distinct prompts for a split by prompt (half of them to each side). */
export const MIN_PROMPTS_FOR_PROMPT_SPLIT = 4;

export type SplitBy = "prompt" | "pair";

export interface PoolTestSplit {
  /** Indices into the user's comparisons. */
  pool: number[];
  test: number[];
  /** How it was split; null when the user cannot be split (fewer than two distinct pairs). */
  by: SplitBy | null;
}

/**
 * prompt[i] and pair[i] identify comparison i's prompt and its unordered response pair. Half of the groups (rounded
 * up) go to the pool, in an order drawn from `rng`.
 */
export function splitPoolTest(prompt: ArrayLike<number>, pair: ArrayLike<number>, rng: () => number): PoolTestSplit {
  const n = prompt.length;
  const prompts = [...new Set(Array.from(prompt))].sort((a, b) => a - b);
  const by: SplitBy = prompts.length >= MIN_PROMPTS_FOR_PROMPT_SPLIT ? "prompt" : "pair";
  const key = by === "prompt" ? prompt : pair;
  const groups = by === "prompt" ? prompts : [...new Set(Array.from(pair))].sort((a, b) => a - b);
  if (groups.length < 2) return { pool: Array.from({ length: n }, (_, i) => i), test: [], by: null };
  shuffle(groups, rng);
  const inPool = new Set(groups.slice(0, Math.ceil(groups.length / 2)));
  const pool: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < n; i++) (inPool.has(key[i]) ? pool : test).push(i);
  return { pool, test, by };
}
