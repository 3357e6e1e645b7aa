// `npx pref` from a production install: the package as `npm pack` builds it, installed without dev dependencies
// into an empty directory, must start and run real commands. Everything the binary imports at run time (tsx, the
// numeric core's build/core.wasm, vega for the eval chart) has to be a dependency or a shipped file; a run-time
// import of a devDependency fails here, in the install, where a checkout with `npm ci` would not notice it.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeJsonLines } from "../../cli/data/jsonl.ts";
import { plantedBenchmark } from "../../cli/synthetic/planted.ts";
import { projectRoot } from "../../scripts/processes.ts";

const run = promisify(execFile);
let dir: string;
let app: string;
let packed: string[];

// The npm running this test (npm test) exports its own npm_config_* settings; the installs here must not inherit them.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_"))) as NodeJS.ProcessEnv;
const npm = (args: string[], cwd: string) => run("npm", args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
// `--no`: never fetch a package called pref from the registry; only the installed binary may answer.
const pref = (args: string[]) => run("npx", ["--no", "--", "pref", ...args], { cwd: app, env, maxBuffer: 64 * 1024 * 1024 });

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "pref-package-"));
  const { stdout } = await npm(["pack", "--json", "--pack-destination", dir], projectRoot);
  const [info] = JSON.parse(stdout.slice(stdout.indexOf("["))) as { filename: string; files: { path: string }[] }[];
  packed = info.files.map((f) => f.path);
  app = path.join(dir, "app");
  mkdirSync(app);
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "pref-install-check", version: "0.0.0", private: true }));
  await npm(["install", path.join(dir, info.filename), "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline"], app);
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true }); // a full node_modules: slow to delete on a busy machine
}, 120_000);

describe("the packed pref, installed with --omit=dev", () => {
  it("ships the CLI, the core and its WASM build, and no dev dependency is installed", () => {
    expect(packed).toContain("cli/bin/pref.js");
    expect(packed).toContain("cli/main.ts");
    expect(packed).toContain("core/wasm-core.ts");
    expect(packed).toContain("build/core.wasm");
    expect(packed.filter((f) => f.startsWith("test/") || f.startsWith("bench/"))).toEqual([]);
    const modules = path.join(app, "node_modules");
    for (const runtime of ["tsx", "vega", "vega-lite", "commander"]) expect(existsSync(path.join(modules, runtime, "package.json"))).toBe(true);
    for (const dev of ["vitest", "wrangler", "typescript", "assemblyscript"]) expect(existsSync(path.join(modules, dev))).toBe(false);
  });

  it("npx pref --help lists the commands", async () => {
    const { stdout } = await pref(["--help"]);
    for (const command of ["make-attributes", "train", "eval", "serve-embeddings", "deploy"]) expect(stdout).toContain(command);
  });

  it("pref deploy, which needs the repository's dev dependencies, says so instead of a module-resolution stack", async () => {
    const failed = await pref(["deploy", "--env", "staging"]).then(() => null, (err: { code: number; stderr: string }) => err);
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain("pref deploy runs from a checkout of the repository after `npm ci`");
  });

  it("trains a basis on a tiny planted set and evaluates it with the WASM core, chart included", async () => {
    const planted = plantedBenchmark({ d: 8, J: 2, users: 24, prompts: 16, responsesPerPrompt: 6, pairsPerPrompt: 6, labelRate: 0.8, scale: 2.5, spread: 0.8, seed: 5 });
    writeJsonLines(path.join(app, "planted.jsonl.gz"), planted.comparisons);
    await pref(["train", "--data", "planted.jsonl.gz", "--out", "run", "--embedder", "vectors:response", "--bases", "2", "--holdout", "0.25"]);
    const basis = JSON.parse(readFileSync(path.join(app, "run", "basis.json"), "utf8"));
    expect(basis.embedder).toEqual({ id: "vectors:response", d: 8 });
    const { stderr } = await pref(["eval", "--run", "run", "--queries", "0,2,5", "--seeds", "1"]);
    expect(stderr).not.toMatch(/core\.wasm is missing/); // the shipped build/core.wasm, not the TypeScript fallback
    const result = JSON.parse(readFileSync(path.join(app, "run", "eval.json"), "utf8"));
    expect(result.k).toEqual([0, 2, 5]);
    expect(result.users).toEqual({ train: 18, heldout: 6 });
    expect(readFileSync(path.join(app, "run", "eval.svg"), "utf8")).toMatch(/^<svg/);
  });
});
