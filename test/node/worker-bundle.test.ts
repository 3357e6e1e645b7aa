// What `wrangler deploy` would upload for production, built offline with --dry-run: it fits the Workers size
// limits, and its start-up (the module's global scope, which Cloudflare runs once per isolate under a time limit)
// does no work that belongs to a request: no app built, no config read, no WASM instantiated. The start-up is
// profiled with `wrangler check startup` (workerd with a sampling CPU profiler; a sample every ~1 ms).
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, offlineEnv, projectRoot } from "../../scripts/processes.ts";

const run = promisify(execFile);
const MiB = 1024 * 1024;
// developers.cloudflare.com/workers/platform/limits: Worker size 3 MB (Free) / 10 MB (Paid) after compression, the
// limits wrangler 4.86 checks; newer pages give one 64 MiB uncompressed limit. The bundle must fit the strictest.
const GZIP_LIMIT = 3 * 1000 * 1000;
const RAW_LIMIT = 64 * MiB;
const ASSET_FILES_LIMIT = 20_000;
const ASSET_FILE_BYTES_LIMIT = 25 * MiB;
/** Functions that serve requests: none may run while the module loads. */
const REQUEST_WORK = ["createApp", "loadConfig", "createWasmCore", "getCore", "instantiate", "residentBasis", "fetch"];

let dir: string;
let bundle: string;
let dryRunOutput: string;
const wrangler = (args: string[]) => run(bin("wrangler"), args, { cwd: projectRoot, env: offlineEnv({ XDG_CONFIG_HOME: dir }), maxBuffer: 16 * MiB });

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "pref-bundle-"));
  bundle = path.join(dir, "worker.bundle");
  const { stdout, stderr } = await wrangler(["deploy", "--dry-run", "--env", "production", "--outfile", bundle]);
  dryRunOutput = stdout + stderr;
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function walk(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const full = path.join(folder, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

describe("the production bundle (wrangler deploy --dry-run --env production)", () => {
  it("fits the Workers size limits", () => {
    const sizes = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(dryRunOutput);
    expect(sizes, dryRunOutput).not.toBeNull();
    const [raw, gzip] = [Number(sizes![1]) * 1024, Number(sizes![2]) * 1024];
    // Cross-check wrangler's figure against the bundle file (the Worker and its WASM module).
    const ownGzip = gzipSync(readFileSync(bundle)).length;
    console.log(`bundle: ${(raw / 1024).toFixed(1)} KiB raw, ${(gzip / 1024).toFixed(1)} KiB gzip (wrangler); bundle file gzipped ${(ownGzip / 1024).toFixed(1)} KiB`);
    expect(gzip).toBeLessThan(GZIP_LIMIT);
    expect(raw).toBeLessThan(RAW_LIMIT);
    expect(ownGzip).toBeLessThan(GZIP_LIMIT);
    expect(dryRunOutput).toContain("env.DB (pref-edge-production)");
    expect(dryRunOutput).toContain("env.AI");

    const assets = walk(path.join(projectRoot, "public"));
    expect(assets.length).toBeLessThan(ASSET_FILES_LIMIT);
    expect(Math.max(...assets.map((f) => statSync(f).size))).toBeLessThan(ASSET_FILE_BYTES_LIMIT);
  });

  it("starts up without doing a request's work", async () => {
    const profileFile = path.join(dir, "startup.cpuprofile");
    await wrangler(["check", "startup", "--worker", bundle, "--outfile", profileFile]);
    const profile = JSON.parse(readFileSync(profileFile, "utf8")) as {
      nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
      samples: number[];
      timeDeltas: number[];
    };
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map(profile.nodes.flatMap((n) => (n.children ?? []).map((c) => [c, n.id] as const)));
    const stack = (id: number | undefined): string[] => (id === undefined ? [] : [...stack(parent.get(id)), byId.get(id)!.callFrame.functionName || "(anonymous)"]);
    // The profile is of this Worker's global scope: its module and the libraries it defines schemas with.
    expect(profile.nodes.some((n) => n.callFrame.url.endsWith(".js"))).toBe(true);
    // Frames of the Worker's own module (workerd's harness around it has frames too, with no script url).
    const requestWork = profile.nodes
      .filter((n) => n.callFrame.url.endsWith(".js") && REQUEST_WORK.includes(n.callFrame.functionName))
      .map((n) => `${stack(n.id).join(" > ")} (${n.callFrame.url})`);
    expect(requestWork, "request work ran at start-up").toEqual([]);
    const busy = profile.samples.reduce((sum, id, i) => {
      const name = byId.get(id)?.callFrame.functionName;
      return name === "(idle)" || name === "(root)" ? sum : sum + (profile.timeDeltas[i] ?? 0);
    }, 0);
    console.log(`start-up: ${(busy / 1000).toFixed(1)} ms of sampled CPU in workerd here (Cloudflare's limit: 1 s), ${profile.samples.length} samples`);
  }, 120_000);
});
