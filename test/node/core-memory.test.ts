// The WASM core's memory: the scratch arena is reset per call, so memory stops growing after warm-up;
// resident bases reuse freed space.
import { beforeAll, describe, expect, it } from "vitest";
import { ResidentRegion } from "../../core/resident.ts";
import type { WasmCore } from "../../core/wasm-core.ts";
import { Rng, getCores, randomBasis, randomEmbeddings, randomGaussian, randomObservations } from "./core-fixtures.ts";

let wasm: WasmCore;
beforeAll(async () => {
  wasm = (await getCores()).wasm;
});

describe("wasm memory", () => {
  it("does not grow over 10,000 mixed calls after warm-up", () => {
    const J = 16;
    const d = 512;
    const rng = new Rng(10_000);
    const basis = randomBasis(rng, "memory-basis", J, d);
    wasm.loadBasis(basis);
    const post = randomGaussian(rng, J);
    const E64 = randomEmbeddings(rng, 64, d);
    const E16 = E64.subarray(0, 16 * d);
    const obs = randomObservations(rng, J, 200);
    const phi = wasm.project(basis.id, E64, 64);
    const exclude = new Uint8Array(64 * 64);
    exclude[1] = 1;
    const bad = Float64Array.from(E16);
    bad[5] = Number.NaN;
    const calls: (() => unknown)[] = [
      () => wasm.score(basis.id, post, E64, 64),
      () => wasm.score(basis.id, post, E16, 16),
      () => wasm.project(basis.id, E64, 64),
      () => wasm.fitPosterior(post, obs),
      () => wasm.fitPosterior(post, obs, { init: post.mean }),
      () => wasm.addObservation(post, phi.subarray(0, J), 1, 1),
      () => wasm.selectPair(post, phi, 64, "pref", exclude),
      () => wasm.selectPair(post, phi, 64, "infogain"),
      () => wasm.samplePosterior(post, 7),
      () => wasm.scoreFolded(wasm.fold(basis.id, post.mean), E64, 64),
      () => {
        try {
          wasm.score(basis.id, post, bad, 16); // failing calls must not leak either
        } catch {
          /* expected */
        }
      },
    ];
    for (const call of calls) call();
    const warm = wasm.memory.buffer.byteLength;
    for (let i = 0; i < 10_000; i++) calls[i % calls.length]();
    expect(wasm.memory.buffer.byteLength).toBe(warm);
    wasm.unloadBasis(basis.id);
  });

  it("reuses freed resident space when bases are loaded and unloaded repeatedly", () => {
    const rng = new Rng(77);
    const keep = randomBasis(rng, "keep", 8, 384);
    wasm.loadBasis(keep);
    const E = randomEmbeddings(rng, 4, 384);
    const before = wasm.project("keep", E, 4);
    wasm.loadBasis(randomBasis(rng, "cycle-0", 8, 384));
    const warm = wasm.memory.buffer.byteLength;
    for (let i = 1; i <= 200; i++) {
      wasm.unloadBasis(`cycle-${i - 1}`);
      wasm.loadBasis(randomBasis(rng, `cycle-${i}`, 8, 384));
      expect(wasm.project(`cycle-${i}`, E, 4).length).toBe(32);
    }
    expect(wasm.memory.buffer.byteLength).toBe(warm);
    expect(wasm.project("keep", E, 4)).toEqual(before);
    wasm.unloadBasis("cycle-200");
    wasm.unloadBasis("keep");
  });
});

describe("ResidentRegion", () => {
  it("hands out aligned, disjoint blocks, reuses freed ones first-fit and lowers the top when the last is freed", () => {
    const r = new ResidentRegion(1000);
    const a = r.allocate(100);
    const b = r.allocate(50);
    const c = r.allocate(10);
    expect([a % 16, b % 16, c % 16]).toEqual([0, 0, 0]);
    expect(a).toBeGreaterThanOrEqual(1000);
    expect(b).toBeGreaterThanOrEqual(a + 100);
    expect(c).toBeGreaterThanOrEqual(b + 50);
    const top = r.top;
    r.release(a, 100);
    expect(r.allocate(40)).toBe(a); // first fit inside the freed block
    expect(r.allocate(60)).toBe(a + 48); // the rest of it
    expect(r.top).toBe(top);
    r.release(c, 10);
    expect(r.top).toBe(c); // the last block went back to the top
    r.release(b, 50);
    expect(r.top).toBe(b);
    expect(r.freeBytes).toBe(0);
  });
});
