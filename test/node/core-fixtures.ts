// Shared fixtures of the core tests: seeded random problems, both cores, and closeness checks.
import { expect } from "vitest";
import { Mulberry32, fillStandardNormals } from "../../core/prng.ts";
import { ReferenceCore } from "../../core/reference.ts";
import { loadWasmCoreNode } from "../../core/node.ts";
import type { WasmCore } from "../../core/wasm-core.ts";
import type { BasisMatrix, Gaussian, Observations, PrefCore } from "../../core/types.ts";
import { CoreError } from "../../core/types.ts";

export interface Cores {
  wasm: WasmCore;
  ref: ReferenceCore;
}

let cores: Promise<Cores> | undefined;
/** One WASM instance per test file (the module is compiled once), plus a reference core. */
export const getCores = (): Promise<Cores> => (cores ??= loadWasmCoreNode().then((wasm) => ({ wasm, ref: new ReferenceCore() })));

/** Seeded random numbers for fixtures. */
export class Rng {
  private readonly g: Mulberry32;
  constructor(seed: number) {
    this.g = new Mulberry32(seed);
  }
  uniform(): number {
    return this.g.nextU32() / 4294967296;
  }
  int(n: number): number {
    return this.g.nextU32() % n;
  }
  normals(count: number, scale = 1): Float64Array {
    const x = new Float64Array(count);
    fillStandardNormals(this.g, x);
    if (scale !== 1) for (let i = 0; i < count; i++) x[i] *= scale;
    return x;
  }
}

export function randomBasis(rng: Rng, id: string, J: number, d: number): BasisMatrix {
  // N(0, 1) entries: phi = W e of a unit-norm embedding is then O(1) per component, like trained base rewards.
  return { id, J, d, W: rng.normals(J * d) };
}

/** n unit-norm embeddings of dimension d. */
export function randomEmbeddings(rng: Rng, n: number, d: number): Float64Array {
  const E = rng.normals(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += E[i * d + k] ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let k = 0; k < d; k++) E[i * d + k] *= inv;
  }
  return E;
}

/** A Gaussian with a well-conditioned, non-diagonal precision factor. */
export function randomGaussian(rng: Rng, J: number, meanScale = 0.5): Gaussian {
  const L = new Float64Array(J * J);
  for (let i = 0; i < J; i++) {
    for (let k = 0; k < i; k++) L[i * J + k] = 0.3 * rng.normals(1)[0];
    L[i * J + i] = 0.5 + 1.5 * rng.uniform();
  }
  return { J, mean: rng.normals(J, meanScale), precisionChol: L };
}

/** Observations with O(1) z, labels 1/0/0.5 from a hidden user, weights in [0.5, 2]. */
export function randomObservations(rng: Rng, J: number, n: number, zScale = 1): Observations {
  const truth = rng.normals(J);
  const z = rng.normals(n * J, zScale);
  const label = new Float64Array(n);
  const weight = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let j = 0; j < J; j++) m += truth[j] * z[i * J + j];
    const u = rng.uniform();
    label[i] = u < 0.1 ? 0.5 : rng.uniform() < 1 / (1 + Math.exp(-m)) ? 1 : 0;
    weight[i] = 0.5 + 1.5 * rng.uniform();
  }
  return { n, z, label, weight };
}

/** max |a - b| <= rel * max |b| (the scale of the expected vector). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-9, what = ""): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  let scale = 0;
  let err = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    err = Math.max(err, Math.abs(actual[i] - expected[i]));
  }
  expect(Number.isFinite(err), `${what} finite`).toBe(true);
  expect(err, `${what}: max error ${err} vs scale ${scale}`).toBeLessThanOrEqual(rel * Math.max(scale, 1e-300));
}

export const expectCloseScalar = (actual: number, expected: number, rel = 1e-9, what = ""): void =>
  expectClose([actual], [expected], rel, what);

/** Runs fn, expecting a CoreError with this status and field. */
export function expectCoreError(fn: () => unknown, status: number, field: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected CoreError(${status}, ${field})`).toBeInstanceOf(CoreError);
  const err = caught as CoreError;
  expect({ status: err.status, field: err.field }).toEqual({ status, field });
}

export const bothCores = (c: Cores): [string, PrefCore][] => [
  ["wasm", c.wasm],
  ["reference", c.ref],
];
