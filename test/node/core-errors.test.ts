// Bad inputs: both cores throw the same CoreError (status and field), and resident state survives untouched.
import { beforeAll, describe, expect, it } from "vitest";
import { gaussianFromCovariance } from "../../core/gaussian.ts";
import { type Gaussian, type PrefCore, Status } from "../../core/types.ts";
import { type Cores, Rng, bothCores, expectCoreError, getCores, randomBasis, randomEmbeddings, randomGaussian, randomObservations } from "./core-fixtures.ts";

let c: Cores;
beforeAll(async () => {
  c = await getCores();
});

const J = 4;
const d = 8;
const rng = new Rng(2024);
const basis = randomBasis(rng, "errors-basis", J, d);
const post = randomGaussian(rng, J);
const E = randomEmbeddings(rng, 3, d);
const obs = randomObservations(rng, J, 5);
const phi = rng.normals(3 * J);

const withNaN = (a: Float64Array, i = 0, v = Number.NaN): Float64Array => {
  const b = Float64Array.from(a);
  b[i] = v;
  return b;
};
const gaussian = (patch: Partial<Gaussian>): Gaussian => ({ ...post, ...patch });
const notPD = gaussian({ precisionChol: withNaN(post.precisionChol, J + 1, -0.5) });
const zeroDiag = gaussian({ precisionChol: withNaN(post.precisionChol, 0, 0) });

type Case = [string, (core: PrefCore) => unknown, number, string];
const id = basis.id;
const cases: Case[] = [
  // bases
  ["basis W length", (k) => k.loadBasis({ ...basis, id: "x1", W: new Float64Array(5) }), Status.BAD_DIMENSION, "basis.W"],
  ["basis J = 0", (k) => k.loadBasis({ ...basis, id: "x2", J: 0 }), Status.BAD_DIMENSION, "basis.J"],
  ["basis d fractional", (k) => k.loadBasis({ ...basis, id: "x3", d: 1.5 }), Status.BAD_DIMENSION, "basis.d"],
  ["basis W NaN", (k) => k.loadBasis({ ...basis, id: "x4", W: withNaN(basis.W, 9) }), Status.NON_FINITE, "basis.W"],
  ["basis W Inf", (k) => k.loadBasis({ ...basis, id: "x5", W: withNaN(basis.W, J * d - 1, Infinity) }), Status.NON_FINITE, "basis.W"],
  ["basis empty id", (k) => k.loadBasis({ ...basis, id: "" }), Status.OUT_OF_RANGE, "basis.id"],
  // project
  ["unknown basis", (k) => k.project("nope", E, 3), Status.NO_BASIS, "basisId"],
  ["project n = 0", (k) => k.project(id, E, 0), Status.EMPTY, "n"],
  ["project n negative", (k) => k.project(id, E, -1), Status.BAD_DIMENSION, "n"],
  ["project embeddings length", (k) => k.project(id, E, 2), Status.BAD_DIMENSION, "embeddings"],
  ["project embeddings NaN", (k) => k.project(id, withNaN(E, 17), 3), Status.NON_FINITE, "embeddings"],
  ["project embeddings -Inf", (k) => k.project(id, withNaN(E, 0, -Infinity), 3), Status.NON_FINITE, "embeddings"],
  // score
  ["score unknown basis", (k) => k.score("nope", post, E, 3), Status.NO_BASIS, "basisId"],
  ["score J mismatch", (k) => k.score(id, randomGaussian(new Rng(1), J + 1), E, 3), Status.BAD_DIMENSION, "posterior.J"],
  ["score mean length", (k) => k.score(id, gaussian({ mean: new Float64Array(J - 1) }), E, 3), Status.BAD_DIMENSION, "posterior.mean"],
  ["score chol length", (k) => k.score(id, gaussian({ precisionChol: new Float64Array(J) }), E, 3), Status.BAD_DIMENSION, "posterior.precisionChol"],
  ["score n = 0", (k) => k.score(id, post, E, 0), Status.EMPTY, "n"],
  ["score n > 64", (k) => k.score(id, post, new Float64Array(65 * d), 65), Status.TOO_MANY, "n"],
  ["score n fractional", (k) => k.score(id, post, E, 2.5), Status.BAD_DIMENSION, "n"],
  ["score embeddings length", (k) => k.score(id, post, E.slice(1), 3), Status.BAD_DIMENSION, "embeddings"],
  ["score mean NaN", (k) => k.score(id, gaussian({ mean: withNaN(post.mean, 2) }), E, 3), Status.NON_FINITE, "posterior.mean"],
  ["score chol Inf", (k) => k.score(id, gaussian({ precisionChol: withNaN(post.precisionChol, 4, Infinity) }), E, 3), Status.NON_FINITE, "posterior.precisionChol"],
  ["score chol not PD", (k) => k.score(id, notPD, E, 3), Status.NOT_POSITIVE_DEFINITE, "posterior.precisionChol"],
  ["score chol zero diagonal", (k) => k.score(id, zeroDiag, E, 3), Status.NOT_POSITIVE_DEFINITE, "posterior.precisionChol"],
  ["score embeddings NaN", (k) => k.score(id, post, withNaN(E, 23), 3), Status.NON_FINITE, "embeddings"],
  ["score embeddings overflow", (k) => k.score(id, post, new Float64Array(3 * d).fill(1e307), 3), Status.NON_FINITE, "embeddings"],
  // fold / scoreFolded
  ["fold lambda length", (k) => k.fold(id, new Float64Array(J + 1)), Status.BAD_DIMENSION, "lambda"],
  ["fold lambda NaN", (k) => k.fold(id, withNaN(post.mean, 1)), Status.NON_FINITE, "lambda"],
  ["fold unknown basis", (k) => k.fold("nope", post.mean), Status.NO_BASIS, "basisId"],
  ["scoreFolded empty folded", (k) => k.scoreFolded(new Float64Array(0), E, 3), Status.BAD_DIMENSION, "folded"],
  ["scoreFolded embeddings length", (k) => k.scoreFolded(new Float64Array(d), E, 4), Status.BAD_DIMENSION, "embeddings"],
  ["scoreFolded folded Inf", (k) => k.scoreFolded(withNaN(new Float64Array(d), 3, Infinity), E, 3), Status.NON_FINITE, "folded"],
  ["scoreFolded embeddings NaN", (k) => k.scoreFolded(new Float64Array(d), withNaN(E, 5), 3), Status.NON_FINITE, "embeddings"],
  ["scoreFolded n = 0", (k) => k.scoreFolded(new Float64Array(d), E, 0), Status.EMPTY, "n"],
  // fitPosterior
  ["fit prior J", (k) => k.fitPosterior(gaussian({ J: 0 }), obs), Status.BAD_DIMENSION, "prior.J"],
  ["fit prior mean length", (k) => k.fitPosterior(gaussian({ mean: new Float64Array(2) }), obs), Status.BAD_DIMENSION, "prior.mean"],
  ["fit obs.n", (k) => k.fitPosterior(post, { ...obs, n: -1 }), Status.BAD_DIMENSION, "obs.n"],
  ["fit obs.z length", (k) => k.fitPosterior(post, { ...obs, z: obs.z.slice(1) }), Status.BAD_DIMENSION, "obs.z"],
  ["fit obs.label length", (k) => k.fitPosterior(post, { ...obs, label: obs.label.slice(1) }), Status.BAD_DIMENSION, "obs.label"],
  ["fit obs.weight length", (k) => k.fitPosterior(post, { ...obs, weight: new Float64Array(9) }), Status.BAD_DIMENSION, "obs.weight"],
  ["fit init length", (k) => k.fitPosterior(post, obs, { init: new Float64Array(1) }), Status.BAD_DIMENSION, "options.init"],
  ["fit maxIterations", (k) => k.fitPosterior(post, obs, { maxIterations: -1 }), Status.OUT_OF_RANGE, "options.maxIterations"],
  ["fit tolerance", (k) => k.fitPosterior(post, obs, { tolerance: Number.NaN }), Status.OUT_OF_RANGE, "options.tolerance"],
  ["fit prior mean NaN", (k) => k.fitPosterior(gaussian({ mean: withNaN(post.mean) }), obs), Status.NON_FINITE, "prior.mean"],
  ["fit prior not PD", (k) => k.fitPosterior(notPD, obs), Status.NOT_POSITIVE_DEFINITE, "prior.precisionChol"],
  ["fit prior chol NaN above diagonal", (k) => k.fitPosterior(gaussian({ precisionChol: withNaN(post.precisionChol, 1) }), obs), Status.NON_FINITE, "prior.precisionChol"],
  ["fit z NaN", (k) => k.fitPosterior(post, { ...obs, z: withNaN(obs.z, 7) }), Status.NON_FINITE, "obs.z"],
  ["fit label NaN", (k) => k.fitPosterior(post, { ...obs, label: withNaN(obs.label, 2) }), Status.NON_FINITE, "obs.label"],
  ["fit label 1.5", (k) => k.fitPosterior(post, { ...obs, label: withNaN(obs.label, 2, 1.5) }), Status.OUT_OF_RANGE, "obs.label"],
  ["fit label -0.1", (k) => k.fitPosterior(post, { ...obs, label: withNaN(obs.label, 0, -0.1) }), Status.OUT_OF_RANGE, "obs.label"],
  ["fit weight Inf", (k) => k.fitPosterior(post, { ...obs, weight: withNaN(obs.weight, 4, Infinity) }), Status.NON_FINITE, "obs.weight"],
  ["fit weight negative", (k) => k.fitPosterior(post, { ...obs, weight: withNaN(obs.weight, 4, -1) }), Status.OUT_OF_RANGE, "obs.weight"],
  ["fit init NaN", (k) => k.fitPosterior(post, obs, { init: withNaN(post.mean, 3) }), Status.NON_FINITE, "options.init"],
  // addObservation
  ["add z length", (k) => k.addObservation(post, new Float64Array(J + 2), 1, 1), Status.BAD_DIMENSION, "z"],
  ["add current chol length", (k) => k.addObservation(gaussian({ precisionChol: new Float64Array(1) }), new Float64Array(J), 1, 1), Status.BAD_DIMENSION, "current.precisionChol"],
  ["add current mean NaN", (k) => k.addObservation(gaussian({ mean: withNaN(post.mean) }), new Float64Array(J), 1, 1), Status.NON_FINITE, "current.mean"],
  ["add current not PD", (k) => k.addObservation(notPD, new Float64Array(J), 1, 1), Status.NOT_POSITIVE_DEFINITE, "current.precisionChol"],
  ["add z Inf", (k) => k.addObservation(post, withNaN(new Float64Array(J), 1, Infinity), 1, 1), Status.NON_FINITE, "z"],
  ["add label NaN", (k) => k.addObservation(post, new Float64Array(J), Number.NaN, 1), Status.NON_FINITE, "label"],
  ["add label 2", (k) => k.addObservation(post, new Float64Array(J), 2, 1), Status.OUT_OF_RANGE, "label"],
  ["add weight -Inf", (k) => k.addObservation(post, new Float64Array(J), 1, -Infinity), Status.NON_FINITE, "weight"],
  ["add weight negative", (k) => k.addObservation(post, new Float64Array(J), 1, -0.5), Status.OUT_OF_RANGE, "weight"],
  // selectPair
  ["select n = 0", (k) => k.selectPair(post, phi, 0, "pref"), Status.EMPTY, "n"],
  ["select n > 64", (k) => k.selectPair(post, new Float64Array(65 * J), 65, "pref"), Status.TOO_MANY, "n"],
  ["select phi length", (k) => k.selectPair(post, phi, 2, "pref"), Status.BAD_DIMENSION, "phi"],
  ["select exclude length", (k) => k.selectPair(post, phi, 3, "pref", new Uint8Array(8)), Status.BAD_DIMENSION, "exclude"],
  ["select criterion", (k) => k.selectPair(post, phi, 3, "random" as "pref"), Status.OUT_OF_RANGE, "criterion"],
  ["select phi NaN", (k) => k.selectPair(post, withNaN(phi, 11), 3, "infogain"), Status.NON_FINITE, "phi"],
  ["select posterior not PD", (k) => k.selectPair(zeroDiag, phi, 3, "pref"), Status.NOT_POSITIVE_DEFINITE, "posterior.precisionChol"],
  // samplePosterior
  ["sample seed fractional", (k) => k.samplePosterior(post, 0.5), Status.OUT_OF_RANGE, "seed"],
  ["sample seed NaN", (k) => k.samplePosterior(post, Number.NaN), Status.OUT_OF_RANGE, "seed"],
  ["sample mean length", (k) => k.samplePosterior(gaussian({ mean: new Float64Array(J + 1) }), 1), Status.BAD_DIMENSION, "posterior.mean"],
  ["sample chol NaN", (k) => k.samplePosterior(gaussian({ precisionChol: withNaN(post.precisionChol, 5) }), 1), Status.NON_FINITE, "posterior.precisionChol"],
  ["sample not PD", (k) => k.samplePosterior(notPD, 1), Status.NOT_POSITIVE_DEFINITE, "posterior.precisionChol"],
];

describe("bad inputs", () => {
  it("throw the same CoreError from both cores and leave the resident basis untouched", () => {
    for (const [name, core] of bothCores(c)) {
      core.loadBasis(basis);
      const before = core.score(id, post, E, 3);
      const foldedBefore = core.fold(id, post.mean);
      for (const [what, call, status, field] of cases) {
        try {
          expectCoreError(() => call(core), status, field);
        } catch (e) {
          throw new Error(`${name}: ${what}: ${(e as Error).message}`);
        }
      }
      for (const bad of ["x1", "x2", "x3", "x4", "x5", ""]) expect(core.hasBasis(bad), `${name} ${bad}`).toBe(false);
      const after = core.score(id, post, E, 3);
      expect(after.mean, name).toEqual(before.mean);
      expect(after.sd, name).toEqual(before.sd);
      expect(core.fold(id, post.mean), name).toEqual(foldedBefore);
    }
  });

  it("a failed load of a new basis does not disturb the others, and a valid load afterwards works", () => {
    for (const [name, core] of bothCores(c)) {
      core.loadBasis(basis);
      const before = core.project(id, E, 3);
      expectCoreError(() => core.loadBasis({ ...basis, id: "bad", W: withNaN(basis.W, 3) }), Status.NON_FINITE, "basis.W");
      const other = randomBasis(new Rng(5), "good", J, d);
      core.loadBasis(other);
      expect(core.project(id, E, 3), name).toEqual(before);
      expect(core.project("good", E, 3).length, name).toBe(3 * J);
      // Reloading an id is a no-op, even with different contents.
      core.loadBasis({ ...other, W: new Float64Array(J * d) });
      expect(core.project("good", E, 3).some((v) => v !== 0), name).toBe(true);
      expect(core.unloadBasis("good"), name).toBe(true);
      expect(core.unloadBasis("good"), name).toBe(false);
      expectCoreError(() => core.project("good", E, 3), Status.NO_BASIS, "basisId");
    }
  });

  it("helpers reject non-positive-definite covariances", () => {
    expectCoreError(() => gaussianFromCovariance(Float64Array.of(0, 0), Float64Array.of(1, 2, 2, 1)), Status.NOT_POSITIVE_DEFINITE, "covariance");
    expectCoreError(() => gaussianFromCovariance(Float64Array.of(0, 0), Float64Array.of(1, 0, 0)), Status.BAD_DIMENSION, "covariance");
  });
});
