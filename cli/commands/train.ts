// `pref train`: PReF offline learning (docs/model.md) -> DIR/basis.json, DIR/split.json, DIR/population.json.
import { type Command, Option } from "commander";
import { addEmbedderFlags } from "../embedders/flags.ts";
import { fraction, integer, nonNegative, positive, positiveOrAuto } from "../options.ts";
import { type TrainOptions, runTrain } from "../train/run.ts";

/** The learning flags, shared by `train` and `bench`. */
export function addTrainFlags(command: Command): Command {
  return addEmbedderFlags(
    command
      .option("--bases <J>", "number of personal base rewards J (the basis serves one more: the population reward)", integer(1, 63), 8)
      .option("--no-population", "plain factorisation without the population row (the paper's model; a new user gets the mean user)")
      .option("--holdout <f>", "fraction of users held out for eval (0 = train on everyone)", fraction(0, 0.95), 0.2)
      .option("--holdout-prompts <f>", "fraction of prompts kept out of training (eval then also reports unseen prompts)", fraction(0, 0.95), 0)
      .option("--seed <s>", "random seed (user and prompt split, random init)", integer(0), 1)
      .addOption(
        new Option("--init <mode>", "initialisation: moment (users' residual directions; needs no shared pairs), svd-centered (P - 0.5), svd (the paper's, entries in [0,1]; both need pairs labelled by many users) or random")
          .choices(["moment", "svd-centered", "svd", "random"])
          .default("moment"),
      )
      .option("--impute-rank <r>", "rank of the SVD imputation's reconstruction (default J; the paper used min(100, rank))", integer(1))
      .option("--impute-iterations <n>", "SVD imputation rounds", integer(0), 10)
      .option("--ridge <a>", "ridge of the W fit to the SVD targets, relative to trace(X^T X)/d", nonNegative, 0.01)
      .option("--reg <g>", "L2 regularisation of the personal bases W (users' weights are N(0, I) random effects; docs/training.md)", positive, 10)
      .option("--iterations <n>", "EM rounds (users' posteriors, then a W step) at most", integer(0), 30)
      .option("--tolerance <t>", "stop the EM rounds when the objective improves by less than this fraction", positive, 1e-4)
      .option("--shrinkage <s>", "shrinkage of the prior covariance towards a multiple of I", fraction(0, 1), 0.1)
      .option("--prior-em <n>", "empirical-Bayes (EM) rounds fitting the prior to the training users' posteriors (0 = covariance of their fitted weights)", integer(0), 50)
      .option("--validate-users <f>", "fraction of the training users kept out of the selection fit to choose the prior scale on (0 = scale 1)", fraction(0, 0.5), 0.15)
      .option("--validate-prompts <f>", "fraction of the training prompts kept out of the selection fit: the population regularisation and the prior scale are chosen on these new answers (0 = none)", fraction(0, 0.9), 0.2)
      .option("--no-refit", "keep the selection fit instead of refitting on every training user and prompt with the chosen settings (half the time)")
      .option("--population-reg <g>", 'L2 regularisation of the pooled population model, or "auto" (chosen on the validation prompts)', positiveOrAuto, "auto"),
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
    .action(async (o: TrainOptions, command: Command) => {
      await runTrain({ ...o, embedderExplicit: command.getOptionValueSource("embedder") === "cli" });
    });
}
