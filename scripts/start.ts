// `npm start`: the whole product on this machine, offline. Builds the WASM core, migrates the local D1,
// starts `wrangler dev` on 127.0.0.1 and waits until /health answers. Ctrl-C stops everything it started.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const port = Number(process.env.PREF_PORT ?? 8787);
const persistTo = path.join(root, ".wrangler", "state");
const offlineEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};
const children: ChildProcess[] = [];

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: offlineEnv, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited with ${code}`))));
  });
}

function startService(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { cwd: root, env: offlineEnv, stdio: ["ignore", "inherit", "inherit"], detached: true });
  children.push(child);
  child.on("exit", (code) => {
    if (!stopping) {
      console.error(`${path.basename(command)} exited (${code}); stopping.`);
      stop(1);
    }
  });
  return child;
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

let stopping = false;
function stop(code = 0): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) {
    // Each service runs in its own process group: signal the group so wrangler's workerd goes too.
    if (child.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  }
  setTimeout(() => process.exit(code), 300).unref();
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

async function main(): Promise<void> {
  if (!existsSync(path.join(root, "build", "core.wasm"))) await run("npm", ["run", "--silent", "build:wasm"]);
  await run(bin("wrangler"), ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);
  startService(bin("wrangler"), ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo, "--show-interactive-dev-session=false"]);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/health`, 60_000);
  console.log(`\nPReF Edge is up at ${base}   (health: ${base}/health; Ctrl-C stops it)`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  stop(1);
});
