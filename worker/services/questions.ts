// Which pair of candidates to ask a user about, and whether to ask at all. Shared by POST /v1/questions/next and
// POST /v1/chat/completions. Stop rule: no question once the user has answered the question budget, or once the
// most uncertain pair's preference-probability sd (s'(m) * sqrt(z^T H^-1 z), delta method) is below the threshold.
import { predictive } from "../../core/gaussian.ts";
import { phiDifference } from "../../core/phi.ts";
import type { Gaussian, PairChoice, PairCriterion, PrefCore } from "../../core/types.ts";
import type { Config } from "../config.ts";
import { vectorHash } from "../crypto.ts";
import type { UserContext } from "./context.ts";
import type { Bindings } from "../env.ts";
import type { LazyTextHashes } from "./hashes.ts";

export const QUESTION_CRITERIA = ["pref", "infogain", "random"] as const;
export type QuestionCriterion = (typeof QUESTION_CRITERIA)[number];

export interface Question {
  /** False once the budget is spent, the user is confident enough, or every pair was already asked. */
  ask: boolean;
  a: number;
  b: number;
  /** sd of the preference probability of pair (a, b) under the posterior. */
  uncertainty: number;
  reason: "ask" | "budget" | "confident" | "exhausted";
}

/** sd of the preference probability of a pair with predictive mean m and variance s2. */
export function pairUncertainty(choice: Pick<PairChoice, "mean" | "variance">): number {
  const p = 1 / (1 + Math.exp(-choice.mean));
  return p * (1 - p) * Math.sqrt(Math.max(choice.variance, 0));
}

/** The (chosen, rejected) content hashes of the comparisons this user already answered for this prompt. */
export async function answeredPairs({ db, store, session }: UserContext, env: Bindings, userId: string, prompt: LazyTextHashes) {
  // The D1 store knows from the session read whether there is a user at all (no row: nothing answered).
  if (store.kind === "d1" && !session.user) return [];
  return store.answeredPairs({ db, env }, session.tenant, userId, await prompt.both());
}

/**
 * The n x n mask of pairs not worth asking: pairs already answered (matched by the embeddings' content hashes)
 * and pairs of identical embeddings (the same response twice: feedback would refuse it).
 */
export async function exclusionMask(E: Float64Array, n: number, d: number, answered: { chosen: string; rejected: string }[]): Promise<Uint8Array> {
  const exclude = new Uint8Array(n * n);
  const hashes = await Promise.all(Array.from({ length: n }, (_, i) => vectorHash(E.subarray(i * d, (i + 1) * d))));
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (hashes[a] === hashes[b]) exclude[a * n + b] = exclude[b * n + a] = 1;
  if (answered.length > 0) {
    const index = new Map<string, number[]>();
    hashes.forEach((h, i) => index.set(h, [...(index.get(h) ?? []), i]));
    for (const { chosen, rejected } of answered)
      for (const a of index.get(chosen) ?? []) for (const b of index.get(rejected) ?? []) exclude[a * n + b] = exclude[b * n + a] = 1;
  }
  return exclude;
}

export interface QuestionInput {
  posterior: Gaussian;
  /** phi = W e of the n candidates (n x J). */
  phi: Float64Array;
  n: number;
  criterion: QuestionCriterion;
  exclude: Uint8Array;
  feedbackCount: number;
}

/** The next question (n >= 2): the most informative open pair, or ask = false with the reason. */
export function nextQuestion(core: PrefCore, cfg: Pick<Config, "questionBudget" | "questionThreshold">, q: QuestionInput): Question {
  const { posterior, phi, n, exclude } = q;
  const best = core.selectPair(posterior, phi, n, "pref", exclude);
  if (!best) {
    const any = core.selectPair(posterior, phi, n, "pref")!;
    return { ask: false, a: any.a, b: any.b, uncertainty: pairUncertainty(any), reason: "exhausted" };
  }
  const bestUncertainty = pairUncertainty(best);
  if (q.feedbackCount >= cfg.questionBudget) return { ask: false, a: best.a, b: best.b, uncertainty: bestUncertainty, reason: "budget" };
  if (bestUncertainty < cfg.questionThreshold) return { ask: false, a: best.a, b: best.b, uncertainty: bestUncertainty, reason: "confident" };

  let pick: PairChoice = best;
  if (q.criterion === "infogain") pick = core.selectPair(posterior, phi, n, q.criterion as PairCriterion, exclude) ?? best;
  else if (q.criterion === "random") {
    const open: number[] = [];
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (!exclude[a * n + b]) open.push(a * n + b);
    const k = open[crypto.getRandomValues(new Uint32Array(1))[0] % open.length];
    const [a, b] = [Math.floor(k / n), k % n];
    const { mean, variance } = predictive(posterior, phiDifference(phi, posterior.J, a, b));
    pick = { a, b, value: 0, mean, variance };
  }
  return { ask: true, a: pick.a, b: pick.b, uncertainty: pairUncertainty(pick), reason: "ask" };
}
