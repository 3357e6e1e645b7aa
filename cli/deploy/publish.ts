// Build the WASM core, then `wrangler deploy` the environment and learn its URL from wrangler's machine-readable
// output file (WRANGLER_OUTPUT_FILE_PATH: one JSON line per command, the deploy's carrying its targets), falling
// back to the workers.dev URL it prints.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { projectRoot } from "./paths.ts";
import type { EnvironmentConfig } from "./wrangler-config.ts";
import type { Wrangler } from "./wrangler-cli.ts";

export function buildCore(log: (line: string) => void): Promise<void> {
  log("$ npm run build:wasm");
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", "build:wasm"], { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`npm run build:wasm exited with ${code}:\n${output.slice(-2000)}`))));
  });
}

function targetsFromOutputFile(file: string): string[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const targets: string[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as { type?: string; targets?: string[] };
      if (entry.type === "deploy" && Array.isArray(entry.targets)) targets.push(...entry.targets);
    } catch {
      // a line from something else
    }
  }
  return targets;
}

/**
 * Deploys the environment; returns its URL: the first target with a scheme (wrangler gives workers.dev one;
 * routes and custom domains come without, and may be patterns), or null if there is none.
 */
export async function deployWorker(wrangler: Wrangler, cfg: EnvironmentConfig): Promise<string | null> {
  const dir = mkdtempSync(path.join(tmpdir(), "pref-deploy-"));
  const outputFile = path.join(dir, "wrangler-output.json");
  try {
    const { stdout } = await wrangler(["deploy", "--env", cfg.env, "--config", cfg.configPath], { env: { WRANGLER_OUTPUT_FILE_PATH: outputFile } });
    const targets = targetsFromOutputFile(outputFile);
    const url = targets.find((t) => /^https?:\/\//.test(t)) ?? /https:\/\/\S+\.workers\.dev/.exec(stdout)?.[0] ?? null;
    return url?.replace(/\/+$/, "") ?? null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
