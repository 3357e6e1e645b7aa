// How far a user's answers may move them from the population: the prior covariance's scale, chosen on validation
// users (training users kept out of the fit, never the evaluation users). Each validation user's comparisons are
// split into a pool and a test set, separately on the prompts the fit saw and on held-out validation prompts (new
// answers); for every candidate scale c the posterior under N(mu0, c Sigma0) after k pool answers predicts the test
// comparisons, for several k. The scale whose worse setting loses least predictive log-loss against the smallest
// scale wins. The smallest scale is "population only" for practical purposes, so where personal answers do not
// predict better than the population in either setting (people agree, labels are noisy, the bases do not carry to
// new answers), the served model stays the population model.
import { predictive } from "../../core/gaussian.ts";
import { gaussianFromCovariance } from "../../core/gaussian.ts";
import type { Gaussian, Observations, PrefCore } from "../../core/types.ts";
import { splitPoolTest } from "../data/pool-test.ts";
import { childSeed, makeRng, shuffle } from "../rng.ts";

export const PRIOR_SCALES = [1 / 256, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 4];
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

function curve(core: PrefCore, users: Prepared[], mu0: Float64Array, sigma0: Float64Array, J: number): ScaleScore[] {
  return PRIOR_SCALES.map((scale) => {
    const prior = gaussianFromCovariance(mu0, sigma0.map((v) => v * scale));
    let loss = 0;
    let acc = 0;
    let accUsers = 0;
    for (const u of users) {
      let userLoss = 0;
      let userAcc = 0;
      let decided = 0;
      for (const k of u.ks) {
        const posterior: Gaussian = core.fitPosterior(prior, subset(u.obs, u.pool.slice(0, k), J)).posterior;
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
    return { scale, log_loss: loss, accuracy: accUsers ? acc / accUsers : NaN };
  });
}

export function choosePriorScale(core: PrefCore, users: ValidationUser[], mu0: Float64Array, sigma0: Float64Array, J: number, seed: number): ScaleChoice {
  const settings: ScaleChoice["settings"] = {};
  for (const setting of ["seen", "unseen"] as const) {
    const prepared = prepare(users, setting, J, seed);
    if (prepared.length === 0) continue;
    settings[setting] = {
      curve: curve(core, prepared, mu0, sigma0, J),
      users: prepared.length,
      split: { prompt: prepared.filter((u) => u.by === "prompt").length, pair: prepared.filter((u) => u.by === "pair").length },
    };
  }
  const scored = Object.values(settings);
  if (scored.length === 0) return { scale: 1, settings };
  // The worse setting's loss against its own population-only loss (the first scale), per scale; ties keep the smaller.
  let best = 0;
  let bestRegret = Infinity;
  PRIOR_SCALES.forEach((_, i) => {
    const regret = Math.max(...scored.map((s) => s!.curve[i].log_loss - s!.curve[0].log_loss));
    if (regret < bestRegret - 1e-12) {
      best = i;
      bestRegret = regret;
    }
  });
  return { scale: PRIOR_SCALES[best], settings };
}
