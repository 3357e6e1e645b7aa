// `pref production-basis` trains a basis for Workers AI from the shipped benchmark, through the same REST endpoint
// a real account has (a local stand-in here), and the deploy then gives a tenant the matching embedder.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseTenantEmbedder } from "../../cli/deploy/tenant-embedder.ts";
import { projectRoot } from "../../scripts/processes.ts";
import { FAKE_EMBEDDING_D, startFakeWorkersAi, type FakeWorkersAi } from "../support/fake-workers-ai.ts";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "cf-api-token-for-tests";

let dir: string;
let data: string;
let workersAi: FakeWorkersAi;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "pref-production-basis-"));
  // The benchmark's source format, from the AlpacaEval subset the repository ships for the playground (the full
  // file lives outside the repository).
  const shipped = JSON.parse(readFileSync(path.join(projectRoot, "public", "data", "prompts.json"), "utf8")) as { prompts: unknown[] };
  data = path.join(dir, "responses.jsonl");
  writeFileSync(data, shipped.prompts.map((p) => JSON.stringify(p)).join("\n") + "\n");
  workersAi = await startFakeWorkersAi(ACCOUNT, TOKEN);
});

afterAll(async () => {
  await workersAi?.close();
  rmSync(dir, { recursive: true, force: true });
});

function pref(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, "cli", "bin", "pref.js"), ...args], {
      cwd: projectRoot,
      env: { ...process.env, CLOUDFLARE_ACCOUNT_ID: "", CLOUDFLARE_API_TOKEN: "", PREF_EMBED_KEY: "", PREF_EMBED_URL: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const flags = () => ["production-basis", "--data", data, "--prompts", "16", "--bases", "4", "--out", path.join(dir, "out"), "--work-dir", path.join(dir, "work"), "--cache-dir", path.join(dir, "cache")];

describe("pref production-basis", () => {
  it("says what is missing before doing any work", async () => {
    const run = await pref(flags(), { CLOUDFLARE_API_BASE_URL: workersAi.apiBase });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("set CLOUDFLARE_ACCOUNT_ID");
    expect(workersAi.requests).toEqual([]);
  });

  it("trains a Workers AI basis on the benchmark that the deploy gives a workers-ai tenant", async () => {
    const run = await pref(flags(), { CLOUDFLARE_API_BASE_URL: workersAi.apiBase, CLOUDFLARE_ACCOUNT_ID: ACCOUNT, CLOUDFLARE_API_TOKEN: TOKEN });
    expect(run.stderr).not.toContain("error:");
    expect(run.code).toBe(0);
    const basisFile = path.join(dir, "out", "basis.json");
    expect(run.stdout).toContain(`npm run deploy -- --basis ${basisFile}`);

    const basis = JSON.parse(readFileSync(basisFile, "utf8")) as { id: string; embedder: { id: string; d: number }; J: number; labels: string[] };
    expect(basis.embedder).toEqual({ id: "openai:@cf/baai/bge-base-en-v1.5:response", d: FAKE_EMBEDDING_D });
    // The population row and the requested personal bases.
    expect(basis.J).toBe(5);
    expect(basis.labels).toHaveLength(5);

    // Every call went to the account's endpoint with its token and the model, in batches Workers AI accepts.
    expect(new Set(workersAi.requests.map((r) => `${r.path} ${r.authorization} ${r.model}`))).toEqual(
      new Set([`/client/v4/accounts/${ACCOUNT}/ai/v1/embeddings Bearer ${TOKEN} @cf/baai/bge-base-en-v1.5`]),
    );
    expect(workersAi.requests.every((r) => r.inputs <= 100)).toBe(true);

    const ctx = { basisFile, env: "production", vars: { EMBEDDINGS_URL: "" }, hasAiBinding: true };
    expect(chooseTenantEmbedder(basis.embedder.id, undefined, ctx)).toEqual({ kind: "workers-ai", id: basis.embedder.id, model: "@cf/baai/bge-base-en-v1.5" });
  }, 240_000);
});
