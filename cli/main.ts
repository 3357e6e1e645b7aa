// The `pref` command-line tool: offline PReF learning and evaluation (see docs/cli.md).
import { Command, CommanderError } from "commander";
import { registerBench } from "./commands/bench.ts";
import { registerDeploy } from "./commands/deploy.ts";
import { registerEmbed } from "./commands/embed.ts";
import { registerEval } from "./commands/eval.ts";
import { registerLabelBasis } from "./commands/label-basis.ts";
import { registerMakeAttributes } from "./commands/make-attributes.ts";
import { registerMoveTenant } from "./commands/move-tenant.ts";
import { registerProductionBasis } from "./commands/production-basis.ts";
import { registerPull } from "./commands/pull.ts";
import { registerRollout } from "./commands/rollout.ts";
import { registerServeEmbeddings } from "./commands/serve-embeddings.ts";
import { registerTrain } from "./commands/train.ts";
import { CliError } from "./errors.ts";

export function buildProgram(): Command {
  const program = new Command()
    .name("pref")
    .description("PReF Edge offline tools: simulated benchmarks, embeddings, basis training and evaluation")
    .showHelpAfterError("(add --help for usage)");
  registerMakeAttributes(program);
  registerEmbed(program);
  registerTrain(program);
  registerEval(program);
  registerBench(program);
  registerLabelBasis(program);
  registerServeEmbeddings(program);
  registerProductionBasis(program);
  registerDeploy(program);
  registerPull(program);
  registerRollout(program);
  registerMoveTenant(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  program.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander already printed the message
    if (error instanceof CliError) {
      process.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
