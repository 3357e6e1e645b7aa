// `pref train` end to end: load and split the data, embed, initialise, alternate, fix the gauge, build the prior and
// the pooled population model, then validate and write the artifacts (nothing is written if any step fails).
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { BASIS_FORMAT, basisArtifactSchema, rowsOf } from "../../core/artifact.ts";
import { loadCore } from "../core.ts";
import type { Dataset } from "../data/dataset.ts";
import { loadDataset } from "../data/dataset.ts";
import { writeFileAtomic } from "../data/jsonl.ts";
import { embedItems } from "../embedders/embed-items.ts";
import { type EmbedderFlags } from "../embedders/flags.ts";
import { createEmbedder } from "../embedders/index.ts";
import { CliError } from "../errors.ts";
import { note, startProgress } from "../progress.ts";
import { alternatingFit, userObservations } from "./alternating.ts";
import { fixGauge } from "./gauge.ts";
import { type InitMode, initialise } from "./init.ts";
import { fitLogistic } from "./logistic-regression.ts";
import { collectPairs, pairDifferences } from "./pairs.ts";
import { empiricalBayesPrior, populationPrior } from "./prior.ts";
import { pickValidationPrompts, splitDataset } from "./split.ts";
import { fitAccuracy, meanLogLikelihood } from "./fit-metrics.ts";

export interface TrainOptions extends EmbedderFlags {
  data: string;
  out: string;
  bases: number;
  holdout: number;
  holdoutPrompts: number;
  seed: number;
  init: InitMode;
  imputeRank?: number;
  imputeIterations: number;
  ridge: number;
  reg: number;
  iterations: number;
  /** Stop alternating when the objective improves by less than this fraction. */
  tolerance: number;
  shrinkage: number;
  /** Empirical-Bayes (EM) rounds for the prior; 0 = the covariance of the fitted weights. */
  priorEm: number;
  populationReg: number;
  /** Fraction of the training prompts held out of the fit to score generalisation (model selection). */
  validatePrompts?: number;
}

export const SPLIT_FORMAT = "pref-split/1";
export const POPULATION_FORMAT = "pref-population/1";

const sig = (x: number) => Number(x.toPrecision(8));
const seconds = (t0: number) => Number(((performance.now() - t0) / 1000).toFixed(2));

export interface TrainResult {
  basisFile: string;
  seconds: Record<string, number>;
}

export async function runTrain(o: TrainOptions): Promise<TrainResult> {
  const timing: Record<string, number> = {};
  const t0 = performance.now();
  const embedder = createEmbedder(o.embedder, o);
  const data: Dataset = await loadDataset(o.data);
  const split = splitDataset(data, o.holdout, o.holdoutPrompts, o.seed);
  // Validation prompts (model selection without touching held-out users): a further fraction of the training prompts
  // whose comparisons by the *training* users are kept out of the fit and scored with those users' own weights.
  const validationPrompts = pickValidationPrompts(data, split.heldoutPrompts, o.validatePrompts ?? 0, o.seed);
  const obs = collectPairs(data, split.trainUsers, (r) => !split.heldoutPrompts.has(data.prompt[r]) && !validationPrompts.has(data.prompt[r]));
  const J = o.bases;
  const usersWithData = new Set(Array.from(obs.col)).size;
  if (obs.n === 0) throw new CliError("no training comparisons left after the holdout");
  if (J > Math.min(usersWithData, obs.P)) {
    throw new CliError(
      `--bases ${J} is larger than the data supports: the preference matrix has ${obs.P} pairs x ${usersWithData} training users, so its rank is at most ${Math.min(obs.P, usersWithData)}`,
    );
  }
  timing.load = seconds(t0);

  let t = performance.now();
  const items = data.items.map((it) => ({ prompt: data.prompts[it.prompt], text: it.text }));
  const { d, vectors } = await embedItems(embedder, items, "embedding items");
  if (J > d) throw new CliError(`--bases ${J} is larger than the embedding dimension ${d}`);
  timing.embed = seconds(t);

  t = performance.now();
  const dE = pairDifferences(obs, vectors, d);
  const initBar = startProgress("SVD init + ridge", o.init === "random" ? 0 : o.imputeIterations + 2);
  const init = initialise(obs, dE, d, {
    mode: o.init,
    J,
    imputeRank: o.imputeRank ?? J,
    imputeIterations: o.imputeIterations,
    ridge: o.ridge,
    seed: o.seed,
    onStep: () => initBar.increment(),
  });
  initBar.stop();
  timing.init = seconds(t);

  t = performance.now();
  const core = await loadCore();
  const bar = startProgress("alternating BT", o.iterations);
  const fit = alternatingFit(core, obs, dE, d, init.W, init.lambdas, J, {
    reg: o.reg,
    iterations: o.iterations,
    tolerance: o.tolerance,
    cgIterations: 15,
    onIteration: () => bar.increment(),
  });
  bar.stop();
  timing.alternate = seconds(t);

  t = performance.now();
  const gauge = fixGauge(fit.W, fit.lambdas, dE, obs.P, d, J, obs.U);
  let { mu0, sigma0 } = populationPrior(gauge.lambdas, obs.U, J, o.shrinkage);
  let priorIterations = 0;
  if (o.priorEm > 0) {
    const eb = empiricalBayesPrior(core, userObservations(obs, dE, gauge.W, d, J), { mu0, sigma0 }, J, o.shrinkage, o.priorEm);
    ({ mu0, sigma0 } = eb);
    priorIterations = eb.iterations;
  }
  timing.prior = seconds(t);

  t = performance.now();
  const trials = new Float64Array(obs.P);
  const wins = new Float64Array(obs.P);
  for (let i = 0; i < obs.n; i++) {
    trials[obs.pair[i]] += 1;
    wins[obs.pair[i]] += obs.label[i];
  }
  const popBar = startProgress("population model", 30);
  const population = fitLogistic(dE, obs.P, d, trials, wins, { reg: o.populationReg, maxNewton: 30, onStep: () => popBar.increment() });
  popBar.stop();
  timing.population = seconds(t);

  const trainAccuracy = fitAccuracy(obs, dE, d, gauge.W, gauge.lambdas, J);
  let validation: Record<string, number> | undefined;
  if (validationPrompts.size > 0) {
    const vobs = collectPairs(data, split.trainUsers, (r) => validationPrompts.has(data.prompt[r]));
    const vdE = pairDifferences(vobs, vectors, d);
    validation = {
      prompts: validationPrompts.size,
      comparisons: vobs.n,
      accuracy: Number(fitAccuracy(vobs, vdE, d, gauge.W, gauge.lambdas, J).toFixed(4)),
      log_likelihood: Number(meanLogLikelihood(vobs, vdE, d, gauge.W, gauge.lambdas, J).toFixed(5)),
    };
    note(`validation on ${validationPrompts.size} unseen training prompts: accuracy ${validation.accuracy}, mean log-likelihood ${validation.log_likelihood}`);
  }
  timing.total = seconds(t0);
  const Wrounded = Array.from(gauge.W, sig);
  const id = `pref-J${J}-${crypto.createHash("sha256").update(Buffer.from(Float64Array.from(Wrounded).buffer)).digest("hex").slice(0, 12)}`;
  const artifact = {
    format: BASIS_FORMAT,
    id,
    created_at: new Date().toISOString(),
    embedder: { id: embedder.id, d },
    J,
    W: rowsOf(Wrounded, J, d),
    mu0: Array.from(mu0, sig),
    sigma0: rowsOf(Array.from(sigma0, sig), J, J),
    labels: null,
    training: {
      data: o.data,
      seed: o.seed,
      users: { train: split.trainUsers.length, heldout: split.heldoutUsers.length },
      prompts: { total: data.prompts.length, heldout: split.heldoutPrompts.size },
      pairs: obs.P,
      comparisons: obs.n,
      init: init.info,
      reg: o.reg,
      prior: { shrinkage: o.shrinkage, em_iterations: priorIterations },
      iterations: fit.iterations,
      objective: fit.objectives.map((v) => Number(v.toPrecision(7))),
      base_user_variance: gauge.baseVariance.map((v) => Number(v.toPrecision(5))),
      train_accuracy: Number(trainAccuracy.toFixed(4)),
      ...(validation ? { validation } : {}),
      seconds: timing,
    },
  };
  const valid = basisArtifactSchema.safeParse(artifact);
  if (!valid.success) throw new Error(`internal error: the basis artifact does not validate: ${valid.error.message}`);
  const split_ = {
    format: SPLIT_FORMAT,
    // Relative to the run directory, so a committed run stays valid on another machine or checkout.
    data: path.relative(path.resolve(o.out), path.resolve(o.data)),
    seed: o.seed,
    holdout: o.holdout,
    holdout_prompts: o.holdoutPrompts,
    users: { train: split.trainUsers.map((u) => data.users[u]), heldout: split.heldoutUsers.map((u) => data.users[u]) },
    prompts: { heldout: [...split.heldoutPrompts].sort((a, b) => a - b).map((p) => data.prompts[p]) },
  };
  const populationModel = { format: POPULATION_FORMAT, embedder: { id: embedder.id, d }, reg: o.populationReg, w: Array.from(population, sig) };

  fs.mkdirSync(o.out, { recursive: true });
  const basisFile = path.join(o.out, "basis.json");
  writeFileAtomic(path.join(o.out, "split.json"), JSON.stringify(split_, null, 1));
  writeFileAtomic(path.join(o.out, "population.json"), JSON.stringify(populationModel));
  writeFileAtomic(basisFile, JSON.stringify(artifact));
  note(
    `trained ${id}: J=${J}, d=${d}, ${obs.U} users x ${obs.P} pairs (${obs.n} comparisons), ${fit.iterations} iterations, ` +
      `train accuracy ${(100 * trainAccuracy).toFixed(1)}%, ${timing.total} s (embedding ${timing.embed} s) -> ${o.out}`,
  );
  return { basisFile, seconds: timing };
}
