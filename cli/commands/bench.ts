// `pref bench`: train + eval over several user/prompt splits (training seeds) and pool the held-out users of all
// of them, so ablations are compared on every user rather than on one split's 17. Used for docs/ results.
import type { QueryCriterion } from "../eval/methods.ts";
import path from "node:path";
import { type Command, Option } from "commander";
import { writeFileAtomic } from "../data/jsonl.ts";
import { mergeCalibrations } from "../eval/calibration.ts";
import { renderAccuracyChart } from "../eval/chart.ts";
import { type PerUserValues, METHODS, type SettingResult, curvesFrom, liftFrom } from "../eval/protocol.ts";
import { runEval } from "../eval/run.ts";
import { formatTable } from "../eval/table.ts";
import { integer, integerList, positive } from "../options.ts";
import { note } from "../progress.ts";
import { type TrainOptions, runTrain } from "../train/run.ts";
import { addTrainFlags } from "./train.ts";

interface BenchOptions extends TrainOptions {
  runs: number;
  queries: number[];
  seeds: number;
  criterion: QueryCriterion;
  perUserReg: number;
}

function pool(results: SettingResult[], withWin: boolean): SettingResult {
  const perUser = {} as PerUserValues;
  const calibration = {} as SettingResult["calibration"];
  for (const m of METHODS) {
    const cat = (f: (r: SettingResult) => number[][]) => results[0].k.map((_, ki) => results.flatMap((r) => f(r)[ki]));
    perUser[m] = {
      accuracy: cat((r) => r.perUser[m].accuracy),
      auc: cat((r) => r.perUser[m].auc),
      win: cat((r) => r.perUser[m].win),
      logLoss: cat((r) => r.perUser[m].logLoss),
    };
    calibration[m] = results[0].k.map((_, ki) => mergeCalibrations(results.map((r) => r.calibration[m][ki])));
  }
  const mean = (f: (r: SettingResult) => number) => Number((results.reduce((s, r) => s + f(r), 0) / results.length).toFixed(1));
  return {
    k: results[0].k,
    curves: curvesFrom(perUser, withWin),
    perUser,
    lift: { active: liftFrom(perUser, "active"), random: liftFrom(perUser, "random") },
    calibration,
    split: {
      prompt: results.reduce((s, r) => s + r.split.prompt, 0),
      pair: results.reduce((s, r) => s + r.split.pair, 0),
      skipped: results.reduce((s, r) => s + r.split.skipped, 0),
    },
    users: results.reduce((s, r) => s + r.users, 0),
    pool: mean((r) => r.pool),
    test: mean((r) => r.test),
  };
}

export function registerBench(program: Command): void {
  addTrainFlags(
    program
      .command("bench")
      .description("train + eval on several splits (seeds seed..seed+runs-1) and pool all held-out users: for ablations")
      .requiredOption("--data <file>", "comparisons JSONL (may be gzipped)")
      .requiredOption("--out <dir>", "directory for the runs and bench.json / bench.svg")
      .option("--runs <n>", "training splits", integer(1, 50), 3)
      .option("--queries <list>", "numbers of answers k", integerList, [0, 1, 2, 3, 5, 10, 20, 40])
      .option("--seeds <n>", "pool/test splits per user in each eval", integer(1, 100), 3)
      .addOption(new Option("--criterion <c>", "active query criterion").choices(["pref", "infogain", "variance-reduction"]).default("pref"))
      .option("--per-user-reg <g>", "L2 regularisation of the per-user baseline", positive, 1),
  )
    .addHelpText("after", "\nExample:\n  npx pref bench --data .cache/attrs.jsonl.gz --out runs/bench/default --holdout-prompts 0.2 --runs 3")
    .action(async (o: BenchOptions) => {
      const seen: SettingResult[] = [];
      const unseen: SettingResult[] = [];
      const times: { train: number; eval: number }[] = [];
      let withWin = false;
      for (let r = 0; r < o.runs; r++) {
        const dir = path.join(o.out, `seed-${o.seed + r}`);
        const trained = await runTrain({ ...o, seed: o.seed + r, out: dir });
        const evaluated = await runEval({ run: dir, queries: o.queries, seeds: o.seeds, criterion: o.criterion, perUserReg: o.perUserReg, cacheDir: o.cacheDir, embedUrl: o.embedUrl, embedKey: o.embedKey, quiet: true });
        withWin = withWin || evaluated.seen.curves.active.win_rate !== undefined;
        seen.push(evaluated.seen);
        if (evaluated.unseen) unseen.push(evaluated.unseen);
        times.push({ train: trained.seconds.total - (trained.seconds.embed ?? 0), eval: (evaluated.result.seconds as { total: number }).total });
      }
      const s = pool(seen, withWin);
      const u = unseen.length ? pool(unseen, withWin) : null;
      const strip = (x: SettingResult) => ({ k: x.k, users: x.users, split: x.split, pool_per_user: x.pool, test_per_user: x.test, curves: x.curves, lift: x.lift, calibration: x.calibration });
      const summary = {
        data: o.data,
        embedder: o.embedder,
        bases: o.bases,
        runs: o.runs,
        flags: {
          population: o.population,
          init: o.init,
          reg: o.reg,
          population_reg: o.populationReg,
          validate_users: o.validateUsers,
          validate_prompts: o.validatePrompts,
          refit: o.refit,
          prior_em: o.priorEm,
          iterations: o.iterations,
          holdout: o.holdout,
          holdout_prompts: o.holdoutPrompts,
          criterion: o.criterion,
          seeds: o.seeds,
          shrinkage: o.shrinkage,
        },
        seconds: times,
        seen: strip(s),
        ...(u ? { unseen_prompts: strip(u) } : {}),
      };
      writeFileAtomic(path.join(o.out, "bench.json"), JSON.stringify(summary, null, 1));
      const settings = [{ name: "prompts the basis saw", result: s }];
      if (u) settings.push({ name: "prompts the basis never saw", result: u });
      writeFileAtomic(path.join(o.out, "bench.svg"), await renderAccuracyChart(settings, `${o.embedder}, J=${o.bases}, ${o.runs} splits pooled`));
      process.stdout.write(`${formatTable(`seen prompts (${o.runs} splits pooled)`, s)}\n`);
      if (u) process.stdout.write(`\n${formatTable(`unseen prompts (${o.runs} splits pooled)`, u)}\n`);
      const avg = (f: (t: { train: number; eval: number }) => number) => (times.reduce((a, t) => a + f(t), 0) / times.length).toFixed(1);
      note(`mean train ${avg((t) => t.train)} s (excluding embedding), mean eval ${avg((t) => t.eval)} s; wrote ${path.join(o.out, "bench.json")}`);
    });
}
