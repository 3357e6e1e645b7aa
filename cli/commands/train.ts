// `pref train`: PReF offline learning (DESIGN.md section 2) -> DIR/basis.json, DIR/split.json, DIR/population.json.
import { type Command, Option } from "commander";
import { addEmbedderFlags } from "../embedders/flags.ts";
import { fraction, integer, nonNegative, positive } from "../options.ts";
import { type TrainOptions, runTrain } from "../train/run.ts";

/** The learning flags, shared by `train` and `bench`. */
export function addTrainFlags(command: Command): Command {
  return addEmbedderFlags(
    command
      .option("--bases <J>", "number of base rewards J", integer(1, 64), 8)
      .option("--holdout <f>", "fraction of users held out for eval (0 = train on everyone)", fraction(0, 0.95), 0.2)
      .option("--holdout-prompts <f>", "fraction of prompts kept out of training (eval then also reports unseen prompts)", fraction(0, 0.95), 0)
      .option("--seed <s>", "random seed (user and prompt split, random init)", integer(0), 1)
      .addOption(new Option("--init <mode>", "initialisation: svd-centered (P - 0.5), svd (the paper's, entries in [0,1]) or random (no SVD init)").choices(["svd-centered", "svd", "random"]).default("svd-centered"))
      .option("--impute-rank <r>", "rank of the SVD imputation's reconstruction (default J; the paper used min(100, rank))", integer(1))
      .option("--impute-iterations <n>", "SVD imputation rounds", integer(0), 10)
      .option("--ridge <a>", "ridge of the W fit to the SVD targets, relative to trace(X^T X)/d", nonNegative, 0.01)
      .option("--reg <g>", "L2 regularisation of W and of every lambda_u in the joint fit (chosen by --validate-prompts, docs/results.md)", positive, 10)
      .option("--iterations <n>", "alternating rounds (lambda step + W step) at most", integer(0), 30)
      .option("--tolerance <t>", "stop alternating when the objective improves by less than this fraction", positive, 1e-5)
      .option("--shrinkage <s>", "shrinkage of the prior covariance towards a multiple of I", fraction(0, 1), 0.1)
      .option("--prior-em <n>", "empirical-Bayes (EM) rounds fitting the prior to the training users' posteriors (0 = covariance of their fitted weights)", integer(0), 0)
      .option("--validate-prompts <f>", "hold out this fraction of the training prompts and report the training users' accuracy on them (model selection without the eval users)", fraction(0, 0.9), 0)
      .option("--population-reg <g>", "L2 regularisation of the pooled population model", positive, 1),
  );
}

export function registerTrain(program: Command): void {
  addTrainFlags(
    program
      .command("train")
      .description("learn a basis (W, population prior) from many users' comparisons; writes DIR/basis.json and DIR/split.json")
      .requiredOption("--data <file>", "comparisons JSONL (may be gzipped)")
      .requiredOption("--out <dir>", "run directory to write"),
  )
    .addHelpText("after", "\nExample:\n  npx pref train --data .cache/attrs.jsonl.gz --out runs/attrs --bases 8 --holdout 0.2 --holdout-prompts 0.2")
    .action(async (o: TrainOptions) => {
      await runTrain(o);
    });
}
