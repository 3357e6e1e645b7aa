// Progress bars (counts + ETA) on stderr for anything slower than a second. cli-progress stays silent when stderr
// is not a terminal (tests, CI logs), so callers never need to switch it off.
import cliProgress from "cli-progress";

export interface Progress {
  increment(by?: number): void;
  stop(): void;
}

export function startProgress(label: string, total: number): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(22)} {bar} {value}/{total} | {percentage}% | ETA {eta_formatted} | {duration_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    increment: (by = 1) => bar.increment(by),
    stop: () => bar.stop(),
  };
}

/** Log lines for the human running the tool: stderr, so stdout stays clean for tables and JSON. */
export const note = (message: string) => process.stderr.write(`${message}\n`);
