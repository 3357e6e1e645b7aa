// Runs `pref deploy` as an operator would (its own process, the stand-in wrangler first on PATH) against a scratch
// copy of wrangler.toml, and reads back what the stand-in account saw.
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { projectRoot } from "../../../scripts/processes.ts";

export const FAKE_WRANGLER_DIR = import.meta.dirname;

export interface FakeAccount {
  dir: string;
  /** The scratch wrangler.toml the deploy edits (a copy of the project's, beside a link to migrations/). */
  config: string;
  state(): FakeState;
  setState(change: (s: FakeState) => void): void;
  /** Every wrangler call so far, as argument strings with the scratch config path shown as CONFIG. */
  calls(): string[];
  /** Resets the wrangler.toml copy to the project's (a fresh checkout). */
  resetConfig(): void;
}

export interface FakeState {
  loggedIn: boolean;
  account: { id: string; name: string; email: string };
  url: string;
  databases: { uuid: string; name: string; created_at: string; applied: string[] }[];
  workers: Record<string, { deployments: number; secrets: Record<string, string> }>;
  fail?: { match: string; stderr: string; code?: number };
}

export function createFakeAccount(url: string): FakeAccount {
  const dir = mkdtempSync(path.join(tmpdir(), "pref-fake-cf-"));
  const config = path.join(dir, "wrangler.toml");
  symlinkSync(path.join(projectRoot, "migrations"), path.join(dir, "migrations"));
  const statePath = path.join(dir, "state.json");
  const initial: FakeState = { loggedIn: true, account: { id: "0123456789abcdef0123456789abcdef", name: "Test account", email: "ops@example.com" }, url, databases: [], workers: {} };
  writeFileSync(statePath, JSON.stringify(initial));
  writeFileSync(path.join(dir, "calls.jsonl"), "");
  const account: FakeAccount = {
    dir,
    config,
    state: () => JSON.parse(readFileSync(statePath, "utf8")),
    setState(change) {
      const s = account.state();
      change(s);
      writeFileSync(statePath, JSON.stringify(s));
    },
    calls: () =>
      readFileSync(path.join(dir, "calls.jsonl"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { args: string[] }).args.join(" ").replaceAll(config, "CONFIG")),
    resetConfig: () => copyFileSync(path.join(projectRoot, "wrangler.toml"), config),
  };
  account.resetConfig();
  return account;
}

export interface DeployRun {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  /** The wrangler calls this run made. */
  calls: string[];
}

function deployEnv(account: FakeAccount, env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${FAKE_WRANGLER_DIR}${path.delimiter}${process.env.PATH}`,
    FAKE_WRANGLER_STATE: account.dir,
    PREF_ADMIN_TOKEN: "",
    PREF_UPSTREAM_KEY: "",
    PREF_EMBED_KEY: "",
    ...env,
  };
}

const deployArgs = (account: FakeAccount, args: string[]) => [path.join(projectRoot, "cli", "bin", "pref.js"), "deploy", "--config", account.config, "--wait", "5", ...args];

export function runDeploy(account: FakeAccount, args: string[], env: Record<string, string>): Promise<DeployRun> {
  const before = account.calls().length;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, deployArgs(account, args), { cwd: projectRoot, env: deployEnv(account, env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000, calls: account.calls().slice(before) }));
  });
}

/**
 * The same through the CLI's entry function in this process (no process start-up, wrangler's config reader loaded
 * once): what runCli returns is the exit code the binary would have.
 */
export async function runDeployInProcess(account: FakeAccount, args: string[], env: Record<string, string>): Promise<DeployRun> {
  const { runCli } = await import("../../../cli/main.ts");
  const before = account.calls().length;
  const saved = { ...process.env };
  const [writeOut, writeErr] = [process.stdout.write, process.stderr.write];
  let stdout = "";
  let stderr = "";
  Object.assign(process.env, deployEnv(account, env));
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  const started = performance.now();
  try {
    const code = await runCli(deployArgs(account, args).slice(1));
    return { code, stdout, stderr, seconds: (performance.now() - started) / 1000, calls: account.calls().slice(before) };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/**
 * Runs `pref deploy` on a terminal (util-linux `script` gives it a pseudo-terminal) and types `answer` once the
 * question containing `question` appears. Returns everything the terminal showed.
 */
export function runDeployOnTerminal(account: FakeAccount, args: string[], question: string, answer: string): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, ...deployArgs(account, args)].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: projectRoot, env: deployEnv(account, {}), stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    let typed = false;
    const seen = (chunk: Buffer) => {
      screen += chunk;
      if (!typed && screen.includes(question)) {
        typed = true;
        child.stdin.write(`${answer}\r`);
      }
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, screen }));
  });
}
