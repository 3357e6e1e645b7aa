// The deploy as named steps: each announces itself, and a failure names the step it stopped at, so the operator
// knows what was done (everything before it) and can re-run safely once the cause is fixed.
import { CliError } from "../errors.ts";

/** A failure the operator can act on; the message says what to do. */
export class DeployError extends CliError {
  constructor(message: string) {
    super(message, 1);
    this.name = "DeployError";
  }
}

export interface StepLog {
  (line: string): void;
}

export async function step<T>(log: StepLog, number: number, total: number, title: string, run: () => Promise<T>): Promise<T> {
  log(`\n[${number}/${total}] ${title}`);
  const started = performance.now();
  try {
    const result = await run();
    log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    return result;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new DeployError(`deploy stopped at step ${number}/${total} (${title}):\n${why}\nNothing after this step ran; fix the cause and run the same command again (it is safe to repeat).`);
  }
}
