// The evaluation protocol of DESIGN.md section 5 for one setting (held-out users on the prompts the basis saw, or on
// prompts it never saw): per user and seed, pool/test split by prompt, every method at every k, then the average over
// users (per-user values first averaged over seeds) with the standard error across users.
import type { QueryCriterion } from "./methods.ts";
import type { Gaussian } from "../../core/types.ts";
import { startProgress } from "../progress.ts";
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
  win_rate?: number[];
  win_rate_stderr?: number[];
}

/** Per method: metric -> [k][user] of per-user values (averaged over seeds), for pooling users across runs. */
export type PerUserValues = Record<Method, { accuracy: number[][]; auc: number[][]; win: number[][] }>;

export interface SettingResult {
  k: number[];
  curves: Record<Method, Curve>;
  perUser: PerUserValues;
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
}

function score(reward: Reward, s: UserSplit, population: Float64Array): Scored {
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
  return { acc: accuracy(m, s.testTruth), auc: symmetricAuc(m, s.testTruth), win };
}

function argmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export function runSetting(ctx: EvalContext, users: string[], inSetting: (prompt: number) => boolean, setting: string, o: ProtocolOptions): SettingResult {
  const { ks } = o;
  // results[method][k][user] = per-seed scores
  const results = new Map<Method, Scored[][][]>(METHODS.map((m) => [m, ks.map(() => users.map(() => [] as Scored[]))]));
  const add = (m: Method, ki: number, ui: number, sc: Scored) => results.get(m)![ki][ui].push(sc);
  const population: Reward = (i) => ctx.population[i];
  const bar = startProgress(`eval ${setting}`, users.length * o.seeds);
  let poolSize = 0;
  let testSize = 0;
  let counted = 0;
  users.forEach((user, ui) => {
    for (let seed = 0; seed < o.seeds; seed++) {
      const s = splitUser(ctx, user, inSetting, seed, setting);
      bar.increment();
      if (s.poolA.length === 0 || s.testTruth.length === 0) continue;
      poolSize += s.poolA.length;
      testSize += s.testTruth.length;
      counted++;
      const asReward = (g: Gaussian) => lambdaReward(ctx, g.mean);
      const active = runActive(ctx, s, ks, o.criterion);
      const order = randomOrder(s, seed);
      const random = runRandom(ctx, s, ks, order);
      const perUser = runPerUser(ctx, s, ks, order, o.perUserReg);
      const oracle = score(asReward(runOracle(ctx, s)), s, ctx.population);
      const pop = score(population, s, ctx.population);
      ks.forEach((k, ki) => {
        add("active", ki, ui, score(asReward(active.get(k)!), s, ctx.population));
        add("random", ki, ui, score(asReward(random.get(k)!), s, ctx.population));
        add("per_user", ki, ui, score(perUser.get(k)!, s, ctx.population));
        add("oracle", ki, ui, oracle);
        add("population", ki, ui, pop);
      });
    }
  });
  bar.stop();
  const perUserMean = (xs: Scored[], f: (s: Scored) => number) => meanStderr(xs.map(f)).mean;
  const perUser = {} as PerUserValues;
  for (const m of METHODS) {
    const byK = results.get(m)!;
    perUser[m] = {
      accuracy: byK.map((us) => us.map((xs) => perUserMean(xs, (x) => x.acc))),
      auc: byK.map((us) => us.map((xs) => perUserMean(xs, (x) => x.auc))),
      win: byK.map((us) => us.map((xs) => perUserMean(xs, (x) => x.win))),
    };
  }
  return {
    k: ks,
    curves: curvesFrom(perUser, ctx.judge !== null),
    perUser,
    users: users.length,
    pool: round(poolSize / Math.max(1, counted), 1),
    test: round(testSize / Math.max(1, counted), 1),
  };
}

/** Mean over users with the standard error across users, per method and k. */
export function curvesFrom(perUser: PerUserValues, withWinRate: boolean): Record<Method, Curve> {
  const curves = {} as Record<Method, Curve>;
  for (const m of METHODS) {
    const acc = perUser[m].accuracy.map(meanStderr);
    const auc = perUser[m].auc.map(meanStderr);
    const win = perUser[m].win.map(meanStderr);
    curves[m] = {
      accuracy: acc.map((x) => round(x.mean)),
      auc: auc.map((x) => round(x.mean)),
      stderr: acc.map((x) => round(x.stderr)),
      auc_stderr: auc.map((x) => round(x.stderr)),
    };
    if (withWinRate) {
      curves[m].win_rate = win.map((x) => round(x.mean));
      curves[m].win_rate_stderr = win.map((x) => round(x.stderr));
    }
  }
  return curves;
}

const round = (x: number, digits = 4) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : NaN);
