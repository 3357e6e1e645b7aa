// How much of a user's deviation from the population a ranking uses: all of it on prompts the basis's deviations were
// learned on, the basis's new-prompt weight elsewhere (pref-basis/3, core/known-prompts.ts; docs/model.md). A basis
// trained on an exported log knows its prompts by the tenant's keyed prompt hash, so that form is checked too.
import { promptKey, shrinkTowards } from "../../core/index.ts";
import type { Gaussian } from "../../core/types.ts";
import type { Bindings } from "../env.ts";
import type { LazyTextHashes } from "./hashes.ts";
import type { ResidentBasis } from "./bases.ts";

/** 1 on a known prompt (or a basis without known prompts), else the basis's new-prompt weight. */
export async function deviationWeight(basis: ResidentBasis, env: Bindings, prompt: LazyTextHashes): Promise<number> {
  const prompts = basis.prompts;
  if (!prompts || prompts.newPromptWeight === 1) return 1;
  // promptKey(x) is SHA-256(x)'s first 8 bytes: the request's prompt hash (computed once, shared with the question
  // path) serves as is; the keyed form is the keyed hash's key.
  if (prompts.known.has((await prompt.sha256()).slice(0, 16))) return 1;
  if (env.HASH_SECRET && prompts.known.has(await promptKey((await prompt.both()).keyed))) return 1;
  return prompts.newPromptWeight;
}

/** The posterior a ranking scores with, given the deviation weight for its prompt. */
export const servedPosterior = (basis: ResidentBasis, posterior: Gaussian, weight: number): Gaussian =>
  weight === 1 ? posterior : shrinkTowards(posterior, basis.prior.mean, weight);
