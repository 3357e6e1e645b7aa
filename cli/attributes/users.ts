// The 84 simulated users: one pole of each of two different attributes (7 choose 2 pairs x 2 x 2 poles). A user's
// noise-free utility of a response is a weighted sum of its standardised attribute scores: +-1 on their two poles,
// plus, in the consensus setting, `consensus` times a direction every user shares (most people like the same
// things and differ at the margins, which is what real preference data looks like; without it every pole has its
// opposite among the users and a pooled model learns nothing, by construction).
import { ATTRIBUTES } from "./scorers.ts";

export interface SimulatedUser {
  id: string;
  /** Attribute index and +1 (first pole) or -1 (second pole). */
  likes: { attribute: number; sign: 1 | -1 }[];
  /** Weight of each attribute's standardised score in the user's utility (first pole positive). */
  weights: number[];
}

/**
 * The shared taste of the consensus setting (unit length): fuller, politer, more confident and more formal answers,
 * the direction crowd raters of assistant answers are commonly reported to lean.
 */
export const CONSENSUS_TASTE: Record<string, number> = { length: 1, politeness: 1, confidence: 1, formality: 0.5 };

function consensusDirection(): number[] {
  const raw = ATTRIBUTES.map((a) => CONSENSUS_TASTE[a.name] ?? 0);
  const norm = Math.hypot(...raw);
  return raw.map((v) => v / norm);
}

export function simulatedUsers(consensus = 0): SimulatedUser[] {
  const shared = consensusDirection().map((v) => consensus * v);
  const users: SimulatedUser[] = [];
  for (let i = 0; i < ATTRIBUTES.length; i++) {
    for (let j = i + 1; j < ATTRIBUTES.length; j++) {
      for (const si of [1, -1] as const) {
        for (const sj of [1, -1] as const) {
          const pole = (k: number, s: 1 | -1) => ATTRIBUTES[k].poles[s === 1 ? 0 : 1];
          const weights = shared.slice();
          weights[i] += si;
          weights[j] += sj;
          users.push({ id: `${pole(i, si)}+${pole(j, sj)}`, likes: [{ attribute: i, sign: si }, { attribute: j, sign: sj }], weights });
        }
      }
    }
  }
  return users;
}

/** Noise-free utility of a response with standardised scores z for a user. */
export const utility = (user: Pick<SimulatedUser, "weights">, z: ArrayLike<number>): number => user.weights.reduce((u, w, k) => u + w * z[k], 0);
