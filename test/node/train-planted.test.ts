// The planted model: synthetic embeddings with a known basis W and known user weights. Training must recover W's
// row space (small principal angles), and evaluation must rank the methods as the theory says at small k.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadBasisArtifact } from "../../core/artifact.ts";
import { writeJsonLines } from "../../cli/data/jsonl.ts";
import { symmetricEigen } from "../../cli/linalg/eigen.ts";
import { runEval } from "../../cli/eval/run.ts";
import { runCli } from "../../cli/main.ts";
import { gaussian, makeRng } from "../../cli/rng.ts";
import { plantedBenchmark } from "../../cli/synthetic/planted.ts";

/**
 * Cosines of the principal angles between the row space of B (rb x d) and that of A (ra x d, ra >= rb): all near 1
 * when B's rows lie in A's span.
 */
export function principalCosines(A: Float64Array, ra: number, B: Float64Array, rb: number, d: number): number[] {
  const orth = (M: Float64Array, r: number) => {
    const Q: Float64Array[] = [];
    for (let i = 0; i < r; i++) {
      const v = Float64Array.from(M.subarray(i * d, i * d + d));
      for (const q of Q) {
        const c = q.reduce((s, x, k) => s + x * v[k], 0);
        for (let k = 0; k < d; k++) v[k] -= c * q[k];
      }
      const n = Math.hypot(...v);
      Q.push(v.map((x) => x / n));
    }
    return Q;
  };
  const Qa = orth(A, ra);
  const Qb = orth(B, rb);
  // Singular values of Qb Qa^T = cosines; via the eigenvalues of (Qb Qa^T)(Qb Qa^T)^T (rb x rb, Jacobi).
  const M = Qb.map((b) => Qa.map((a) => a.reduce((s, x, k) => s + x * b[k], 0)));
  const G = new Float64Array(rb * rb);
  for (let i = 0; i < rb; i++) for (let j = 0; j < rb; j++) G[i * rb + j] = M[i].reduce((s, x, k) => s + x * M[j][k], 0);
  return Array.from(symmetricEigen(G, rb).values, (v) => Math.sqrt(Math.max(0, Math.min(1, v))));
}

const d = 16;
const J = 3;
let dir: string;
let planted: ReturnType<typeof plantedBenchmark>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pref-planted-"));
  planted = plantedBenchmark({ d, J, users: 48, prompts: 70, responsesPerPrompt: 8, pairsPerPrompt: 8, labelRate: 0.6, scale: 2.5, spread: 0.8, seed: 11 });
  writeJsonLines(path.join(dir, "planted.jsonl.gz"), planted.comparisons);
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
});

afterAll(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("planted model", () => {
  it("train recovers the planted basis's row space", async () => {
    const out = path.join(dir, "run");
    const code = await runCli(["train", "--data", path.join(dir, "planted.jsonl.gz"), "--out", out, "--embedder", "vectors:response", "--bases", String(J), "--holdout", "0.25", "--reg", "1"]);
    expect(code).toBe(0);
    const basis = loadBasisArtifact(JSON.parse(fs.readFileSync(path.join(out, "basis.json"), "utf8")));
    expect(basis.artifact.embedder).toEqual({ id: "vectors:response", d });
    // The served basis is the population row plus J deviations: the planted space must lie inside it.
    expect(basis.matrix.J).toBe(J + 1);
    const cos = principalCosines(basis.matrix.W, J + 1, planted.W, J, d);
    // Largest principal angle below ~18 degrees; a random 3-dim subspace of R^16 would be near 60-90 degrees.
    expect(Math.min(...cos)).toBeGreaterThan(0.95);
    const split = JSON.parse(fs.readFileSync(path.join(out, "split.json"), "utf8"));
    expect(split.users.heldout).toHaveLength(12);
    expect(split.users.train).toHaveLength(36);
  });

  it("the same comparisons given as embeddings (the service log's form, base64 float32) train the very same basis", async () => {
    const asEmbedding = (text: string) => ({ embedding: Buffer.from(Float32Array.from(JSON.parse(text) as number[]).buffer).toString("base64") });
    const lines = [{ embedder: "vectors:response" }, ...planted.comparisons.map((c) => ({ user: c.user, prompt_hash: c.prompt, a: asEmbedding(c.a), b: asEmbedding(c.b), label: c.label }))];
    writeJsonLines(path.join(dir, "log.jsonl"), lines);
    const out = path.join(dir, "run-log");
    expect(await runCli(["train", "--data", path.join(dir, "log.jsonl"), "--out", out, "--bases", String(J), "--holdout", "0.25", "--reg", "1"])).toBe(0);
    const fromLog = JSON.parse(fs.readFileSync(path.join(out, "basis.json"), "utf8"));
    const fromTexts = JSON.parse(fs.readFileSync(path.join(dir, "run", "basis.json"), "utf8"));
    expect(fromLog.embedder).toEqual(fromTexts.embedder);
    expect(fromLog.id).toBe(fromTexts.id);
    expect(fromLog.sigma0).toEqual(fromTexts.sigma0);
  });

  it("a random init is a worse start but the fit still finds the space", async () => {
    const out = path.join(dir, "run-random");
    expect(await runCli(["train", "--data", path.join(dir, "planted.jsonl.gz"), "--out", out, "--embedder", "vectors:response", "--bases", String(J), "--init", "random"])).toBe(0);
    const basis = loadBasisArtifact(JSON.parse(fs.readFileSync(path.join(out, "basis.json"), "utf8")));
    expect(Math.min(...principalCosines(basis.matrix.W, J + 1, planted.W, J, d))).toBeGreaterThan(0.8);
  });

  it("eval: active > random > per_user at small k, and the oracle is the ceiling", async () => {
    const { result, seen } = await runEval({ run: path.join(dir, "run"), queries: [0, 2, 3, 5, 10], seeds: 4, criterion: "pref", perUserReg: 1, quiet: true });
    const acc = (m: keyof typeof seen.curves) => seen.curves[m].accuracy;
    const small = [1, 2, 3]; // k = 2, 3, 5
    const gain = small.reduce((s, i) => s + acc("active")[i] - acc("random")[i], 0) / small.length;
    expect(gain).toBeGreaterThan(0.01);
    for (const i of small) expect(acc("random")[i]).toBeGreaterThan(acc("per_user")[i] + 0.03);
    expect(acc("active")[4]).toBeLessThanOrEqual(acc("oracle")[4] + 0.02);
    expect(acc("oracle")[0]).toBeGreaterThan(0.8);
    expect(result.curves).toBe(seen.curves); // what eval.json reports: the prompts the basis saw
    expect(fs.readFileSync(path.join(dir, "run", "eval.svg"), "utf8")).toMatch(/^<svg/);
    const json = JSON.parse(fs.readFileSync(path.join(dir, "run", "eval.json"), "utf8"));
    expect(json.k).toEqual([0, 2, 3, 5, 10]);
    for (const m of ["active", "random", "population", "per_user", "oracle"]) {
      for (const key of ["accuracy", "auc", "stderr"]) expect(json.curves[m][key]).toHaveLength(5);
    }
    expect(json.curves.active.accuracy).toEqual(acc("active"));
    expect(json.users).toEqual({ train: 36, heldout: 12 });
  });
});

describe("eval --compare", () => {
  it("prefers the trained basis over a random one on the same users, and calls a basis against itself even", async () => {
    const run = path.join(dir, "run");
    const trained = JSON.parse(fs.readFileSync(path.join(run, "basis.json"), "utf8"));
    const rng = makeRng(5);
    // The same population row, random deviations.
    const random = { ...trained, id: "random-basis", W: trained.W.map((row: number[], j: number) => (j === 0 ? row : row.map(() => gaussian(rng)))) };
    fs.writeFileSync(path.join(dir, "random.json"), JSON.stringify(random));
    const vsRandom = await runEval({ run, queries: [0, 5, 10], seeds: 2, criterion: "pref", perUserReg: 1, quiet: true, compare: path.join(dir, "random.json"), margin: 0.01, out: path.join(dir, "cmp") });
    expect(vsRandom.comparison!.verdict).toBe("better");
    expect(vsRandom.comparison!.summary.difference).toBeGreaterThan(0.05);
    expect(vsRandom.comparison!.difference.mean[0]).toBe(0); // k = 0: both are the population row
    const vsItself = await runEval({ run, queries: [0, 5, 10], seeds: 2, criterion: "pref", perUserReg: 1, quiet: true, compare: path.join(run, "basis.json"), out: path.join(dir, "cmp") });
    expect(vsItself.comparison!.verdict).toBe("no clear difference");
    expect(vsItself.comparison!.summary.difference).toBe(0);
    const written = JSON.parse(fs.readFileSync(path.join(dir, "cmp", "eval.json"), "utf8"));
    expect(written.comparison.verdict).toBe("no clear difference");
  });
});

describe("real-log style data: each user answers pairs of their own, almost none shared", () => {
  it("the moment initialisation alone finds the planted space; the paper's SVD initialisation, built on shared pairs, does not", async () => {
    const logStyle = plantedBenchmark({ d, J, users: 200, prompts: 150, responsesPerPrompt: 10, pairsPerPrompt: 0, labelRate: 0, scale: 2.5, spread: 0.8, pairsPerUser: 40, seed: 11 });
    const data = path.join(dir, "log-style.jsonl.gz");
    writeJsonLines(data, logStyle.comparisons);
    const initOnly = async (init: string) => {
      const out = path.join(dir, `init-${init}`);
      // No EM rounds, no population row, no refit: the served basis is the initialisation itself (gauge-fixed).
      const flags = ["--iterations", "0", "--no-population", "--no-refit", "--holdout", "0", "--bases", String(J), "--embedder", "vectors:response", "--init", init];
      expect(await runCli(["train", "--data", data, "--out", out, ...flags])).toBe(0);
      const basis = loadBasisArtifact(JSON.parse(fs.readFileSync(path.join(out, "basis.json"), "utf8")));
      return Math.min(...principalCosines(basis.matrix.W, J, logStyle.W, J, d));
    };
    const moment = await initOnly("moment");
    const svd = await initOnly("svd-centered");
    expect(moment).toBeGreaterThan(0.9);
    expect(moment).toBeGreaterThan(svd + 0.1);
  });
});
