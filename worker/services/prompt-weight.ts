// How much of a user's deviation from the population a ranking uses: all of it on prompts the basis's deviations were
// learned on, the basis's new-prompt weight elsewhere (pref-basis/3, core/known-prompts.ts; docs/model.md). A basis
// trained on an exported log knows its prompts by the tenant's keyed prompt hash, so that form is checked too.
import { promptKey, shrinkTowards } from "../../core/index.ts";
import type { Gaussian } from "../../core/types.ts";
import type { Bindings } from "../env.ts";
import { sha256Hex } from "../crypto.ts";
import { keyedFromSha256 } from "../keyed-hash.ts";
import type { ResidentBasis } from "./bases.ts";

/** 1 on a known prompt (or a basis without known prompts), else the basis's new-prompt weight. */
export async function deviationWeight(basis: ResidentBasis, env: Bindings, tenantId: string, prompt: string): Promise<number> {
  const prompts = basis.prompts;
  if (!prompts || prompts.newPromptWeight === 1) return 1;
  // promptKey(x) is SHA-256(x)'s first 8 bytes; the keyed hash is built on the same SHA-256, so it is computed once.
  const sha256 = await sha256Hex(prompt);
  if (prompts.known.has(sha256.slice(0, 16))) return 1;
  if (env.HASH_SECRET && prompts.known.has(await promptKey(await keyedFromSha256(env.HASH_SECRET, tenantId, "prompt", sha256)))) return 1;
  return prompts.newPromptWeight;
}

/** The posterior a ranking scores with, given the deviation weight for its prompt. */
export const servedPosterior = (basis: ResidentBasis, posterior: Gaussian, weight: number): Gaussian =>
  weight === 1 ? posterior : shrinkTowards(posterior, basis.prior.mean, weight);
