// `pref make-attributes`: the simulated-user benchmark (docs/attributes-benchmark.md) as a comparisons file plus the
// judging sidecar that eval uses to measure against each simulated user's noise-free preference.
import type { Command } from "commander";
import { readPromptResponses } from "../data/alpaca.ts";
import { writeJsonLines } from "../data/jsonl.ts";
import { generateAttributes } from "../attributes/generate.ts";
import { sidecarPathFor, writeSidecar } from "../attributes/sidecar.ts";
import { integer, nonNegative, positive } from "../options.ts";
import { note } from "../progress.ts";

export function registerMakeAttributes(program: Command): void {
  program
    .command("make-attributes")
    .description("generate the simulated-user Attributes benchmark (84 users x shared pairs) and its judging sidecar")
    .requiredOption("--data <file>", "prompts with responses (JSONL, may be gzipped): the AlpacaEval data set, if you have it (docs/data.md)")
    .requiredOption("--out <file>", "comparisons to write (JSONL; gzipped when it ends in .gz); the sidecar goes beside it")
    .option("--prompts <n>", "number of prompts sampled from the data", integer(1), 240)
    .option("--seed <s>", "random seed (prompt sample, pairs, labellers, noise)", integer(0), 1)
    .option("--pairs-per-prompt <n>", "distinct response pairs per prompt", integer(1), 10)
    .option("--labels-per-pair <n>", "simulated users labelling each pair (of 84)", integer(1, 84), 28)
    .option("--beta <b>", "Bradley-Terry inverse temperature on standardised utilities", positive, 3)
    .option("--consensus <s>", "strength of a taste every user shares, on top of their two poles (0 = the symmetric setting; 2 = the consensus benchmark)", nonNegative, 0)
    .addHelpText("after", "\nExample:\n  npx pref make-attributes --data ../shared/data/alpacaeval-responses.jsonl.gz --out .cache/attrs.jsonl.gz")
    .action(async (o: { data: string; out: string; prompts: number; seed: number; pairsPerPrompt: number; labelsPerPair: number; beta: number; consensus: number }) => {
      const started = performance.now();
      const prompts = await readPromptResponses(o.data);
      const bench = generateAttributes(prompts, {
        prompts: o.prompts,
        seed: o.seed,
        pairsPerPrompt: o.pairsPerPrompt,
        labelsPerPair: o.labelsPerPair,
        beta: o.beta,
        consensus: o.consensus,
        source: o.data,
      });
      writeJsonLines(o.out, bench.comparisons);
      const sidecar = sidecarPathFor(o.out);
      writeSidecar(sidecar, bench.sidecar);
      const ties = bench.comparisons.filter((c) => c.label === 0.5).length;
      note(`labels that agree with the noise-free preference (ties excluded): ${(100 * bench.agreement).toFixed(1)}%`);
      note(
        `wrote ${bench.comparisons.length} comparisons (${bench.sidecar.prompts.length} prompts, ${bench.sidecar.users.length} users, ` +
          `${ties} ties) to ${o.out} and the judging sidecar to ${sidecar} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    });
}
