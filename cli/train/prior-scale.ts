// How far a user's answers may move them from the population, chosen on validation users (training users kept out
// of the fit, never the evaluation users). Each validation user's comparisons are split into a pool and a test set,
// separately on the prompts the fit saw ("seen") and on held-out validation prompts (new answers, "unseen"); the
// posterior after k pool answers (several k) predicts the test comparisons, scored by predictive log-loss.
// - The prior covariance's scale c (posterior under N(mu0, c Sigma0)) is the one best on seen prompts.
// - Under it, the weight w of a user's deviation on prompts the basis was not trained on (the posterior seen as
//   mu0 + w (lambda - mu0)) is the one best on the new prompts. The smallest scale and weight are "population
//   only" for practical purposes, so where personal answers do not predict better than the population (people
//   agree, labels are noisy, the bases do not carry to new answers), that is what is served.
// When the new answers were held out by pair rather than by prompt (data sets with very few prompts), serving cannot
// tell them apart by prompt: one scale then minimises the worse setting's loss above population-only, weight 1.
import { gaussianFromCovariance, predictive, shrinkTowards } from "../../core/gaussian.ts";
import type { Gaussian, Observations, PrefCore } from "../../core/types.ts";
import { splitPoolTest } from "../data/pool-test.ts";
import { childSeed, makeRng, shuffle } from "../rng.ts";

export const PRIOR_SCALES = [1 / 256, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 4];
/** Weights of a user's deviation on new prompts (the smallest is practically the population model). */
export const NEW_PROMPT_WEIGHTS = [1 / 64, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1];
/** Answers after which each scale is scored (capped at the user's pool), plus the whole pool. */
export const VALIDATION_KS = [1, 2, 5, 10, 20, 40];

export type Setting = "seen" | "unseen";

export interface ValidationUser {
  /** Comparisons in the served basis. */
  obs: Observations;
  /** Prompt and unordered-pair ids per comparison (for the pool/test split). */
  prompt: Int32Array;
  pair: Int32Array;
  /** 1 where the comparison's responses were held out of the fit (validation prompts). */
  unseen: Uint8Array;
}

export interface ScaleScore {
  scale: number;
  log_loss: number;
  accuracy: number;
}

export interface ScaleChoice {
  scale: number;
  /** The weight of a user's deviation on prompts the basis was not trained on (core/known-prompts.ts). */
  newPromptWeight: number;
  /** Under the chosen scale: new-prompt log-loss and accuracy per weight. */
  weights?: { weight: number; log_loss: number; accuracy: number }[];
  /** Per setting: the curve over the scales, and how many users were scored (and how they were split). */
  settings: Partial<Record<Setting, { curve: ScaleScore[]; users: number; split: { prompt: number; pair: number } }>>;
}

/** -log-likelihood of a (soft) label under a predicted probability, clamped away from 0 and 1. */
export function logLoss(p: number, label: number): number {
  const q = Math.min(1 - 1e-15, Math.max(1e-15, p));
  return -(label * Math.log(q) + (1 - label) * Math.log(1 - q));
}

function subset(o: Observations, rows: number[], J: number): Observations {
  const z = new Float64Array(rows.length * J);
  rows.forEach((r, k) => z.set(o.z.subarray(r * J, r * J + J), k * J));
  return { n: rows.length, z, label: Float64Array.from(rows, (r) => o.label[r]), weight: new Float64Array(rows.length).fill(1) };
}

interface Prepared {
  obs: Observations;
  pool: number[];
  ks: number[];
  test: Observations;
  by: "prompt" | "pair";
}

function prepare(users: ValidationUser[], setting: Setting, J: number, seed: number): Prepared[] {
  const out: Prepared[] = [];
  users.forEach((u, ui) => {
    const rows = Array.from({ length: u.obs.n }, (_, i) => i).filter((i) => (u.unseen[i] === 1) === (setting === "unseen"));
    const rng = makeRng(childSeed(seed, "validation-split", setting, ui));
    const split = splitPoolTest(
      rows.map((i) => u.prompt[i]),
      rows.map((i) => u.pair[i]),
      rng,
    );
    if (split.by === null || split.test.length === 0 || split.pool.length === 0) return;
    const pool = shuffle(
      split.pool.map((k) => rows[k]),
      makeRng(childSeed(seed, "validation-order", setting, ui)),
    );
    const ks = [...new Set([...VALIDATION_KS.filter((k) => k < pool.length), pool.length])];
    out.push({ obs: u.obs, pool, ks, test: subset(u.obs, split.test.map((k) => rows[k]), J), by: split.by });
  });
  return out;
}

/** Mean predictive log-loss and accuracy over users of the posterior after k pool answers, shown through `view`. */
function scoreUsers(core: PrefCore, users: Prepared[], prior: Gaussian, J: number, view: (g: Gaussian) => Gaussian): { log_loss: number; accuracy: number } {
  let loss = 0;
  let acc = 0;
  let accUsers = 0;
  for (const u of users) {
    let userLoss = 0;
    let userAcc = 0;
    let decided = 0;
    for (const k of u.ks) {
      const posterior = view(core.fitPosterior(prior, subset(u.obs, u.pool.slice(0, k), J)).posterior);
      for (let i = 0; i < u.test.n; i++) {
        const p = predictive(posterior, u.test.z.subarray(i * J, i * J + J));
        const l = u.test.label[i];
        userLoss += logLoss(p.probability, l) / (u.test.n * u.ks.length);
        if (l === 0.5) continue;
        decided++;
        userAcc += p.probability === 0.5 ? 0.5 : (p.probability > 0.5) === (l > 0.5) ? 1 : 0;
      }
    }
    loss += userLoss / users.length;
    if (decided > 0) {
      acc += userAcc / decided;
      accUsers++;
    }
  }
  return { log_loss: loss, accuracy: accUsers ? acc / accUsers : NaN };
}

const scaled = (mu0: Float64Array, sigma0: Float64Array, scale: number) => gaussianFromCovariance(mu0, sigma0.map((v) => v * scale));

/** argmin of the log-loss; ties keep the earlier (smaller) value. */
function argminLoss(curve: { log_loss: number }[]): number {
  let best = 0;
  curve.forEach((c, i) => {
    if (c.log_loss < curve[best].log_loss - 1e-12) best = i;
  });
  return best;
}

export function choosePriorScale(
  core: PrefCore,
  users: ValidationUser[],
  mu0: Float64Array,
  sigma0: Float64Array,
  J: number,
  seed: number,
  newAnswersByPrompt: boolean,
): ScaleChoice {
  const settings: ScaleChoice["settings"] = {};
  const prepared: Partial<Record<Setting, Prepared[]>> = {};
  for (const setting of ["seen", "unseen"] as const) {
    const p = prepare(users, setting, J, seed);
    if (p.length === 0) continue;
    prepared[setting] = p;
    settings[setting] = {
      curve: PRIOR_SCALES.map((scale) => ({ scale, ...scoreUsers(core, p, scaled(mu0, sigma0, scale), J, (g) => g) })),
      users: p.length,
      split: { prompt: p.filter((u) => u.by === "prompt").length, pair: p.filter((u) => u.by === "pair").length },
    };
  }
  const { seen, unseen } = settings;
  if (!seen && !unseen) return { scale: 1, newPromptWeight: 1, settings };
  if (!seen || !unseen) {
    // One setting only: its best scale, in full everywhere (there is nothing to tell the two apart by).
    return { scale: PRIOR_SCALES[argminLoss((seen ?? unseen)!.curve)], newPromptWeight: 1, settings };
  }
  if (!newAnswersByPrompt) {
    const regret = PRIOR_SCALES.map((_, i) => ({ log_loss: Math.max(seen.curve[i].log_loss - seen.curve[0].log_loss, unseen.curve[i].log_loss - unseen.curve[0].log_loss) }));
    return { scale: PRIOR_SCALES[argminLoss(regret)], newPromptWeight: 1, settings };
  }
  // The scale for prompts the deviations were learned on; then, under it, how much of a user's deviation to keep on
  // new prompts. The smallest weight is the population model for practical purposes, so where deviations do not
  // carry to new answers, new prompts are served the population model.
  const scale = PRIOR_SCALES[argminLoss(seen.curve)];
  const prior = scaled(mu0, sigma0, scale);
  const weights = NEW_PROMPT_WEIGHTS.map((weight) => ({ weight, ...scoreUsers(core, prepared.unseen!, prior, J, (g) => shrinkTowards(g, mu0, weight)) }));
  const newPromptWeight = NEW_PROMPT_WEIGHTS[argminLoss(weights)];
  return { scale, newPromptWeight, settings, weights };
}
