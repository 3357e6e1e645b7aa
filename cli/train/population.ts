// The population reward: one pooled Bradley-Terry model on every training user's comparisons, w_pop . e. It is the
// reward of a user with no answers and the offset every personal deviation is fitted on top of.
//
// Its regularisation is chosen for responses the fit never saw, as production meets them: the grid is scored on the
// training users' comparisons of held-out validation prompts. Scoring on pairs the fit has seen instead rewards
// memorising each pair's average label, which is worthless on new answers (measured in docs/results.md).
import { designMap, type PairDesign, projectPairs } from "./design.ts";
import { fitAccuracy, meanLogLikelihood } from "./fit-metrics.ts";
import { fitLogistic } from "./logistic-regression.ts";
import type { PairObservations } from "./pairs.ts";

export interface RegScore {
  reg: number;
  log_loss: number;
  accuracy: number;
}

export interface PopulationFit {
  w: Float64Array;
  reg: number;
  /** The validation curve the regularisation was chosen on (null when it was given). */
  validation: RegScore[] | null;
}

/** The grid, tried from the strongest regularisation down with warm starts until the score turns. */
export const POPULATION_REGS = [3000, 1000, 300, 100, 30, 10, 3, 1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001];

function aggregate(obs: PairObservations): { trials: Float64Array; wins: Float64Array } {
  const trials = new Float64Array(obs.P);
  const wins = new Float64Array(obs.P);
  for (let i = 0; i < obs.n; i++) {
    trials[obs.pair[i]] += 1;
    wins[obs.pair[i]] += obs.label[i];
  }
  return { trials, wins };
}

/** Mean log-loss and accuracy (ties excluded) of per-pair margins against the observations' labels. */
export function scoreMargins(obs: PairObservations, pairMargins: Float64Array): { log_loss: number; accuracy: number } {
  const m = Float64Array.from(obs.pair, (p) => pairMargins[p]);
  return { log_loss: -meanLogLikelihood(obs, m), accuracy: fitAccuracy(obs, m) };
}

export function fitPopulation(
  design: PairDesign,
  obs: PairObservations,
  o: { reg: number | "auto"; validation: { design: PairDesign; obs: PairObservations } | null; onStep?: () => void },
): PopulationFit {
  const { trials, wins } = aggregate(obs);
  const fit = (reg: number, init?: Float64Array) => fitLogistic(designMap(design), trials, wins, { reg, maxNewton: 30, init, onStep: o.onStep });
  if (o.reg !== "auto" || !o.validation || o.validation.obs.n === 0) {
    const reg = o.reg === "auto" ? 1 : o.reg;
    return { w: fit(reg), reg, validation: null };
  }
  const val = o.validation;
  const curve: RegScore[] = [];
  let best: { w: Float64Array; score: RegScore } | null = null;
  let worse = 0;
  let w: Float64Array | undefined;
  for (const reg of POPULATION_REGS) {
    w = fit(reg, w);
    const score = { reg, ...scoreMargins(val.obs, projectPairs(val.design, w, 1)) };
    curve.push(score);
    if (!best || score.log_loss < best.score.log_loss) {
      best = { w, score };
      worse = 0;
    } else if (++worse >= 2) break; // past the minimum: weaker regularisation only overfits more
  }
  return { w: best!.w, reg: best!.score.reg, validation: curve };
}
