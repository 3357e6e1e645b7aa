// `pref eval` end to end: load the run, evaluate held-out users on seen prompts (and on unseen prompts when training
// held some out), write DIR/eval.json and DIR/eval.svg, print the table.
import type { QueryCriterion } from "./methods.ts";
import path from "node:path";
import { writeFileAtomic } from "../data/jsonl.ts";
import { CliError } from "../errors.ts";
import type { EmbedderFlags } from "../embedders/flags.ts";
import { note } from "../progress.ts";
import { renderAccuracyChart } from "./chart.ts";
import { type BasisComparison, compareResults, formatComparison } from "./compare.ts";
import { evalContext, loadEvalRun, readBasisFile } from "./context.ts";
import { type SettingResult, runSetting } from "./protocol.ts";
import { formatTable } from "./table.ts";

export interface EvalOptions extends Partial<EmbedderFlags> {
  run: string;
  queries: number[];
  seeds: number;
  criterion: QueryCriterion;
  perUserReg: number;
  data?: string;
  out?: string;
  /** Do not print the table (callers that aggregate several runs print their own). */
  quiet?: boolean;
  /** Another basis artifact to compare the run's basis against, on the same users and splits. */
  compare?: string;
  /** The margin the candidate must beat the other basis by to be called better. */
  margin?: number;
}

export interface EvalOutcome {
  result: Record<string, unknown>;
  seen: SettingResult;
  unseen: SettingResult | null;
  comparison: BasisComparison | null;
}

export async function runEval(o: EvalOptions): Promise<EvalOutcome> {
  const t0 = performance.now();
  const run = await loadEvalRun(o.run, o);
  const ctx = await evalContext(run, run.basis, o);
  const tLoaded = performance.now();
  const heldoutPrompts = new Set(ctx.split.prompts.heldout.map((p) => ctx.data.prompts.indexOf(p)).filter((i) => i >= 0));
  const users = ctx.split.users.heldout;
  const protocol = { ks: o.queries, seeds: o.seeds, criterion: o.criterion, perUserReg: o.perUserReg };
  const seen = runSetting(ctx, users, (p) => !heldoutPrompts.has(p), "seen", protocol);
  if (seen.users === 0) {
    throw new CliError(
      `none of the ${users.length} held-out users can be evaluated: each needs comparisons on at least two distinct response pairs (one for the pool, one for the test)`,
    );
  }
  let unseen: SettingResult | null = null;
  if (heldoutPrompts.size > 0) unseen = runSetting(ctx, users, (p) => heldoutPrompts.has(p), "unseen", protocol);
  let comparison: BasisComparison | null = null;
  if (o.compare) {
    const other = readBasisFile(o.compare);
    const otherSeen = runSetting(await evalContext(run, other, o), users, (p) => !heldoutPrompts.has(p), "seen", protocol);
    comparison = compareResults(seen, otherSeen, { candidate: run.basis.artifact.id, current: other.artifact.id }, o.margin ?? 0);
  }
  const tDone = performance.now();

  const result: Record<string, unknown> = {
    dataset: ctx.data.file,
    embedder: ctx.basis.artifact.embedder.id,
    basis: ctx.basis.artifact.id,
    bases: ctx.J,
    users: { train: ctx.split.users.train.length, heldout: users.length },
    k: seen.k,
    seeds: o.seeds,
    criterion: o.criterion,
    truth: ctx.judge ? "each simulated user's noise-free preference (judging sidecar), ties excluded" : "labels, ties excluded",
    split: seen.split,
    pool_per_user: seen.pool,
    test_per_user: seen.test,
    curves: seen.curves,
    lift: seen.lift,
    calibration: seen.calibration,
  };
  if (comparison) result.comparison = comparison;
  if (!ctx.judge) result.win_rate = "not measured: needs each test prompt's candidate set and the user's utility of every candidate (a judging sidecar)";
  if (unseen) {
    result.unseen_prompts = {
      k: unseen.k,
      prompts: heldoutPrompts.size,
      split: unseen.split,
      pool_per_user: unseen.pool,
      test_per_user: unseen.test,
      curves: unseen.curves,
      lift: unseen.lift,
      calibration: unseen.calibration,
    };
  }
  result.seconds = { load: round((tLoaded - t0) / 1000), protocol: round((tDone - tLoaded) / 1000), total: round((performance.now() - t0) / 1000) };

  const outDir = o.out ?? o.run;
  const settings = [{ name: "prompts the basis saw", result: seen }];
  if (unseen) settings.push({ name: "prompts the basis never saw", result: unseen });
  const svg = await renderAccuracyChart(settings, `${path.basename(ctx.data.file)}: ${ctx.basis.artifact.embedder.id}, J=${ctx.J}, ${users.length} held-out users`);
  writeFileAtomic(path.join(outDir, "eval.json"), JSON.stringify(result, null, 1));
  writeFileAtomic(path.join(outDir, "eval.svg"), svg);
  if (!o.quiet) {
    process.stdout.write(`${formatTable("seen prompts", seen, ctx.judge !== null)}\n`);
    if (unseen) process.stdout.write(`\n${formatTable("unseen prompts", unseen, ctx.judge !== null)}\n`);
    if (comparison) process.stdout.write(`\n${formatComparison(comparison)}\n`);
  }
  note(`eval took ${(result.seconds as { total: number }).total} s (${(result.seconds as { protocol: number }).protocol} s protocol); wrote ${path.join(outDir, "eval.json")} and eval.svg`);
  return { result, seen, unseen, comparison };
}

const round = (x: number) => Number(x.toFixed(2));
