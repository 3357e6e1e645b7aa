// Builds the Attributes benchmark from real prompts and responses: a fixed set of response pairs per prompt, each
// labelled by many simulated users (so the pair x user preference matrix overlaps, as in the paper), with
// Bradley-Terry noise: P(a > b) = sigmoid(beta (u(a) - u(b))). Exactly equal utilities (the user's two attributes
// cannot tell the answers apart) are labelled as ties, as the paper's judge did when its two orders disagreed.
import type { PromptResponses } from "../data/alpaca.ts";
import type { TextComparison } from "../data/comparisons.ts";
import { makeRng, shuffle } from "../rng.ts";
import { ATTRIBUTES, rawScores } from "./scorers.ts";
import { SIDECAR_FORMAT, type Sidecar } from "./sidecar.ts";
import { fitStandardization, standardize } from "./standardize.ts";
import { simulatedUsers, utility } from "./users.ts";

export interface AttributesOptions {
  prompts: number;
  seed: number;
  pairsPerPrompt: number;
  labelsPerPair: number;
  beta: number;
  /** Strength of the taste all users share (0 = the symmetric setting). */
  consensus: number;
  source: string;
}

export interface AttributesBenchmark {
  comparisons: TextComparison[];
  sidecar: Sidecar;
  /** Share of non-tie labels that agree with the noise-free preference (how noisy beta makes them). */
  agreement: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export function generateAttributes(all: PromptResponses[], o: AttributesOptions): AttributesBenchmark {
  const rng = makeRng(o.seed);
  const chosen = shuffle(all.slice(), rng).slice(0, Math.min(o.prompts, all.length));
  chosen.sort((x, y) => x.id - y.id);
  // Empty responses cannot be embedded, so they are never candidates.
  const prompts = chosen.map((p) => ({
    prompt: p.prompt,
    responses: p.responses.filter((r) => r.text.trim().length > 0).map((r) => ({ generator: r.generator, text: r.text, raw: rawScores(r.text) })),
  }));
  const std = fitStandardization(prompts.flatMap((p) => p.responses.map((r) => r.raw)));
  const users = simulatedUsers(o.consensus);
  const labellers = Math.min(o.labelsPerPair, users.length);
  const comparisons: TextComparison[] = [];
  let agree = 0;
  let decided = 0;
  const scored = prompts.map((p) => ({ prompt: p.prompt, responses: p.responses.map((r) => ({ generator: r.generator, text: r.text, scores: standardize(r.raw, std) })) }));

  for (const p of scored) {
    const n = p.responses.length;
    const allPairs: [number, number][] = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) allPairs.push(rng() < 0.5 ? [i, j] : [j, i]);
    for (const [ia, ib] of shuffle(allPairs, rng).slice(0, o.pairsPerPrompt)) {
      const a = p.responses[ia];
      const b = p.responses[ib];
      for (const user of shuffle(users.slice(), rng).slice(0, labellers)) {
        const diff = utility(user, a.scores) - utility(user, b.scores);
        const label = diff === 0 ? 0.5 : rng() < sigmoid(o.beta * diff) ? 1 : 0;
        comparisons.push({ user: user.id, prompt: p.prompt, a: a.text, b: b.text, label });
        if (diff !== 0) {
          decided++;
          if ((diff > 0) === (label === 1)) agree++;
        }
      }
    }
  }
  const sidecar: Sidecar = {
    format: SIDECAR_FORMAT,
    source: o.source,
    seed: o.seed,
    beta: o.beta,
    consensus: o.consensus,
    attributes: ATTRIBUTES.map((a) => ({ name: a.name, poles: a.poles, rule: a.rule })),
    standardization: std,
    users,
    prompts: scored,
  };
  return { comparisons, sidecar, agreement: decided ? agree / decided : 1 };
}
