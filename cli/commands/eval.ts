// `pref eval`: the evaluation protocol (docs/evaluation.md) on a trained run's held-out users.
import { type Command, Option } from "commander";
import { integer, integerList, nonNegative, positive } from "../options.ts";
import { type EvalOptions, runEval } from "../eval/run.ts";

export function registerEval(program: Command): void {
  program
    .command("eval")
    .description("evaluate a trained run on its held-out users: active/random/population/per_user/oracle -> DIR/eval.json, DIR/eval.svg")
    .requiredOption("--run <dir>", "run directory written by `pref train`")
    .option("--queries <list>", "numbers of answers k to evaluate at", integerList, [0, 1, 2, 3, 5, 10, 20, 40])
    .option("--seeds <n>", "pool/test splits per user (each also reorders the random queries)", integer(1, 100), 3)
    .addOption(new Option("--criterion <c>", "active query criterion: pref (variance of the preference probability, the paper's; WASM core), infogain (WASM core) or variance-reduction (expected reduction of the pool's predictive variance; TS)").choices(["pref", "infogain", "variance-reduction"]).default("pref"))
    .option("--per-user-reg <g>", "L2 regularisation of the per-user (no basis) baseline", positive, 1)
    .option("--data <file>", "comparisons file (default: the one recorded in split.json)")
    .option("--out <dir>", "where to write eval.json / eval.svg (default: the run directory)")
    .option("--compare <basis.json>", "also evaluate this basis (e.g. the one a tenant serves) on the same held-out users and splits, and print a verdict")
    .option("--margin <m>", "accuracy the run's basis must beat --compare's by to be called better", nonNegative, 0)
    .option("--cache-dir <dir>", "embedding cache directory (env PREF_CACHE_DIR)")
    .option("--embed-url <url>", "OpenAI-compatible embeddings base URL for openai:* embedders (env PREF_EMBED_URL)")
    .option("--embed-key <key>", "API key for --embed-url (env PREF_EMBED_KEY)")
    .addHelpText("after", "\nExamples:\n  npx pref eval --run runs/attrs --seeds 3\n  npx pref eval --run runs/new --compare active-basis.json --margin 0.01")
    .action(async (o: EvalOptions) => {
      await runEval(o);
    });
}
