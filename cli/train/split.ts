// Which users and prompts a basis never sees: held-out users (for evaluation) and, optionally, held-out prompts
// (to measure prompts the basis never saw, which is what production looks like). Seeded and recorded in split.json.
import { CliError } from "../errors.ts";
import type { Dataset } from "../data/dataset.ts";
import { childSeed, makeRng, shuffle } from "../rng.ts";

export interface Split {
  trainUsers: number[];
  heldoutUsers: number[];
  heldoutPrompts: Set<number>;
}

export function splitDataset(data: Dataset, holdoutUsers: number, holdoutPrompts: number, seed: number): Split {
  const nUsers = data.users.length;
  if (nUsers < 2) throw new CliError(`${data.file}: the data has ${nUsers} user; a basis needs comparisons from at least 2 users`);
  const users = shuffle(Array.from({ length: nUsers }, (_, i) => i), makeRng(childSeed(seed, "users")));
  let nHeld = Math.round(holdoutUsers * nUsers);
  if (holdoutUsers > 0) nHeld = Math.max(1, nHeld);
  if (nUsers - nHeld < 2) {
    throw new CliError(`--holdout ${holdoutUsers} leaves ${nUsers - nHeld} training user(s) of ${nUsers}; need at least 2`);
  }
  const nPrompts = data.prompts.length;
  const prompts = shuffle(Array.from({ length: nPrompts }, (_, i) => i), makeRng(childSeed(seed, "prompts")));
  let nHeldPrompts = Math.round(holdoutPrompts * nPrompts);
  if (holdoutPrompts > 0) nHeldPrompts = Math.max(1, nHeldPrompts);
  if (nHeldPrompts >= nPrompts) throw new CliError(`--holdout-prompts ${holdoutPrompts} leaves no prompt to train on (${nPrompts} prompts)`);
  const byIndex = (a: number, b: number) => a - b;
  return {
    trainUsers: users.slice(nHeld).sort(byIndex),
    heldoutUsers: users.slice(0, nHeld).sort(byIndex),
    heldoutPrompts: new Set(prompts.slice(0, nHeldPrompts)),
  };
}

/** A further fraction of the non-held-out prompts, kept out of the fit to score generalisation (model selection). */
export function pickValidationPrompts(data: Dataset, excluded: Set<number>, fraction: number, seed: number): Set<number> {
  if (!(fraction > 0)) return new Set();
  const candidates = shuffle(
    Array.from({ length: data.prompts.length }, (_, p) => p).filter((p) => !excluded.has(p)),
    makeRng(childSeed(seed, "validation-prompts")),
  );
  return new Set(candidates.slice(0, Math.max(1, Math.round(fraction * candidates.length))));
}
