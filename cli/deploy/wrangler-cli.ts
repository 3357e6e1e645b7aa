// Runs the `wrangler` executable for the deploy: the first one on PATH (npm run / npx put the project's pinned
// wrangler there; a test puts a stand-in there), else the project's own. Its output is shown to the operator
// indented and kept for parsing; secret values only ever travel on stdin, never in arguments or files.
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { projectRoot } from "./paths.ts";

export interface WranglerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class WranglerError extends Error {
  constructor(
    readonly args: string[],
    readonly result: WranglerResult,
  ) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-12).join("\n");
    super(`wrangler ${args.join(" ")} exited with ${result.code}${tail ? `:\n${tail}` : ""}`);
    this.name = "WranglerError";
  }

  /** The combined output, for recognising answers such as "already exists". */
  get output(): string {
    return `${this.result.stdout}\n${this.result.stderr}`;
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function wranglerExecutable(env: NodeJS.ProcessEnv = process.env): string {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, "wrangler"))) return path.join(dir, "wrangler");
  }
  return path.join(projectRoot, "node_modules", ".bin", "wrangler");
}

export interface WranglerRunOptions {
  /** Written to stdin, then closed (how `wrangler secret put` takes a value without a terminal). */
  input?: string;
  /** Echo wrangler's stdout to the operator (off for --json answers, which are parsed instead). */
  echo?: boolean;
  env?: Record<string, string>;
}

export type Wrangler = (args: string[], options?: WranglerRunOptions) => Promise<WranglerResult>;

/** A runner that resolves with the output on exit 0 and rejects with a WranglerError otherwise. */
export function wranglerRunner(log: (line: string) => void): Wrangler {
  const executable = wranglerExecutable();
  return (args, options = {}) =>
    new Promise((resolve, reject) => {
      log(`$ wrangler ${args.join(" ")}`);
      const child = spawn(executable, args, {
        cwd: projectRoot,
        // Telemetry and the Request.cf download stay off (scripts/processes.ts offlineEnv); stdin is a pipe, so wrangler never
        // waits for a terminal answer and takes its non-interactive defaults.
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false", ...options.env },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      const echo = (chunk: string) => {
        for (const line of chunk.split("\n")) if (line.trim()) log(`  ${line}`);
      };
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        if (options.echo ?? true) echo(chunk);
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
        echo(chunk);
      });
      child.on("error", (err) => reject(new Error(`could not run ${executable}: ${err.message}`)));
      child.on("close", (code) => {
        const result = { code: code ?? 1, stdout, stderr };
        if (result.code === 0) resolve(result);
        else reject(new WranglerError(args, result));
      });
      child.stdin.on("error", () => undefined); // wrangler may exit before reading stdin
      child.stdin.end(options.input ?? "");
    });
}
