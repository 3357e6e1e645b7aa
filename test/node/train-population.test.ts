// Population plus personal deviation, end to end on planted data with a known answer: a user with no answers gets
// exactly the pooled population model, answers move them only as far as the evidence supports, and personalization
// never serves a user worse than the population model.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadBasisArtifact } from "../../core/artifact.ts";
import { writeJsonLines } from "../../cli/data/jsonl.ts";
import { runEval } from "../../cli/eval/run.ts";
import { runCli } from "../../cli/main.ts";
import { type PlantedOptions, plantedBenchmark } from "../../cli/synthetic/planted.ts";
import { PRIOR_SCALES } from "../../cli/train/prior-scale.ts";

let dir: string;

/** Real-log style: every user answers 60 pairs drawn for them alone (almost no pair is shared). */
const base: PlantedOptions = { d: 24, J: 3, users: 240, prompts: 200, responsesPerPrompt: 10, pairsPerPrompt: 0, labelRate: 0, scale: 1.5, spread: 0.5, mean: 0, pairsPerUser: 60, seed: 7 };

async function trainAndEval(name: string, o: Partial<PlantedOptions>, flags: string[] = []) {
  const data = path.join(dir, `${name}.jsonl.gz`);
  writeJsonLines(data, plantedBenchmark({ ...base, ...o }).comparisons);
  const out = path.join(dir, name);
  const code = await runCli(["train", "--data", data, "--out", out, "--embedder", "vectors:response", "--bases", "3", "--holdout", "0.3", ...flags]);
  expect(code).toBe(0);
  const { seen } = await runEval({ run: out, queries: [0, 1, 2, 5, 10, 20], seeds: 2, criterion: "pref", perUserReg: 1, quiet: true });
  const basis = loadBasisArtifact(JSON.parse(fs.readFileSync(path.join(out, "basis.json"), "utf8")));
  return { seen, basis };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pref-population-"));
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
});

afterAll(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("population plus personal deviation", () => {
  it("where people mostly agree: exactly the population model at k = 0, never below it after, the oracle above it", async () => {
    // A strong shared taste outside the personal bases, small personal deviations, noisy labels.
    const { seen, basis } = await trainAndEval("consensus", { shared: 1.5, deviation: 0.4 });
    expect(basis.artifact.format).toBe("pref-basis/3");
    expect(basis.populationBase).toBe(0);
    expect(Array.from(basis.mu0)).toEqual([1, 0, 0, 0]);
    const { active, random, population, oracle } = seen.perUser;
    // k = 0: the prior mean is the population row, so every user's test accuracy is the population model's.
    expect(active.accuracy[0]).toEqual(population.accuracy[0]);
    seen.k.forEach((_, ki) => {
      const slack = seen.curves.active.stderr[ki];
      expect(seen.curves.active.accuracy[ki]).toBeGreaterThanOrEqual(seen.curves.population.accuracy[ki] - slack);
      expect(seen.curves.random.accuracy[ki]).toBeGreaterThanOrEqual(seen.curves.population.accuracy[ki] - seen.curves.random.stderr[ki]);
    });
    expect(random.accuracy.length).toBe(seen.k.length);
    // The deviations are real here, so knowing the user helps: the oracle clearly beats the population model.
    expect(seen.curves.oracle.accuracy[0] - seen.curves.population.accuracy[0]).toBeGreaterThan(2 * seen.curves.oracle.stderr[0]);
    expect(seen.curves.active.accuracy.at(-1)!).toBeGreaterThan(seen.curves.population.accuracy[0] + 0.02);
    expect(oracle.accuracy[0].length).toBe(seen.users);
  });

  it("where users do not differ at all, answers change nothing and the validation users saw no gain in any setting", async () => {
    const { seen, basis } = await trainAndEval("identical", { shared: 1.5, deviation: 0 });
    type Curve = { scale: number; log_loss: number }[];
    const prior = basis.artifact.training!.prior as { scale: number; validation: Record<"seen" | "unseen", { curve: Curve }> };
    for (const setting of ["seen", "unseen"] as const) {
      const { curve } = prior.validation[setting];
      expect(curve[0].scale).toBeCloseTo(PRIOR_SCALES[0], 3);
      // Population only (the smallest scale) is as good as any: nothing to learn about these users.
      expect(Math.min(...curve.map((c) => c.log_loss))).toBeGreaterThan(curve[0].log_loss - 0.002);
    }
    seen.k.forEach((_, ki) => expect(Math.abs(seen.curves.active.accuracy[ki] - seen.curves.population.accuracy[ki])).toBeLessThan(0.003));
  });

  it("--no-population trains the plain factorisation: no population row, the prior mean is the average user", async () => {
    const { basis, seen } = await trainAndEval("plain", { shared: 1.5, deviation: 0.4 }, ["--no-population"]);
    expect(basis.populationBase).toBeNull();
    expect(basis.matrix.J).toBe(3);
    expect(basis.artifact.population).toBeNull();
    expect(Array.from(basis.mu0).some((v) => Math.abs(v) > 1e-3)).toBe(true);
    // The evaluation's population baseline is then the pooled model trained beside it.
    expect(seen.curves.population.accuracy[0]).toBeGreaterThan(0.6);
  });
});
