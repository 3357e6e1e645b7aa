// Ranking candidates for a user: by the posterior mean, by mean + beta sd (UCB), or by one posterior draw
// (Thompson). Shared by POST /v1/rank and POST /v1/chat/completions.
import type { Gaussian, PrefCore } from "../../core/types.ts";
import type { ResidentBasis } from "./bases.ts";

export const EXPLORE_MODES = ["none", "thompson", "ucb"] as const;
export type Explore = (typeof EXPLORE_MODES)[number];

export interface RankedCandidate {
  /** Position of the candidate in the input. */
  index: number;
  /** The value the ranking is ordered by (the posterior mean reward when explore = none). */
  score: number;
  /** Posterior sd of the candidate's reward. */
  sd: number;
}

export interface RankOptions {
  explore: Explore;
  /** Thompson draw seed; random when absent. */
  seed?: number;
  /** UCB's multiplier of the sd. */
  ucbBeta: number;
}

/** The n candidates (embeddings E, n x d) best first; ties keep input order. */
export function rankCandidates(
  core: PrefCore,
  basis: ResidentBasis,
  posterior: Gaussian,
  E: Float64Array,
  n: number,
  o: RankOptions,
): RankedCandidate[] {
  let scored = posterior;
  if (o.explore === "thompson") {
    const seed = o.seed ?? crypto.getRandomValues(new Uint32Array(1))[0];
    scored = { ...posterior, mean: core.samplePosterior(posterior, seed) };
  }
  const { mean, sd } = core.score(basis.id, scored, E, n);
  const beta = o.explore === "ucb" ? o.ucbBeta : 0;
  const ranking = Array.from({ length: n }, (_, index) => ({ index, score: mean[index] + beta * sd[index], sd: sd[index] }));
  ranking.sort((a, b) => b.score - a.score || a.index - b.index);
  return ranking;
}
