// The prior's scale and the new-prompt weight chosen on validation users: planted users whose deviation either does or
// does not carry to new prompts, scored by the same rule `pref train` uses.
import { describe, expect, it } from "vitest";
import { createReferenceCore } from "../../core/reference.ts";
import { sigmoid } from "../../core/logistic.ts";
import { Mulberry32 } from "../../core/prng.ts";
import { NEW_PROMPT_WEIGHTS, PRIOR_SCALES, type ValidationUser, choosePriorScale } from "../../cli/train/prior-scale.ts";

const J = 2; // the population base, then one deviation
const mu0 = Float64Array.from([1, 0]);
const sigma0 = Float64Array.from([1e-6, 0, 0, 1]);

/** 60 users, each 60 comparisons on 12 seen prompts and 60 on 12 new ones; `carries`: the deviation acts on new prompts too. */
function users(carries: boolean, seed: number): ValidationUser[] {
  const rng = new Mulberry32(seed);
  const uniform = () => rng.nextU32() / 4294967296;
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return Array.from({ length: 60 }, () => {
    const lambda = uniform() < 0.5 ? -1.5 : 1.5;
    const n = 120;
    const z = new Float64Array(n * J);
    const label = new Float64Array(n);
    const unseen = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const isNew = i >= 60;
      z[i * J] = normal();
      z[i * J + 1] = 1.5 * normal();
      const margin = z[i * J] + (isNew && !carries ? 0 : lambda * z[i * J + 1]);
      label[i] = uniform() < sigmoid(margin) ? 1 : 0;
      unseen[i] = isNew ? 1 : 0;
    }
    return {
      obs: { n, z, label, weight: new Float64Array(n).fill(1) },
      prompt: Int32Array.from({ length: n }, (_, i) => Math.floor(i / 5)),
      pair: Int32Array.from({ length: n }, (_, i) => i),
      unseen,
    };
  });
}

describe("choosing the prior's scale and the new-prompt weight", () => {
  const core = createReferenceCore();

  it("a deviation that does not carry to new prompts: full scale on known prompts, the population model on new ones", () => {
    const choice = choosePriorScale(core, users(false, 1), mu0, sigma0, J, 1, true);
    expect(choice.scale).toBeGreaterThanOrEqual(1 / 4);
    expect(choice.newPromptWeight).toBeLessThanOrEqual(1 / 16);
    // The choice is the argmin of what it reports.
    const seen = choice.settings.seen!.curve;
    expect(seen.find((c) => c.scale === choice.scale)!.log_loss).toBe(Math.min(...seen.map((c) => c.log_loss)));
    expect(choice.weights!.map((w) => w.weight)).toEqual(NEW_PROMPT_WEIGHTS);
  });

  it("a deviation that carries: most of it is kept on new prompts too", () => {
    const choice = choosePriorScale(core, users(true, 2), mu0, sigma0, J, 1, true);
    expect(choice.scale).toBeGreaterThanOrEqual(1 / 4);
    expect(choice.newPromptWeight).toBeGreaterThanOrEqual(1 / 2);
  });

  it("new answers held out by pair cannot be told apart by prompt: one scale for both settings, weight 1", () => {
    const choice = choosePriorScale(core, users(false, 1), mu0, sigma0, J, 1, false);
    expect(choice.newPromptWeight).toBe(1);
    expect(choice.weights).toBeUndefined();
    // The conservative rule: the scale is smaller than the one best on seen prompts alone.
    expect(choice.scale).toBeLessThan(choosePriorScale(core, users(false, 1), mu0, sigma0, J, 1, true).scale);
    expect(PRIOR_SCALES).toContain(choice.scale);
  });
});
