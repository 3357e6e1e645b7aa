// Build the WASM core (unless build/core.wasm is newer than everything it is built from), then `wrangler deploy`
// the environment and learn its URL from wrangler's machine-readable output file (WRANGLER_OUTPUT_FILE_PATH: one
// JSON line per command, the deploy's carrying its targets), falling back to the workers.dev URL it prints.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { projectRoot } from "./paths.ts";
import type { EnvironmentConfig } from "./wrangler-config.ts";
import type { Wrangler } from "./wrangler-cli.ts";

const CORE = path.join("build", "core.wasm");
/** What build/core.wasm is made from: the AssemblyScript sources, the build settings, the compiler. */
const CORE_INPUTS = ["assembly", "asconfig.json", path.join("node_modules", "assemblyscript", "package.json")];

function newestMtime(file: string): number {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(file).map((name) => newestMtime(path.join(file, name))));
}

/** The reason to build, or null when the core on disk is newer than all its inputs (a make-style check). */
export function coreBuildReason(root: string): string | null {
  const output = path.join(root, CORE);
  if (!existsSync(output)) return `${CORE} does not exist`;
  const built = statSync(output).mtimeMs;
  const changed = CORE_INPUTS.filter((input) => newestMtime(path.join(root, input)) > built);
  return changed.length > 0 ? `${changed.join(", ")} changed since ${CORE} was built` : null;
}

export function buildCore(log: (line: string) => void): Promise<void> {
  const reason = coreBuildReason(projectRoot);
  if (!reason) {
    log(`${CORE} is newer than ${CORE_INPUTS.join(", ")}: no rebuild`);
    return Promise.resolve();
  }
  log(`${reason}: $ npm run build:wasm`);
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
