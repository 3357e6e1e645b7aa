// The real build/core.wasm, imported the way the Worker bundles it, agrees with the plain-TS reference inside
// workerd (the Node parity tests cover the same maths in Node; this pins the runtime the product uses).
import { describe, expect, it } from "vitest";
import wasmModule from "../../build/core.wasm";
import { createReferenceCore, createWasmCore, gaussianFromCovariance } from "../../core/index.ts";
import { Mulberry32 } from "../../core/prng.ts";

const uniform = (rng: Mulberry32) => rng.nextU32() / 4294967296 - 0.5;
const randoms = (n: number, rng: Mulberry32) => Float64Array.from({ length: n }, () => uniform(rng));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, rel = 1e-9) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b[i])));
};

describe("the WASM core inside workerd", () => {
  it("is a compiled WebAssembly.Module and matches the reference on scoring, Newton refits and pair selection", async () => {
    expect(wasmModule).toBeInstanceOf(WebAssembly.Module);
    const wasm = await createWasmCore(wasmModule);
    const reference = createReferenceCore();
    expect(wasm.kind).toBe("wasm");

    const rng = new Mulberry32(7);
    const J = 16, d = 512, N = 16, n = 60;
    const basis = { id: "workerd-parity", J, d, W: randoms(J * d, rng) };
    wasm.loadBasis(basis);
    reference.loadBasis(basis);
    const prior = gaussianFromCovariance(randoms(J, rng), Float64Array.from({ length: J * J }, (_, i) => (i % (J + 1) === 0 ? 1 : 0)));
    const obs = {
      n,
      z: randoms(n * J, rng),
      label: Float64Array.from({ length: n }, (_, i) => [1, 0, 0.5][i % 3]),
      weight: new Float64Array(n).fill(1),
    };
    const fitW = wasm.fitPosterior(prior, obs);
    const fitR = reference.fitPosterior(prior, obs);
    close(fitW.posterior.mean, fitR.posterior.mean);
    close(fitW.posterior.precisionChol, fitR.posterior.precisionChol);
    expect(fitW.gradientNorm).toBeLessThan(1e-8);

    const E = randoms(N * d, rng);
    const sW = wasm.score(basis.id, fitW.posterior, E, N);
    const sR = reference.score(basis.id, fitR.posterior, E, N);
    close(sW.mean, sR.mean);
    close(sW.sd, sR.sd);

    const phi = wasm.project(basis.id, E, N);
    const pickW = wasm.selectPair(fitW.posterior, phi, N, "pref");
    const pickR = reference.selectPair(fitR.posterior, phi, N, "pref");
    expect([pickW?.a, pickW?.b]).toEqual([pickR?.a, pickR?.b]);
  });
});
