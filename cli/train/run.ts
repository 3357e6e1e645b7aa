// `pref train` end to end: load and split the data, embed, then
//   1. selection: on the fit users and fit prompts, fit the population reward (its regularisation chosen on the
//      held-out validation prompts), the personal deviations on top of it and their prior; choose the prior's scale on
//      the validation users (docs/training.md);
//   2. the final fit: the same on every training user and prompt with the chosen settings (unless --no-refit);
// then validate and write the artifacts (nothing is written if any step fails).
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { BASIS_FORMAT, basisArtifactSchema, rowsOf } from "../../core/artifact.ts";
import { MAX_KNOWN_PROMPTS, encodeKnownPrompts, promptKey } from "../../core/known-prompts.ts";
import type { PrefCore } from "../../core/types.ts";
import { loadCore } from "../core.ts";
import type { Dataset } from "../data/dataset.ts";
import { loadDataset } from "../data/dataset.ts";
import { writeFileAtomic } from "../data/jsonl.ts";
import { datasetEmbedder, embedDataset } from "../embedders/dataset-embeddings.ts";
import { type EmbedderFlags } from "../embedders/flags.ts";
import { CliError } from "../errors.ts";
import { note, startProgress } from "../progress.ts";
import { PINNED_PRECISION, alternatingFit, groupByUser, userObservations } from "./alternating.ts";
import { type ItemEmbeddings, pairDesign, projectPairs } from "./design.ts";
import { fitAccuracy, meanLogLikelihood, observationMargins } from "./fit-metrics.ts";
import { fixGauge } from "./gauge.ts";
import { type InitMode, initialise } from "./init.ts";
import { type PairObservations, collectPairs } from "./pairs.ts";
import { type PopulationFit, fitPopulation } from "./population.ts";
import { empiricalBayesPrior, populationPrior } from "./prior.ts";
import { type ScaleChoice, type ValidationUser, choosePriorScale } from "./prior-scale.ts";
import { pickValidationResponses, pickValidationUsers, splitDataset } from "./split.ts";

export interface TrainOptions extends EmbedderFlags {
  data: string;
  out: string;
  /** Personal bases J (the served basis has one more, the population row, unless `population` is false). */
  bases: number;
  holdout: number;
  holdoutPrompts: number;
  seed: number;
  init: InitMode;
  imputeRank?: number;
  imputeIterations: number;
  ridge: number;
  /** L2 regularisation of the personal bases W. */
  reg: number;
  iterations: number;
  /** Stop the EM rounds when the objective improves by less than this fraction. */
  tolerance: number;
  shrinkage: number;
  /** Empirical-Bayes (EM) rounds for the prior; 0 = the covariance of the fitted weights. */
  priorEm: number;
  /** L2 of the pooled population model, or "auto": chosen on the validation prompts. */
  populationReg: number | "auto";
  /** Serve population plus personal deviations (the default); false = the plain factorisation (pref-basis/1 model). */
  population: boolean;
  /** Fraction of the training users kept out of the selection fit to choose the prior's scale. */
  validateUsers: number;
  /** Fraction of the training prompts kept out of the selection fit (new answers to choose settings on). */
  validatePrompts: number;
  /** Refit on every training user and prompt with the chosen settings (default true). */
  refit: boolean;
  /** Whether --embedder was given on the command line (it must then match the data's embedder, if it names one). */
  embedderExplicit?: boolean;
}

export const SPLIT_FORMAT = "pref-split/1";
export const POPULATION_FORMAT = "pref-population/1";

const sig = (x: number) => Number(x.toPrecision(8));
const seconds = (t0: number) => Number(((performance.now() - t0) / 1000).toFixed(2));
const r4 = (x: number) => Number(x.toFixed(4));

export interface TrainResult {
  basisFile: string;
  seconds: Record<string, number>;
}

/** Served rows: the population row (when there is one) above the deviation rows. */
function stackRows(top: Float64Array | null, rows: Float64Array, width: number): Float64Array {
  if (!top) return rows;
  const out = new Float64Array(top.length + rows.length);
  out.set(top, 0);
  out.set(rows, width);
  return out;
}

/** A fitted basis and its prior, before the prior's scale is chosen. */
interface FittedModel {
  obs: PairObservations;
  /** Js x d served rows, U x Js weights, Js prior. */
  W: Float64Array;
  lambdas: Float64Array;
  mu0: Float64Array;
  sigma0: Float64Array;
  Z: Float64Array;
  init: Record<string, unknown>;
  iterations: number;
  objectives: number[];
  baseVariance: number[];
  priorIterations: number;
}

interface Context {
  o: TrainOptions;
  data: Dataset;
  embeddings: ItemEmbeddings;
  core: PrefCore;
  timing: Record<string, number>;
}

/** Steps 2-4 on one set of comparisons: initialise and fit the deviations on the population offset, fix the gauge, fit the prior. */
function fitModel(ctx: Context, obs: PairObservations, population: Float64Array, stage: string): FittedModel {
  const { o, core, embeddings, timing } = ctx;
  const J = o.bases;
  const { d } = embeddings;
  const pinned = o.population ? 1 : 0;
  const Js = J + pinned;
  const design = pairDesign(obs, embeddings);
  const offset = o.population ? projectPairs(design, population, 1) : null;

  let t = performance.now();
  const initBar = startProgress(`${stage}: ${o.init} init`, o.init.startsWith("svd") ? o.imputeIterations + 2 : 1);
  const init = initialise(obs, design, {
    mode: o.init,
    J,
    imputeRank: o.imputeRank ?? J,
    imputeIterations: o.imputeIterations,
    ridge: o.ridge,
    seed: o.seed,
    offset,
    onStep: () => initBar.increment(),
  });
  initBar.stop();
  timing[`${stage}_init`] = seconds(t);

  t = performance.now();
  const bar = startProgress(`${stage}: EM rounds`, o.iterations);
  const fit = alternatingFit(core, obs, design, stackRows(o.population ? population : null, init.W, d), Js, pinned, {
    reg: o.reg,
    iterations: o.iterations,
    tolerance: o.tolerance,
    cgIterations: 15,
    onIteration: () => bar.increment(),
  });
  bar.stop();
  timing[`${stage}_fit`] = seconds(t);

  t = performance.now();
  // The gauge acts on the deviation rows only.
  const freeW = fit.W.slice(pinned * d);
  const freeLambdas = new Float64Array(obs.U * J);
  for (let u = 0; u < obs.U; u++) freeLambdas.set(fit.lambdas.subarray(u * Js + pinned, u * Js + Js), u * J);
  const gauge = fixGauge(freeW, freeLambdas, projectPairs(design, freeW, J), obs.P, d, J, obs.U);
  const W = stackRows(o.population ? population : null, gauge.W, d);
  const lambdas = new Float64Array(obs.U * Js);
  for (let u = 0; u < obs.U; u++) {
    if (pinned) lambdas[u * Js] = 1;
    lambdas.set(gauge.lambdas.subarray(u * J, u * J + J), u * Js + pinned);
  }
  const Z = projectPairs(design, W, Js);

  let { mu0, sigma0 } = populationPrior(lambdas, obs.U, Js, o.shrinkage, pinned);
  if (o.population) {
    // Fixed mean; the spread of the population weight is not identified by the fit (it pinned the weight), so
    // EM starts it at the deviations' typical variance.
    mu0 = Float64Array.from({ length: Js }, (_, j) => (j === 0 ? 1 : 0));
    let typical = 0;
    for (let j = 1; j < Js; j++) typical += sigma0[j * Js + j] / J;
    for (let j = 0; j < Js; j++) sigma0[j] = sigma0[j * Js] = 0;
    sigma0[0] = Math.max(typical, 1e-3);
  }
  let priorIterations = 0;
  if (o.priorEm > 0) {
    const emBar = startProgress(`${stage}: empirical-Bayes prior`, o.priorEm);
    const eb = empiricalBayesPrior(core, userObservations(obs, Z, Js, groupByUser(obs)), { mu0, sigma0 }, Js, {
      shrinkage: o.shrinkage,
      iterations: o.priorEm,
      fixedMean: o.population,
      shrinkFrom: pinned,
      onIteration: () => emBar.increment(),
    });
    emBar.stop();
    ({ mu0, sigma0 } = eb);
    priorIterations = eb.iterations;
  }
  timing[`${stage}_prior`] = seconds(t);
  return { obs, W, lambdas, mu0, sigma0, Z, init: init.info, iterations: fit.iterations, objectives: fit.objectives, baseVariance: gauge.baseVariance, priorIterations };
}

/** Keys of the prompts the final fit learned on (core/known-prompts.ts), the most compared first when there are too many. */
async function knownPromptKeys(data: Dataset, obs: PairObservations): Promise<string[]> {
  const count = new Map<number, number>();
  for (let i = 0; i < obs.n; i++) {
    const p = data.prompt[obs.row[i]];
    count.set(p, (count.get(p) ?? 0) + 1);
  }
  const prompts = [...count.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, MAX_KNOWN_PROMPTS);
  return Promise.all(prompts.map(([p]) => promptKey(data.prompts[p])));
}

/** The validation users' comparisons in a basis, with what their pool/test splits need. */
function validationUsers(data: Dataset, users: number[], keep: (row: number) => boolean, unseen: (row: number) => boolean, W: Float64Array, Js: number, embeddings: ItemEmbeddings): ValidationUser[] {
  const obs = collectPairs(data, users, keep);
  const Z = projectPairs(pairDesign(obs, embeddings), W, Js);
  const byUser = groupByUser(obs);
  const observations = userObservations(obs, Z, Js, byUser);
  return byUser.map((rows, u) => ({
    obs: observations[u],
    prompt: Int32Array.from(rows, (i) => data.prompt[obs.row[i]]),
    pair: Int32Array.from(rows, (i) => obs.pair[i]),
    unseen: Uint8Array.from(rows, (i) => (unseen(obs.row[i]) ? 1 : 0)),
  }));
}

function population(ctx: Context, obs: PairObservations, reg: number | "auto", validation: PairObservations | null): PopulationFit {
  const t = performance.now();
  const bar = startProgress("population model", 30);
  const fit = fitPopulation(pairDesign(obs, ctx.embeddings), obs, {
    reg,
    validation: validation && validation.n > 0 ? { design: pairDesign(validation, ctx.embeddings), obs: validation } : null,
    onStep: () => bar.increment(),
  });
  bar.stop();
  ctx.timing.population = (ctx.timing.population ?? 0) + seconds(t);
  return fit;
}

const curveJson = (curve: object[]) => curve.map((c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, r4(v as number)])));

export async function runTrain(o: TrainOptions): Promise<TrainResult> {
  const timing: Record<string, number> = {};
  const t0 = performance.now();
  const data: Dataset = await loadDataset(o.data);
  const embedderId = datasetEmbedder(data, o.embedder, o.embedderExplicit ?? false);
  const split = splitDataset(data, o.holdout, o.holdoutPrompts, o.seed);
  const { fit: fitUsers, validation: valUsers } = pickValidationUsers(split.trainUsers, o.validateUsers, o.seed);
  const held = pickValidationResponses(data, split.heldoutPrompts, o.validatePrompts, o.seed);
  const inTraining = (r: number) => !split.heldoutPrompts.has(data.prompt[r]);
  const inFit = (r: number) => inTraining(r) && !(held?.has(r) ?? false);
  const J = o.bases;
  const Js = J + (o.population ? 1 : 0);
  const obsA = collectPairs(data, fitUsers, inFit);
  const usersWithData = new Set(Array.from(obsA.col)).size;
  if (obsA.n === 0) throw new CliError("no training comparisons left after the holdout");
  if (J > usersWithData) throw new CliError(`--bases ${J} is more than the ${usersWithData} training users with comparisons can identify`);
  timing.load = seconds(t0);

  let t = performance.now();
  const embeddings = await embedDataset(data, embedderId, o);
  const { d } = embeddings;
  if (J > d) throw new CliError(`--bases ${J} is larger than the embedding dimension ${d}`);
  timing.embed = seconds(t);
  const ctx: Context = { o, data, embeddings, core: await loadCore(), timing };

  // 1. Selection.
  const heldObs = held ? collectPairs(data, fitUsers, (r) => inTraining(r) && held.has(r)) : null;
  const popA = population(ctx, obsA, o.populationReg, heldObs);
  const modelA = fitModel(ctx, obsA, popA.w, "selection");
  let validation: Record<string, number> | undefined;
  if (heldObs && heldObs.n > 0) {
    // The fit users' own weights on answers the fit never saw: what --reg is chosen by (docs/results.md).
    const margins = observationMargins(heldObs, projectPairs(pairDesign(heldObs, embeddings), modelA.W, Js), modelA.lambdas, Js);
    validation = { by_prompt: held!.by === "prompt" ? 1 : 0, groups: held!.groups, comparisons: heldObs.n, accuracy: r4(fitAccuracy(heldObs, margins)), log_likelihood: Number(meanLogLikelihood(heldObs, margins).toFixed(5)) };
    note(`validation on ${held!.groups} held-out ${held!.by === "prompt" ? "prompts" : "pairs"}: accuracy ${validation.accuracy}, mean log-likelihood ${validation.log_likelihood}`);
  }
  t = performance.now();
  let scale: ScaleChoice | null = null;
  if (valUsers.length > 0) {
    const users = validationUsers(data, valUsers, inTraining, (r) => held?.has(r) ?? false, modelA.W, Js, embeddings);
    scale = choosePriorScale(ctx.core, users, modelA.mu0, modelA.sigma0, Js, o.seed, held?.by === "prompt");
    for (const [setting, s] of Object.entries(scale.settings)) {
      const pop = s.curve[0];
      const chosen = s.curve.find((c) => c.scale === scale!.scale)!;
      note(
        `prior scale ${scale.scale} on ${s.users} validation users, ${setting} answers: predictive log-loss ${chosen.log_loss.toFixed(4)} ` +
          `(population only ${pop.log_loss.toFixed(4)}), accuracy ${chosen.accuracy.toFixed(4)} (${pop.accuracy.toFixed(4)})`,
      );
    }
    if (scale.weights) {
      const chosen = scale.weights.find((w) => w.weight === scale!.newPromptWeight)!;
      note(`deviation weight ${scale.newPromptWeight} on new prompts: predictive log-loss ${chosen.log_loss.toFixed(4)} (weight 1: ${scale.weights[scale.weights.length - 1].log_loss.toFixed(4)})`);
    }
  }
  timing.scale = seconds(t);

  // 2. The final fit on everything, with the chosen settings.
  const selected = valUsers.length > 0 || held !== null;
  let final = modelA;
  let pop = popA;
  if (o.refit && selected) {
    const obsB = collectPairs(data, split.trainUsers, inTraining);
    pop = { ...population(ctx, obsB, popA.reg, null), validation: popA.validation };
    final = fitModel(ctx, obsB, pop.w, "final");
  }
  const sigma0 = final.sigma0.map((v) => v * (scale?.scale ?? 1));
  const newPromptWeight = scale?.newPromptWeight ?? 1;
  const prompts = newPromptWeight < 1 ? { known: encodeKnownPrompts(await knownPromptKeys(data, final.obs)), new_prompt_weight: newPromptWeight } : undefined;
  const trainAccuracy = fitAccuracy(final.obs, observationMargins(final.obs, final.Z, final.lambdas, Js));
  timing.total = seconds(t0);

  const Wrounded = Array.from(final.W, sig);
  const sigma0Rounded = Array.from(sigma0, sig);
  // Bases are immutable by id, so the id covers everything that changes what is served: W, the prior, the prompts.
  const digest = crypto.createHash("sha256").update(Buffer.from(Float64Array.from(Wrounded).buffer)).update(Buffer.from(Float64Array.from(sigma0Rounded).buffer));
  if (prompts) digest.update(`${prompts.known}\u0000${prompts.new_prompt_weight}`);
  const id = `pref-J${Js}-${digest.digest("hex").slice(0, 12)}`;
  const artifact = {
    format: BASIS_FORMAT,
    id,
    created_at: new Date().toISOString(),
    embedder: { id: embedderId, d },
    J: Js,
    W: rowsOf(Wrounded, Js, d),
    mu0: Array.from(final.mu0, sig),
    sigma0: rowsOf(sigma0Rounded, Js, Js),
    population: o.population ? { base: 0 as const, reg: pop.reg } : null,
    ...(prompts ? { prompts } : {}),
    labels: null,
    training: {
      data: o.data,
      seed: o.seed,
      users: { train: split.trainUsers.length, validation: valUsers.length, heldout: split.heldoutUsers.length },
      prompts: { total: data.prompts.length, heldout: split.heldoutPrompts.size, validation: held ? { by: held.by, held_out: held.groups } : null },
      refit: o.refit && selected,
      pairs: final.obs.P,
      comparisons: final.obs.n,
      init: final.init,
      reg: o.reg,
      population: { reg: pop.reg, ...(pop.validation ? { validation: curveJson(pop.validation) } : {}) },
      prior: {
        shrinkage: o.shrinkage,
        em_iterations: final.priorIterations,
        scale: scale?.scale ?? 1,
        new_prompt_weight: newPromptWeight,
        ...(scale?.weights ? { new_prompt_weights: curveJson(scale.weights) } : {}),
        ...(scale
          ? { validation: Object.fromEntries(Object.entries(scale.settings).map(([k, s]) => [k, { users: s.users, split: s.split, curve: curveJson(s.curve) }])) }
          : {}),
        ...(o.population ? { pinned_precision: PINNED_PRECISION } : {}),
      },
      iterations: final.iterations,
      objective: final.objectives.map((v) => Number(v.toPrecision(7))),
      base_user_variance: final.baseVariance.map((v) => Number(v.toPrecision(5))),
      train_accuracy: r4(trainAccuracy),
      ...(validation ? { validation } : {}),
      seconds: timing,
    },
  };
  const valid = basisArtifactSchema.safeParse(artifact);
  if (!valid.success) throw new Error(`internal error: the basis artifact does not validate: ${valid.error.message}`);
  const splitFile = {
    format: SPLIT_FORMAT,
    // Relative to the run directory, so a committed run stays valid on another machine or checkout.
    data: path.relative(path.resolve(o.out), path.resolve(o.data)),
    seed: o.seed,
    holdout: o.holdout,
    holdout_prompts: o.holdoutPrompts,
    users: {
      train: split.trainUsers.map((u) => data.users[u]),
      validation: valUsers.map((u) => data.users[u]),
      heldout: split.heldoutUsers.map((u) => data.users[u]),
    },
    prompts: { heldout: [...split.heldoutPrompts].sort((a, b) => a - b).map((p) => data.prompts[p]) },
  };
  const populationModel = { format: POPULATION_FORMAT, embedder: { id: embedderId, d }, reg: pop.reg, w: Array.from(pop.w, sig) };

  fs.mkdirSync(o.out, { recursive: true });
  const basisFile = path.join(o.out, "basis.json");
  writeFileAtomic(path.join(o.out, "split.json"), JSON.stringify(splitFile, null, 1));
  writeFileAtomic(path.join(o.out, "population.json"), JSON.stringify(populationModel));
  writeFileAtomic(basisFile, JSON.stringify(artifact));
  note(
    `trained ${id}: ${o.population ? `population + ${J} deviations` : `J=${J}`}, d=${d}, ${final.obs.U} users x ${final.obs.P} pairs (${final.obs.n} comparisons), ` +
      `${final.iterations} EM rounds, train accuracy ${(100 * trainAccuracy).toFixed(1)}%, ${timing.total} s (embedding ${timing.embed} s) -> ${o.out}`,
  );
  return { basisFile, seconds: timing };
}
