// The basis artifact round-trips: `pref train` writes it, the schema reads it back, and the Worker's core (WASM)
// and the Node reference core score candidates exactly as a direct computation from the file does.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import crypto from "node:crypto";
import { basisArtifactSchema, loadBasisArtifact } from "../../core/artifact.ts";
import { MAX_KNOWN_PROMPTS, decodeKnownPrompts, encodeKnownPrompts, promptKey } from "../../core/known-prompts.ts";
import { gaussianFromCovariance } from "../../core/gaussian.ts";
import { loadWasmCoreNode } from "../../core/node.ts";
import { createReferenceCore } from "../../core/reference.ts";
import { writeJsonLines } from "../../cli/data/jsonl.ts";
import { runCli } from "../../cli/main.ts";
import { plantedBenchmark } from "../../cli/synthetic/planted.ts";

const d = 12;
const J = 3;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pref-artifact-"));
  const planted = plantedBenchmark({ d, J, users: 20, prompts: 30, responsesPerPrompt: 6, pairsPerPrompt: 6, labelRate: 0.7, scale: 2, seed: 3 });
  writeJsonLines(path.join(dir, "data.jsonl"), planted.comparisons);
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  expect(await runCli(["train", "--data", path.join(dir, "data.jsonl"), "--out", path.join(dir, "run"), "--embedder", "vectors:response", "--bases", String(J), "--holdout", "0.2"])).toBe(0);
});

afterAll(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("basis artifact", () => {
  it("validates against the schema, carries its embedder and training metadata, and re-serialises identically", () => {
    const json = JSON.parse(fs.readFileSync(path.join(dir, "run", "basis.json"), "utf8"));
    const parsed = basisArtifactSchema.parse(json);
    expect(parsed.format).toBe("pref-basis/3");
    expect(parsed.embedder).toEqual({ id: "vectors:response", d });
    // The population row, then J personal deviations; the prior mean is the population model.
    expect(parsed.J).toBe(J + 1);
    expect(parsed.population).toMatchObject({ base: 0 });
    expect(parsed.mu0).toEqual([1, 0, 0, 0]);
    expect(parsed.id).toMatch(/^pref-J4-[0-9a-f]{12}$/);
    expect(parsed.training).toMatchObject({ users: { train: 16, validation: 2, heldout: 4 }, init: { mode: "moment" }, refit: true });
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(json);
  });

  it("gives the same scores in the WASM core, the reference core and a direct computation from the file", async () => {
    const json = JSON.parse(fs.readFileSync(path.join(dir, "run", "basis.json"), "utf8"));
    const basis = loadBasisArtifact(json);
    const prior = gaussianFromCovariance(basis.mu0, basis.sigma0);
    const n = 7;
    const E = Float64Array.from({ length: n * d }, (_, i) => Math.sin(i * 0.7) * 0.3);
    const direct = Array.from({ length: n }, (_, c) =>
      json.W.reduce((s: number, row: number[], j: number) => s + json.mu0[j] * row.reduce((t: number, w: number, k: number) => t + w * E[c * d + k], 0), 0),
    );
    const wasm = await loadWasmCoreNode();
    const ref = createReferenceCore();
    for (const core of [wasm, ref]) {
      core.loadBasis(basis.matrix);
      const scores = core.score(basis.matrix.id, prior, E, n);
      scores.mean.forEach((m, c) => expect(m).toBeCloseTo(direct[c], 10));
      expect(Array.from(scores.sd).every((s) => s > 0)).toBe(true);
    }
    const a = wasm.score(basis.matrix.id, prior, E, n);
    const b = ref.score(basis.matrix.id, prior, E, n);
    a.sd.forEach((s, c) => expect(s).toBeCloseTo(b.sd[c], 10));
  });

  it("the prior is a proper Gaussian and gauge-fixed bases have unit-variance, uncorrelated rewards on the data", () => {
    const json = JSON.parse(fs.readFileSync(path.join(dir, "run", "basis.json"), "utf8"));
    const basis = loadBasisArtifact(json);
    expect(() => gaussianFromCovariance(basis.mu0, basis.sigma0)).not.toThrow();
    expect(Array.from(basis.mu0).every((m) => m >= 0)).toBe(true);
    const variance: number[] = json.training.base_user_variance;
    for (let j = 1; j < variance.length; j++) expect(variance[j]).toBeLessThanOrEqual(variance[j - 1]);
  });
});

describe("artifact formats", () => {
  const v1 = {
    format: "pref-basis/1",
    id: "old-basis",
    created_at: "2026-01-01T00:00:00Z",
    embedder: { id: "vectors:response", d: 2 },
    J: 2,
    W: [[1, 0], [0, 1]],
    mu0: [0.5, -0.2],
    sigma0: [[1, 0], [0, 1]],
    labels: null,
  };

  it("a pref-basis/1 artifact (no population row) still loads, as a basis without a population base", () => {
    const basis = loadBasisArtifact(v1);
    expect(basis.populationBase).toBeNull();
    expect(Array.from(basis.mu0)).toEqual([0.5, -0.2]);
  });

  it("a population row needs the format that has one, and the prior mean 1 on it and 0 elsewhere", () => {
    const withPopulation = { ...v1, format: "pref-basis/2", population: { base: 0 }, mu0: [1, 0] };
    expect(loadBasisArtifact(withPopulation).populationBase).toBe(0);
    expect(basisArtifactSchema.safeParse({ ...withPopulation, format: "pref-basis/1" }).error?.issues[0]).toMatchObject({ path: ["population"] });
    expect(basisArtifactSchema.safeParse({ ...withPopulation, mu0: [1, 0.1] }).error?.issues[0]).toMatchObject({ path: ["mu0"] });
  });

  it("pref-basis/3 carries its known prompts as sorted 8-byte SHA-256 prefixes, and only /3 may", async () => {
    const keys = await Promise.all(["b prompt", "a prompt", "b prompt"].map(promptKey));
    expect(keys[0]).toBe(crypto.createHash("sha256").update("b prompt", "utf8").digest("hex").slice(0, 16));
    const known = encodeKnownPrompts(keys);
    expect(Buffer.from(known, "base64")).toHaveLength(16); // two distinct prompts
    expect([...decodeKnownPrompts(known)]).toEqual([...new Set(keys)].sort());
    const v3 = { ...v1, format: "pref-basis/3", population: { base: 0 }, mu0: [1, 0], prompts: { known, new_prompt_weight: 0.125 } };
    const basis = loadBasisArtifact(v3);
    expect(basis.prompts?.newPromptWeight).toBe(0.125);
    expect(basis.prompts?.known.has(keys[1])).toBe(true);
    expect(loadBasisArtifact({ ...v3, prompts: undefined }).prompts).toBeNull();
    expect(basisArtifactSchema.safeParse({ ...v3, format: "pref-basis/2" }).error?.issues[0]).toMatchObject({ path: ["prompts"] });
    expect(basisArtifactSchema.safeParse({ ...v3, prompts: { known: known.slice(0, 8), new_prompt_weight: 0.5 } }).error?.issues[0]).toMatchObject({ path: ["prompts", "known"] });
    expect(basisArtifactSchema.safeParse({ ...v3, prompts: { known, new_prompt_weight: 1.5 } }).success).toBe(false);
    // At most MAX_KNOWN_PROMPTS keys travel with a basis.
    const keysOf = (n: number) => encodeKnownPrompts(Array.from({ length: n }, (_, i) => i.toString(16).padStart(16, "0")));
    expect(basisArtifactSchema.safeParse({ ...v3, prompts: { known: keysOf(MAX_KNOWN_PROMPTS), new_prompt_weight: 0.5 } }).success).toBe(true);
    expect(basisArtifactSchema.safeParse({ ...v3, prompts: { known: keysOf(MAX_KNOWN_PROMPTS + 1), new_prompt_weight: 0.5 } }).error?.issues[0]).toMatchObject({ path: ["prompts", "known"] });
  });
});

describe("the committed default basis", () => {
  it("loads, names a known embedding recipe, has a proper prior and labels, and scores in the WASM core", async () => {
    const file = path.join(import.meta.dirname, "../../basis/default/basis.json");
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    const basis = loadBasisArtifact(json);
    const { parseRecipe } = await import("../../cli/embedders/recipe.ts");
    const recipe = parseRecipe(basis.artifact.embedder.id);
    expect(recipe.model.kind).toBe("use-lite");
    expect(basis.artifact.embedder.d).toBe(512 * recipe.windows.length);
    expect(basis.artifact.labels).toHaveLength(basis.matrix.J);
    expect(basis.artifact.training).toMatchObject({ users: { train: 84, heldout: 0 } });
    // It knows the 240 prompts it was trained on; elsewhere a deviation counts to its chosen weight.
    expect(basis.artifact.format).toBe("pref-basis/3");
    expect(basis.prompts?.known.size).toBe(240);
    expect(basis.prompts?.newPromptWeight).toBeGreaterThan(0);
    expect(basis.prompts?.newPromptWeight).toBeLessThan(1);
    const prior = gaussianFromCovariance(basis.mu0, basis.sigma0);
    const core = await loadWasmCoreNode();
    core.loadBasis(basis.matrix);
    const E = Float64Array.from({ length: 3 * basis.matrix.d }, (_, i) => Math.cos(i) * 0.05);
    const scores = core.score(basis.matrix.id, prior, E, 3);
    expect(Array.from(scores.mean).every(Number.isFinite)).toBe(true);
  });
});
