// Child-process plumbing shared by `npm start`, the benchmarks and the end-to-end tests: start a service in
// its own process group, wait until it answers, and stop the whole group (wrangler spawns workerd).
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";

export const projectRoot = path.resolve(import.meta.dirname, "..");
export const bin = (name: string) => path.join(projectRoot, "node_modules", ".bin", name);

/**
 * Wrangler phones home unless all three are set (usage telemetry, a check for a newer wrangler, the Request.cf data
 * download); `send_metrics = false` in wrangler.toml alone does not stop the telemetry. Tests and the local stack run
 * offline.
 */
export const offlineEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  ...extra,
});

export interface Service {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code once the process has gone. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function runToEnd(command: string, args: string[], options: { quiet?: boolean; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const child = spawn(command, args, {
      cwd: options.cwd ?? projectRoot,
      env: options.env ?? offlineEnv(),
      stdio: ["ignore", options.quiet ? "pipe" : "inherit", options.quiet ? "pipe" : "inherit"],
    });
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(command)} ${args.join(" ")} exited with ${code}\n${output.slice(-2000)}`)),
    );
  });
}

export function startService(
  name: string,
  command: string,
  args: string[],
  options: { quiet?: boolean; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Service {
  const child = spawn(command, args, {
    cwd: options.cwd ?? projectRoot,
    env: options.env ?? offlineEnv(),
    stdio: ["ignore", options.quiet ? "ignore" : "inherit", options.quiet ? "ignore" : "inherit"],
    detached: true, // own process group, so stop() reaches grandchildren too
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
    signalGroup(child.pid, "SIGTERM");
    const killTimer = setTimeout(() => signalGroup(child.pid!, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(killTimer);
    // The leader may exit before its children: make sure the group is gone.
    signalGroup(child.pid, "SIGKILL");
  };
  return { name, child, exited, stop };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // group already gone
  }
}

export async function waitForHttp(url: string, timeoutMs: number, service?: Service): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    if (service && service.child.exitCode !== null) throw new Error(`${service.name} exited with ${service.child.exitCode} before ${url} answered`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s (${lastError})`);
}

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
