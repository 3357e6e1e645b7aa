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

/** Fewest training prompts for holding validation responses out by prompt (else by response pair). */
const MIN_PROMPTS = 5;

export interface ValidationResponses {
  by: "prompt" | "pair";
  /** Prompts (or pairs) held out. */
  groups: number;
  /** Whether a dataset row's response pair is held out of the fit for validation. */
  has(row: number): boolean;
}

/**
 * A fraction of the training prompts' responses kept out of the fit: hyperparameters are chosen on how the fit does
 * on answers it never saw, as production meets them. By prompt; by response pair when the data has too few prompts
 * (e.g. every comparison shares one prompt).
 */
export function pickValidationResponses(data: Dataset, excluded: Set<number>, fraction: number, seed: number): ValidationResponses | null {
  if (!(fraction > 0)) return null;
  const rng = makeRng(childSeed(seed, "validation-prompts"));
  const prompts = Array.from({ length: data.prompts.length }, (_, p) => p).filter((p) => !excluded.has(p));
  const take = (n: number) => Math.max(1, Math.round(fraction * n));
  if (prompts.length >= MIN_PROMPTS) {
    const held = new Set(shuffle(prompts, rng).slice(0, take(prompts.length)));
    return { by: "prompt", groups: held.size, has: (r) => held.has(data.prompt[r]) };
  }
  const nItems = data.items.length;
  const pairOf = (r: number) => Math.min(data.a[r], data.b[r]) * nItems + Math.max(data.a[r], data.b[r]);
  const pairs = new Set<number>();
  for (let r = 0; r < data.n; r++) if (!excluded.has(data.prompt[r])) pairs.add(pairOf(r));
  if (pairs.size < 2) return null;
  const held = new Set(shuffle([...pairs].sort((a, b) => a - b), rng).slice(0, take(pairs.size)));
  return { by: "pair", groups: held.size, has: (r) => held.has(pairOf(r)) };
}

/** Most validation users: enough to choose two hyperparameters well, without taking users from a large fit. */
export const MAX_VALIDATION_USERS = 2000;

/**
 * A fraction of the training users kept out of the fit, on whom the prior's scale is chosen: new users, like the
 * evaluation's, yet never the evaluation users themselves.
 */
export function pickValidationUsers(trainUsers: number[], fraction: number, seed: number): { fit: number[]; validation: number[] } {
  if (!(fraction > 0)) return { fit: trainUsers, validation: [] };
  const n = Math.min(MAX_VALIDATION_USERS, Math.max(2, Math.round(fraction * trainUsers.length)));
  if (trainUsers.length - n < 2) return { fit: trainUsers, validation: [] };
  const order = shuffle(trainUsers.slice(), makeRng(childSeed(seed, "validation-users")));
  const byIndex = (a: number, b: number) => a - b;
  return { fit: order.slice(n).sort(byIndex), validation: order.slice(0, n).sort(byIndex) };
}
