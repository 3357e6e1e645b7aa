// The 84 simulated users: one pole of each of two different attributes (7 choose 2 pairs x 2 x 2 poles). A user's
// noise-free utility of a response is the sum of the two standardised attribute scores, signed by the pole.
import { ATTRIBUTES } from "./scorers.ts";

export interface SimulatedUser {
  id: string;
  /** Attribute index and +1 (first pole) or -1 (second pole). */
  likes: { attribute: number; sign: 1 | -1 }[];
}

export function simulatedUsers(): SimulatedUser[] {
  const users: SimulatedUser[] = [];
  for (let i = 0; i < ATTRIBUTES.length; i++) {
    for (let j = i + 1; j < ATTRIBUTES.length; j++) {
      for (const si of [1, -1] as const) {
        for (const sj of [1, -1] as const) {
          const pole = (k: number, s: 1 | -1) => ATTRIBUTES[k].poles[s === 1 ? 0 : 1];
          users.push({ id: `${pole(i, si)}+${pole(j, sj)}`, likes: [{ attribute: i, sign: si }, { attribute: j, sign: sj }] });
        }
      }
    }
  }
  return users;
}

/** Noise-free utility of a response with standardised scores z for a user. */
export const utility = (user: SimulatedUser, z: ArrayLike<number>): number => user.likes.reduce((u, l) => u + l.sign * z[l.attribute], 0);
