// A user's posterior as rank, questions and chat need it, from whichever store serves the tenant (stores/):
// the population prior for a user the store knows nothing about (or no user at all).
import type { Gaussian } from "../../core/types.ts";
import type { UserContext } from "./context.ts";

export interface UserPosterior {
  posterior: Gaussian;
  feedbackCount: number;
  /** Null for an unknown user. */
  updatedAt: number | null;
}

export async function userPosterior({ store, scope, basis }: UserContext, userId: string | undefined): Promise<UserPosterior> {
  const known = userId === undefined || userId === "" ? null : await store.current(scope, userId);
  return known ?? { posterior: basis.prior, feedbackCount: 0, updatedAt: null };
}
