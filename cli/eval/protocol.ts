// The evaluation protocol (docs/evaluation.md) for one setting (held-out users on the prompts the basis saw, or on
// prompts it never saw): per user and seed, a pool/test split (by prompt, or by pair for users with too few prompts),
// every method at every k, then the average over users (per-user values first averaged over seeds) with the
// standard error across users; plus calibration of the predicted probabilities against the users' actual choices.
import type { QueryCriterion } from "./methods.ts";
import { predictive, shrinkTowards } from "../../core/gaussian.ts";
import { sigmoid } from "../../core/logistic.ts";
import { phiDifference } from "../../core/phi.ts";
import type { Gaussian } from "../../core/types.ts";
import { startProgress } from "../progress.ts";
import { logLoss } from "../train/prior-scale.ts";
import { type Calibration, Reliability } from "./calibration.ts";
import type { EvalContext } from "./context.ts";
import { accuracy, meanStderr, symmetricAuc } from "./metrics.ts";
import { type Reward, lambdaReward, randomOrder, runActive, runOracle, runPerUser, runRandom } from "./methods.ts";
import { type UserSplit, splitUser } from "./users.ts";

export const METHODS = ["active", "random", "population", "per_user", "oracle"] as const;
export type Method = (typeof METHODS)[number];

export interface Curve {
  accuracy: number[];
  auc: number[];
  stderr: number[];
  auc_stderr: number[];
  /** Mean predictive log-loss per test comparison against the users' labels (ties included), and its stderr. */
  log_loss: number[];
  log_loss_stderr: number[];
  win_rate?: number[];
  win_rate_stderr?: number[];
}

/** Per method: metric -> [k][user] of per-user values (averaged over seeds), for pooling users across runs. */
export type PerUserValues = Record<Method, { accuracy: number[][]; auc: number[][]; win: number[][]; logLoss: number[][] }>;

/** How the evaluated users' pool and test sets were split, and how many users could not be evaluated. */
export interface SplitCounts {
  prompt: number;
  pair: number;
  skipped: number;
}

export interface SettingResult {
  k: number[];
  curves: Record<Method, Curve>;
  perUser: PerUserValues;
  /** Paired accuracy lift over the population model, per k: personalization's gain for the same users. */
  lift: { active: { mean: number[]; stderr: number[] }; random: { mean: number[]; stderr: number[] } };
  /** Reliability of each method's predicted probabilities, per k (pooled over users and seeds). */
  calibration: Record<Method, Calibration[]>;
  split: SplitCounts;
  users: number;
  /** Mean pool and test sizes per user (to read the numbers against). */
  pool: number;
  test: number;
}

export interface ProtocolOptions {
  ks: number[];
  seeds: number;
  criterion: QueryCriterion;
  perUserReg: number;
}

interface Scored {
  acc: number;
  auc: number;
  win: number;
  logLoss: number;
}

/** Probability that the user prefers a over b (items), from a method. */
type Probability = (a: number, b: number) => number;

function score(reward: Reward, probability: Probability, s: UserSplit, population: Float64Array, reliability: Reliability): Scored {
  const cache = new Map<number, number>();
  const r = (i: number) => {
    let v = cache.get(i);
    if (v === undefined) {
      v = reward(i);
      cache.set(i, v);
    }
    return v;
  };
  const m = s.testA.map((a, i) => r(a) - r(s.testB[i]));
  let win = NaN;
  if (s.winPrompts.length > 0) {
    let total = 0;
    for (const p of s.winPrompts) {
      const rewards = p.items.map(r);
      if (Math.max(...rewards) === Math.min(...rewards)) {
        total += 0.5; // no opinion (e.g. per_user with no answers): no pick of its own, neither win nor loss
        continue;
      }
      const pick = argmax(rewards);
      const popPick = argmax(p.items.map((i) => population[i]));
      const diff = p.utility[pick] - p.utility[popPick];
      total += diff > 0 ? 1 : diff === 0 ? 0.5 : 0;
    }
    win = total / s.winPrompts.length;
  }
  let loss = 0;
  for (let i = 0; i < s.label.length; i++) {
    const p = probability(s.labelA[i], s.labelB[i]);
    reliability.add(p, s.label[i]);
    loss += logLoss(p, s.label[i]) / s.label.length;
  }
  return { acc: accuracy(m, s.testTruth), auc: symmetricAuc(m, s.testTruth), win, logLoss: loss };
}

function argmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export function runSetting(ctx: EvalContext, users: string[], inSetting: (prompt: number) => boolean, setting: string, o: ProtocolOptions): SettingResult {
  const { ks } = o;
  const { J, phi } = ctx;
  // results[method][k][user] = per-seed scores
  const results = new Map<Method, Scored[][][]>(METHODS.map((m) => [m, ks.map(() => users.map(() => [] as Scored[]))]));
  const reliability = new Map<Method, Reliability[]>(METHODS.map((m) => [m, ks.map(() => new Reliability())]));
  const add = (m: Method, ki: number, ui: number, sc: Scored) => results.get(m)![ki][ui].push(sc);
  const population: Reward = (i) => ctx.population[i];
  const populationProbability: Probability = (a, b) => sigmoid(ctx.population[a] - ctx.population[b]);
  const posteriorProbability = (g: Gaussian): Probability => {
    const z = new Float64Array(J);
    return (a, b) => predictive(g, phiDifference(phi, J, a, b, z)).probability;
  };
  const rewardProbability = (r: Reward): Probability => (a, b) => sigmoid(r(a) - r(b));
  // What the service serves from a posterior: in full on the basis's known prompts, its deviation weighted on new
  // ones (pref-basis/3; both items of a comparison share a prompt).
  const newPrompt = ctx.onNewPrompt;
  const weight = ctx.basis.prompts?.newPromptWeight ?? 1;
  const served = (g: Gaussian): [Reward, Probability] => {
    const full: [Reward, Probability] = [lambdaReward(ctx, g.mean), posteriorProbability(g)];
    if (!newPrompt || weight === 1) return full;
    const shrunk = shrinkTowards(g, ctx.prior.mean, weight);
    const [onNew, pNew] = [lambdaReward(ctx, shrunk.mean), posteriorProbability(shrunk)];
    return [(i) => (newPrompt[i] ? onNew(i) : full[0](i)), (a, b) => (newPrompt[a] ? pNew(a, b) : full[1](a, b))];
  };
  const bar = startProgress(`eval ${setting}`, users.length * o.seeds);
  const split: SplitCounts = { prompt: 0, pair: 0, skipped: 0 };
  let poolSize = 0;
  let testSize = 0;
  let counted = 0;
  users.forEach((user, ui) => {
    let by: "prompt" | "pair" | null = null;
    for (let seed = 0; seed < o.seeds; seed++) {
      const s = splitUser(ctx, user, inSetting, seed, setting);
      bar.increment();
      if (s.by === null || s.poolA.length === 0 || s.testTruth.length === 0) continue;
      by = s.by;
      poolSize += s.poolA.length;
      testSize += s.testTruth.length;
      counted++;
      const sc = (m: Method, ki: number, reward: Reward, probability: Probability) => score(reward, probability, s, ctx.population, reliability.get(m)![ki]);
      const active = runActive(ctx, s, ks, o.criterion);
      const order = randomOrder(s, seed);
      const random = runRandom(ctx, s, ks, order);
      const perUser = runPerUser(ctx, s, ks, order, o.perUserReg);
      const oracle = runOracle(ctx, s);
      ks.forEach((k, ki) => {
        const a = active.get(k)!;
        const r = random.get(k)!;
        add("active", ki, ui, sc("active", ki, ...served(a)));
        add("random", ki, ui, sc("random", ki, ...served(r)));
        add("per_user", ki, ui, sc("per_user", ki, perUser.get(k)!, rewardProbability(perUser.get(k)!)));
        add("oracle", ki, ui, sc("oracle", ki, ...served(oracle)));
        add("population", ki, ui, sc("population", ki, population, populationProbability));
      });
    }
    if (by === null) split.skipped++;
    else split[by]++;
  });
  bar.stop();
  const perUserMean = (xs: Scored[], f: (s: Scored) => number) => meanStderr(xs.map(f)).mean;
  const perUser = {} as PerUserValues;
  const calibration = {} as Record<Method, Calibration[]>;
  for (const m of METHODS) {
    const byK = results.get(m)!;
    perUser[m] = {
      accuracy: byK.map((us) => us.map((xs) => perUserMean(xs, (x) => x.acc))),
      auc: byK.map((us) => us.map((xs) => perUserMean(xs, (x) => x.auc))),
      win: byK.map((us) => us.map((xs) => perUserMean(xs, (x) => x.win))),
      logLoss: byK.map((us) => us.map((xs) => perUserMean(xs, (x) => x.logLoss))),
    };
    calibration[m] = reliability.get(m)!.map((r) => r.result());
  }
  return {
    k: ks,
    curves: curvesFrom(perUser, ctx.judge !== null),
    perUser,
    lift: { active: liftFrom(perUser, "active"), random: liftFrom(perUser, "random") },
    calibration,
    split,
    users: split.prompt + split.pair,
    pool: round(poolSize / Math.max(1, counted), 1),
    test: round(testSize / Math.max(1, counted), 1),
  };
}

/** Accuracy of a method minus the population model's, per user (paired), then the mean and its standard error, per k. */
export function liftFrom(perUser: PerUserValues, method: Method): { mean: number[]; stderr: number[] } {
  const diffs = perUser[method].accuracy.map((users, ki) => users.map((a, ui) => a - perUser.population.accuracy[ki][ui]));
  const stats = diffs.map(meanStderr);
  return { mean: stats.map((x) => round(x.mean)), stderr: stats.map((x) => round(x.stderr)) };
}

/** Mean over users with the standard error across users, per method and k. */
export function curvesFrom(perUser: PerUserValues, withWinRate: boolean): Record<Method, Curve> {
  const curves = {} as Record<Method, Curve>;
  for (const m of METHODS) {
    const acc = perUser[m].accuracy.map(meanStderr);
    const auc = perUser[m].auc.map(meanStderr);
    const win = perUser[m].win.map(meanStderr);
    const loss = perUser[m].logLoss.map(meanStderr);
    curves[m] = {
      accuracy: acc.map((x) => round(x.mean)),
      auc: auc.map((x) => round(x.mean)),
      stderr: acc.map((x) => round(x.stderr)),
      auc_stderr: auc.map((x) => round(x.stderr)),
      log_loss: loss.map((x) => round(x.mean)),
      log_loss_stderr: loss.map((x) => round(x.stderr)),
    };
    if (withWinRate) {
      curves[m].win_rate = win.map((x) => round(x.mean));
      curves[m].win_rate_stderr = win.map((x) => round(x.stderr));
    }
  }
  return curves;
}

const round = (x: number, digits = 4) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : NaN);
