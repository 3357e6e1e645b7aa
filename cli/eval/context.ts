// Everything an evaluation run needs, loaded once: the run's artifacts (basis, split, population model), the data,
// the judging sidecar when there is one, and the base-reward coordinates of every item (projected by the core).
import fs from "node:fs";
import path from "node:path";
import { type LoadedBasis, loadBasisArtifact } from "../../core/artifact.ts";
import { gaussianFromCovariance } from "../../core/gaussian.ts";
import { promptKey } from "../../core/known-prompts.ts";
import type { Gaussian, PrefCore } from "../../core/types.ts";
import { MAX_CANDIDATES } from "../../core/types.ts";
import { type Judge, loadJudge, sidecarPathFor } from "../attributes/sidecar.ts";
import { loadCore } from "../core.ts";
import { type Dataset, loadDataset } from "../data/dataset.ts";
import { assertReadableFile } from "../data/jsonl.ts";
import { embedDataset } from "../embedders/dataset-embeddings.ts";
import type { EmbedderFlags } from "../embedders/flags.ts";
import { CliError } from "../errors.ts";
import { POPULATION_FORMAT, SPLIT_FORMAT } from "../train/run.ts";

export interface SplitFile {
  format: string;
  data: string;
  seed: number;
  users: { train: string[]; validation?: string[]; heldout: string[] };
  prompts: { heldout: string[] };
}

export interface EvalContext {
  runDir: string;
  basis: LoadedBasis;
  prior: Gaussian;
  split: SplitFile;
  data: Dataset;
  judge: Judge | null;
  core: PrefCore;
  /** Item keys: dataset items first, then sidecar candidates not in the data. */
  itemIndex: Map<string, number>;
  J: number;
  d: number;
  /** nItems x d */
  embeddings: Float32Array;
  /** nItems x J: phi = W e, from the core */
  phi: Float64Array;
  /** nItems: the population model's reward w_pop . e */
  population: Float64Array;
  /** nItems: 1 where the item's prompt is not among the basis's known prompts; null when the basis has none. */
  onNewPrompt: Uint8Array | null;
  /** A user's dataset rows, in file order (empty for an unknown user). */
  rowsOf(user: string): Int32Array;
}

export const itemKey = (prompt: string, text: string) => `${prompt}\u0000${text}`;

function readJson(file: string, what: string): unknown {
  assertReadableFile(file, what);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new CliError(`${what} ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** A trained run's artifacts and data, loaded once (a second basis can be evaluated on the same users and splits). */
export interface EvalRun {
  runDir: string;
  basis: LoadedBasis;
  split: SplitFile;
  population: { w: number[] };
  data: Dataset;
  dataFile: string;
  judge: Judge | null;
}

export function readBasisFile(file: string): LoadedBasis {
  try {
    return loadBasisArtifact(readJson(file, "basis"));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${file} is not a valid basis artifact: ${(error as Error).message.slice(0, 400)}`);
  }
}

export async function loadEvalRun(runDir: string, flags: { data?: string }): Promise<EvalRun> {
  if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory()) throw new CliError(`run directory not found: ${runDir}`);
  const basis = readBasisFile(path.join(runDir, "basis.json"));
  const split = readJson(path.join(runDir, "split.json"), "split") as SplitFile;
  if (split.format !== SPLIT_FORMAT) throw new CliError(`${path.join(runDir, "split.json")}: expected format ${SPLIT_FORMAT}`);
  const population = readJson(path.join(runDir, "population.json"), "population model") as { format: string; w: number[] };
  if (population.format !== POPULATION_FORMAT) throw new CliError(`${path.join(runDir, "population.json")}: expected format ${POPULATION_FORMAT}`);
  if (split.users.heldout.length === 0) throw new CliError(`${runDir} was trained with --holdout 0: there are no held-out users to evaluate`);
  const dataFile = flags.data ?? path.resolve(runDir, split.data);
  const data = await loadDataset(dataFile);
  const sidecarFile = sidecarPathFor(dataFile);
  const judge = fs.existsSync(sidecarFile) ? loadJudge(sidecarFile) : null;
  return { runDir, basis, split, population, data, dataFile, judge };
}

/** Everything the protocol needs to evaluate `basis` on the run's held-out users. */
export async function evalContext(run: EvalRun, basis: LoadedBasis, flags: Partial<EmbedderFlags>): Promise<EvalContext> {
  const { runDir, split, data, dataFile, judge } = run;
  const pop = run.population;
  const { J, d } = basis.matrix;
  const embedderId = basis.artifact.embedder.id;
  if (data.embedder !== null && data.embedder !== embedderId) {
    throw new CliError(`${dataFile} holds embeddings from "${data.embedder}", but the basis reads "${embedderId}"`);
  }
  const itemIndex = new Map<string, number>();
  data.items.forEach((it, i) => itemIndex.set(itemKey(data.prompts[it.prompt], it.text), i));
  const extra: { prompt: string; text: string }[] = [];
  if (judge) {
    for (const p of judge.sidecar.prompts) {
      for (const r of p.responses) {
        const key = itemKey(p.prompt, r.text);
        if (itemIndex.has(key)) continue;
        itemIndex.set(key, data.items.length + extra.length);
        extra.push({ prompt: p.prompt, text: r.text });
      }
    }
  }
  const embedded = await embedDataset(data, embedderId, flags, extra);
  if (embedded.d !== d) throw new CliError(`basis expects d = ${d} but ${embedderId} gives ${embedded.d}`);

  const core = await loadCore();
  core.loadBasis(basis.matrix);
  const n = embedded.n;
  const phi = new Float64Array(n * J);
  for (let s = 0; s < n; s += MAX_CANDIDATES) {
    const m = Math.min(MAX_CANDIDATES, n - s);
    phi.set(core.project(basis.matrix.id, embedded.vectors.subarray(s * d, (s + m) * d), m), s * J);
  }
  // The population model: the basis's own population row when it has one (so k = 0 is exactly it), else the pooled
  // model trained beside the basis.
  const population = new Float64Array(n);
  if (basis.populationBase !== null) {
    for (let i = 0; i < n; i++) population[i] = phi[i * J + basis.populationBase];
  } else if (pop.w.length !== d) {
    // A basis from another embedder, without a population row: what it gives a new user (its prior mean).
    for (let i = 0; i < n; i++) for (let j = 0; j < J; j++) population[i] += basis.mu0[j] * phi[i * J + j];
  } else {
    const w = Float64Array.from(pop.w);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += w[k] * embedded.vectors[i * d + k];
      population[i] = s;
    }
  }
  const prior = gaussianFromCovariance(basis.mu0, basis.sigma0);
  let onNewPrompt: Uint8Array | null = null;
  if (basis.prompts) {
    const itemPrompts = [...data.items.map((it) => data.prompts[it.prompt]), ...extra.map((e) => e.prompt)];
    const keys = new Map<string, string>();
    for (const p of new Set(itemPrompts)) keys.set(p, await promptKey(p));
    onNewPrompt = Uint8Array.from(itemPrompts, (p) => (basis.prompts!.known.has(keys.get(p)!) ? 0 : 1));
  }
  const byUser: number[][] = data.users.map(() => []);
  for (let r = 0; r < data.n; r++) byUser[data.user[r]].push(r);
  const userIndex = new Map(data.users.map((u, i) => [u, i]));
  const rowsOf = (user: string) => {
    const u = userIndex.get(user);
    return u === undefined ? new Int32Array(0) : Int32Array.from(byUser[u]);
  };
  return { runDir, basis, prior, split, data, judge, core, itemIndex, J, d, embeddings: embedded.vectors, phi, population, onNewPrompt, rowsOf };
}
