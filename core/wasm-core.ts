// The WASM core behind the PrefCore contract. It owns the module's linear memory:
//   - resident bases: W copied in once per basis id, kept in the resident region (core/resident.ts);
//   - per call: the scratch arena is reset to the top of the resident region, inputs are copied in once,
//     one export runs the whole operation, results are copied out into fresh typed arrays.
// No pointer escapes, and memory stops growing once the largest call has run. No Node or Worker APIs here:
// the caller supplies the compiled WebAssembly.Module (Worker: `import mod from "../build/core.wasm"`).
import { ResidentRegion } from "./resident.ts";
import type {
  BasisMatrix, DecodedEmbeddings, DecodeLimits, FitOptions, FitResult, Gaussian, Observations, PairChoice, PairCriterion, PrefCore, Scores,
} from "./types.ts";
import { CoreError, MAX_CANDIDATES, SPAN_INTS, Status, type StatusCode } from "./types.ts";
import {
  checkBasisShape, checkCandidateCount, checkDecodeInput, decodeCapacity, checkGaussianShape, checkLength, checkObservationsShape, checkScalarType,
  checkSeed, criterionCode, fail, resolveFitOptions,
} from "./validate.ts";
import { type CoreExports, type FieldNames, Input, gaussianFields } from "./wasm-abi.ts";

/** Where a loaded basis's W lies in wasm memory (a block of the resident region). */
interface BasisBlock {
  ptr: number;
  J: number;
  d: number;
  bytes: number;
}

const F64 = 8;
/** wasm32 addresses: nothing may end past 4 GiB (and arguments are passed as i32). */
const ADDRESS_LIMIT = 2 ** 32 - 2 ** 16;

// Which CoreError.field each input code of an operation maps to (built once, not per call).
const PROJECT_FIELDS: FieldNames = { [Input.EMBEDDINGS]: "embeddings", [Input.N]: "n" };
const SCORE_FIELDS: FieldNames = { ...gaussianFields("posterior"), [Input.EMBEDDINGS]: "embeddings", [Input.N]: "n" };
const FOLD_FIELDS: FieldNames = { [Input.LAMBDA]: "lambda" };
const SCORE_FOLDED_FIELDS: FieldNames = { [Input.FOLDED]: "folded", [Input.EMBEDDINGS]: "embeddings", [Input.N]: "n" };
const FIT_FIELDS: FieldNames = {
  ...gaussianFields("prior"),
  [Input.Z]: "obs.z",
  [Input.LABEL]: "obs.label",
  [Input.WEIGHT]: "obs.weight",
  [Input.INIT]: "options.init",
  [Input.OBS]: "obs",
};
const ADD_FIELDS: FieldNames = {
  ...gaussianFields("current"),
  [Input.Z]: "z",
  [Input.LABEL]: "label",
  [Input.WEIGHT]: "weight",
};
const SELECT_FIELDS: FieldNames = { ...gaussianFields("posterior"), [Input.PHI]: "phi", [Input.N]: "n" };
const SAMPLE_FIELDS: FieldNames = gaussianFields("posterior");

export class WasmCore implements PrefCore {
  readonly kind = "wasm" as const;
  private readonly residents = new Map<string, BasisBlock>();
  private readonly region: ResidentRegion;
  private f64 = new Float64Array(0);
  private u8 = new Uint8Array(0);

  constructor(private readonly ex: CoreExports) {
    this.region = new ResidentRegion(ex.heapStart() >>> 0);
  }

  /** The module's memory (exposed for diagnostics: tests check it stops growing). */
  get memory(): WebAssembly.Memory {
    return this.ex.memory;
  }

  // ---- memory plumbing ----

  /**
   * Typed views over memory, recreated after memory.grow detached the old buffer (a detached view has length 0,
   * which is cheaper to test than fetching memory.buffer on every access).
   */
  private view(): Float64Array {
    if (this.f64.length === 0) {
      const buffer = this.ex.memory.buffer;
      this.f64 = new Float64Array(buffer);
      this.u8 = new Uint8Array(buffer);
    }
    return this.f64;
  }

  /** Starts a call: the scratch arena begins right above the resident bases. */
  private begin(): void {
    this.ex.arenaReset(this.region.top);
  }

  private alloc(bytes: number, field: string): number {
    const ptr = bytes < ADDRESS_LIMIT ? this.ex.arenaAlloc(bytes) >>> 0 : 0;
    if (ptr === 0) fail(Status.OUT_OF_MEMORY, field, `cannot allocate ${bytes} bytes of wasm memory`);
    return ptr;
  }

  /** Copies an array of numbers into the arena as f64s. */
  private put(data: ArrayLike<number>, field: string): number {
    const ptr = this.alloc(data.length * F64, field);
    this.view().set(data, ptr / F64);
    return ptr;
  }

  private putGaussian(g: Gaussian, role: string): [number, number] {
    return [this.put(g.mean, role), this.put(g.precisionChol, role)];
  }

  private read(ptr: number, count: number): Float64Array {
    const at = ptr / F64;
    return this.view().slice(at, at + count);
  }

  private check(status: number, fields: FieldNames): void {
    if (status === Status.OK) return;
    const input = this.ex.lastFailedInput();
    throw new CoreError(status as StatusCode, fields[input] ?? "input");
  }

  // ---- bases ----

  loadBasis(basis: BasisMatrix): void {
    checkBasisShape(basis);
    if (this.residents.has(basis.id)) return;
    const count = basis.J * basis.d;
    const bytes = count * F64;
    const ptr = this.region.allocate(bytes);
    if (ptr + bytes >= ADDRESS_LIMIT || !this.ex.ensureMemory(ptr + bytes)) {
      this.region.release(ptr, bytes);
      fail(Status.OUT_OF_MEMORY, "basis.W", `cannot allocate ${bytes} bytes for basis ${basis.id}`);
    }
    this.view().set(basis.W, ptr / F64);
    const status = this.ex.checkFinite(ptr, count);
    if (status !== Status.OK) {
      this.region.release(ptr, bytes);
      throw new CoreError(status as StatusCode, "basis.W");
    }
    this.residents.set(basis.id, { ptr, J: basis.J, d: basis.d, bytes });
  }

  hasBasis(id: string): boolean {
    return this.residents.has(id);
  }

  unloadBasis(id: string): boolean {
    const b = this.residents.get(id);
    if (!b) return false;
    this.residents.delete(id);
    this.region.release(b.ptr, b.bytes);
    return true;
  }

  private basis(id: string): BasisBlock {
    return this.residents.get(id) ?? fail(Status.NO_BASIS, "basisId", `basis ${id} is not loaded`);
  }

  // ---- operations ----

  project(basisId: string, embeddings: ArrayLike<number>, n: number): Float64Array {
    const b = this.basis(basisId);
    checkCandidateCount(n);
    checkLength(embeddings, n * b.d, "embeddings");
    this.begin();
    const E = this.put(embeddings, "embeddings");
    const out = this.alloc(n * b.J * F64, "embeddings");
    this.check(this.ex.project(b.ptr, b.J, b.d, E, n, out), PROJECT_FIELDS);
    return this.read(out, n * b.J);
  }

  score(basisId: string, posterior: Gaussian, embeddings: ArrayLike<number>, n: number): Scores {
    const b = this.basis(basisId);
    checkGaussianShape(posterior, "posterior", b.J);
    checkCandidateCount(n, MAX_CANDIDATES);
    checkLength(embeddings, n * b.d, "embeddings");
    this.begin();
    const [mean, chol] = this.putGaussian(posterior, "posterior");
    const E = this.put(embeddings, "embeddings");
    const outMean = this.alloc(n * F64, "embeddings");
    const outSd = this.alloc(n * F64, "embeddings");
    this.check(this.ex.score(b.ptr, b.J, b.d, mean, chol, E, n, outMean, outSd), SCORE_FIELDS);
    return { mean: this.read(outMean, n), sd: this.read(outSd, n) };
  }

  fold(basisId: string, lambda: Float64Array): Float64Array {
    const b = this.basis(basisId);
    checkLength(lambda, b.J, "lambda");
    this.begin();
    const lam = this.put(lambda, "lambda");
    const out = this.alloc(b.d * F64, "lambda");
    this.check(this.ex.fold(b.ptr, b.J, b.d, lam, out), FOLD_FIELDS);
    return this.read(out, b.d);
  }

  scoreFolded(folded: Float64Array, embeddings: ArrayLike<number>, n: number): Float64Array {
    if (folded == null || folded.length === 0) fail(Status.BAD_DIMENSION, "folded", "folded must be a non-empty vector");
    const d = folded.length;
    checkCandidateCount(n);
    checkLength(embeddings, n * d, "embeddings");
    this.begin();
    const f = this.put(folded, "folded");
    const E = this.put(embeddings, "embeddings");
    const out = this.alloc(n * F64, "embeddings");
    this.check(this.ex.scoreFolded(f, d, E, n, out), SCORE_FOLDED_FIELDS);
    return this.read(out, n);
  }

  fitPosterior(prior: Gaussian, obs: Observations, options?: FitOptions): FitResult {
    checkGaussianShape(prior, "prior");
    const J = prior.J;
    checkObservationsShape(obs, J);
    const opts = resolveFitOptions(options, J);
    this.begin();
    const [mean, chol] = this.putGaussian(prior, "prior");
    const z = this.put(obs.z, "obs.z");
    const label = this.put(obs.label, "obs.label");
    const weight = this.put(obs.weight, "obs.weight");
    const init = opts.init ? this.put(opts.init, "options.init") : 0;
    const outMean = this.alloc(J * F64, "obs");
    const outChol = this.alloc(J * J * F64, "obs");
    const outInfo = this.alloc(3 * F64, "obs");
    const status = this.ex.fitPosterior(
      J, mean, chol, obs.n, z, label, weight, init, opts.maxIterations, opts.tolerance, outMean, outChol, outInfo,
    );
    this.check(status, FIT_FIELDS);
    const f64 = this.view();
    const info = outInfo / F64;
    return {
      posterior: { J, mean: this.read(outMean, J), precisionChol: this.read(outChol, J * J) },
      iterations: f64[info],
      gradientNorm: f64[info + 1],
      converged: f64[info + 2] === 1,
    };
  }

  addObservation(current: Gaussian, z: Float64Array, label: number, weight: number): Gaussian {
    checkGaussianShape(current, "current");
    const J = current.J;
    checkLength(z, J, "z");
    checkScalarType(label, "label");
    checkScalarType(weight, "weight");
    this.begin();
    const [mean, chol] = this.putGaussian(current, "current");
    const zp = this.put(z, "z");
    const outMean = this.alloc(J * F64, "z");
    const outChol = this.alloc(J * J * F64, "z");
    this.check(this.ex.addObservation(J, mean, chol, zp, label, weight, outMean, outChol), ADD_FIELDS);
    return { J, mean: this.read(outMean, J), precisionChol: this.read(outChol, J * J) };
  }

  selectPair(
    posterior: Gaussian, phi: Float64Array, n: number, criterion: PairCriterion, exclude?: Uint8Array,
  ): PairChoice | null {
    checkGaussianShape(posterior, "posterior");
    const J = posterior.J;
    checkCandidateCount(n, MAX_CANDIDATES);
    checkLength(phi, n * J, "phi");
    if (exclude !== undefined) checkLength(exclude, n * n, "exclude");
    const code = criterionCode(criterion);
    this.begin();
    const [mean, chol] = this.putGaussian(posterior, "posterior");
    const phiPtr = this.put(phi, "phi");
    let mask = 0;
    if (exclude !== undefined) {
      mask = this.alloc(n * n, "exclude");
      this.view();
      this.u8.set(exclude, mask);
    }
    const out = this.alloc(5 * F64, "phi");
    const status = this.ex.selectPair(J, mean, chol, phiPtr, n, code, mask, out);
    if (status === Status.NO_PAIR) return null;
    this.check(status, SELECT_FIELDS);
    const f64 = this.view();
    const at = out / F64;
    return { a: f64[at], b: f64[at + 1], value: f64[at + 2], mean: f64[at + 3], variance: f64[at + 4] };
  }

  samplePosterior(posterior: Gaussian, seed: number): Float64Array {
    checkGaussianShape(posterior, "posterior");
    checkSeed(seed);
    const J = posterior.J;
    this.begin();
    const [mean, chol] = this.putGaussian(posterior, "posterior");
    const out = this.alloc(J * F64, "posterior");
    this.check(this.ex.samplePosterior(J, mean, chol, seed | 0, out), SAMPLE_FIELDS);
    return this.read(out, J);
  }

  decodeEmbeddingArrays(body: Uint8Array, limits: DecodeLimits): DecodedEmbeddings {
    checkDecodeInput(body, limits);
    const room = decodeCapacity(body.length);
    this.begin();
    // The body, its 0 sentinel and 16 bytes of slack (the scanner reads up to 16 bytes from where a number starts).
    const src = this.alloc(body.length + 17, "body");
    const out = this.alloc(room.values * F64, "body");
    const spans = this.alloc(room.spans * SPAN_INTS * 4, "body");
    this.view();
    this.u8.set(body, src);
    this.u8[src + body.length] = 0; // the sentinel the scanner's loops stop at
    const count = this.ex.decodeEmbeddingArrays(src, body.length, out, room.values, spans, room.spans, limits.maxDims, limits.maxAbs);
    const spanView = new Int32Array(this.ex.memory.buffer, spans, count * SPAN_INTS).slice();
    const used = count === 0 ? 0 : spanView[(count - 1) * SPAN_INTS + 2] + spanView[(count - 1) * SPAN_INTS + 3];
    return { values: this.read(out, used), spans: spanView };
  }
}

/** Instantiates the compiled core (no imports needed) and wraps it. One per isolate / process is enough. */
export async function createWasmCore(module: WebAssembly.Module): Promise<WasmCore> {
  const instance = await WebAssembly.instantiate(module, {});
  return new WasmCore(instance.exports as unknown as CoreExports);
}
