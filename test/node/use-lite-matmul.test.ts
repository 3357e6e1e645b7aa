// The BatchMatMul that replaces TF.js WASM's own (cli/embedders/use-lite-matmul.ts): every product it computes equals
// a float64 reference, the library's kernel only ever sees the one-pair, untransposed form (its XNNPACK path), no
// backend data outlives a call, and the model's embeddings do not move beyond float rounding.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installBatchMatMul, type KernelRegistry } from "../../cli/embedders/use-lite-matmul.ts";
import { UseLitePool } from "../../cli/embedders/use-lite-pool.ts";
import { useLiteTokenizer } from "../../cli/embedders/use-lite-tokenizer.ts";
import { makeRng } from "../../cli/rng.ts";

interface Tensor {
  shape: number[];
  dataSync(): Float32Array;
  dispose(): void;
}
interface Tf extends KernelRegistry {
  ready(): Promise<void>;
  tensor(values: Float32Array, shape: number[]): Tensor;
  matMul(a: Tensor, b: Tensor, transposeA?: boolean, transposeB?: boolean): Tensor;
  engine(): { backend: { numDataIds(): number } };
}
type Kernel = NonNullable<ReturnType<KernelRegistry["getKernel"]>>;

let tf: Tf;
let library: Kernel;
const seen: { a: number[]; b: number[]; transposed: boolean }[] = [];
const rng = makeRng(7);

beforeAll(async () => {
  tf = (await import("@energetic-ai/core")) as unknown as Tf;
  await tf.ready();
  library = tf.getKernel("BatchMatMul", "wasm")!;
  // The library's kernel, watched: whatever ours hands it is recorded.
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({
    ...library,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as Record<string, { shape: number[] }>;
      seen.push({ a: [...a.shape], b: [...b.shape], transposed: args.attrs?.transposeA === true || args.attrs?.transposeB === true });
      return library.kernelFunc(args);
    },
  });
  installBatchMatMul(tf);
});

afterAll(() => {
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel(library);
});

function random(shape: number[]): { tensor: Tensor; values: Float32Array } {
  const values = Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => 2 * rng() - 1);
  return { tensor: tf.tensor(values, shape), values };
}

/** out[batch][i][j] in float64, batches broadcast when one side has a single one. */
function reference(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], tA: boolean, tB: boolean): number[] {
  const [ra, ca] = aShape.slice(-2);
  const [rb, cb] = bShape.slice(-2);
  const batchA = a.length / (ra * ca);
  const batchB = b.length / (rb * cb);
  const [m, k] = tA ? [ca, ra] : [ra, ca];
  const n = tB ? rb : cb;
  const out: number[] = [];
  for (let p = 0; p < Math.max(batchA, batchB); p++) {
    const oa = (batchA === 1 ? 0 : p) * ra * ca;
    const ob = (batchB === 1 ? 0 : p) * rb * cb;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += a[oa + (tA ? t * ca + i : i * ca + t)] * b[ob + (tB ? j * cb + t : t * cb + j)];
        out.push(s);
      }
  }
  return out;
}

describe("BatchMatMul for the TF.js WASM backend", () => {
  const cases: [string, number[], number[], boolean, boolean][] = [
    ["the attention's scores: four heads, K transposed", [1, 4, 9, 6], [1, 4, 9, 6], false, true],
    ["the attention's mix: four heads", [1, 4, 9, 9], [1, 4, 9, 6], false, false],
    ["A transposed, batch 3", [3, 5, 4], [3, 5, 2], true, false],
    ["both transposed", [2, 5, 4], [2, 3, 5], true, true],
    ["one B for a batch of A", [3, 4, 5], [1, 5, 2], false, false],
    ["a single pair, B transposed", [7, 5], [3, 5], false, true],
  ];
  for (const [name, aShape, bShape, tA, tB] of cases)
    it(`${name}: the reference's products, through the library's fast form only`, () => {
      const a = random(aShape);
      const b = random(bShape);
      const before = tf.engine().backend.numDataIds();
      seen.length = 0;
      const out = tf.matMul(a.tensor, b.tensor, tA, tB);
      const got = Array.from(out.dataSync());
      const want = reference(a.values, aShape, b.values, bShape, tA, tB);
      expect(got).toHaveLength(want.length);
      got.forEach((x, i) => expect(Math.abs(x - want[i])).toBeLessThan(1e-5 * (1 + Math.abs(want[i]))));
      expect(seen.length).toBe(Math.max(aShape.slice(0, -2).reduce((x, y) => x * y, 1), bShape.slice(0, -2).reduce((x, y) => x * y, 1)));
      for (const call of seen) {
        expect(call.transposed).toBe(false);
        expect(call.a[0]).toBe(1);
        expect(call.b[0]).toBe(1);
      }
      out.dispose();
      expect(tf.engine().backend.numDataIds()).toBe(before);
      a.tensor.dispose();
      b.tensor.dispose();
    });

  it("leaves what it does not rewrite to the library: one untransposed pair", () => {
    const a = random([6, 4]);
    const b = random([4, 3]);
    seen.length = 0;
    const out = tf.matMul(a.tensor, b.tensor);
    expect(seen).toEqual([{ a: [6, 4], b: [4, 3], transposed: false }]);
    const want = reference(a.values, [6, 4], b.values, [4, 3], false, false);
    Array.from(out.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(want[i], 5));
    for (const t of [out, a.tensor, b.tensor]) t.dispose();
  });
});

describe("USE-lite with this kernel", () => {
  it("embeds windows as the library's kernels do, to float rounding", async () => {
    const tok = useLiteTokenizer();
    const text = Array.from({ length: 40 }, (_, i) => `Step ${i}: stir the sauce and taste it, then add ${i} pinches of salt.`).join(" ");
    const windows = [tok.head(text, 128), tok.tail(text, 64), tok.head("Yes.", 128)];
    const ours = new UseLitePool(1);
    const theirs = new UseLitePool(1, { kernels: "library" });
    try {
      const [a, b] = await Promise.all([Promise.all(windows.map((w) => ours.embed(w))), Promise.all(windows.map((w) => theirs.embed(w)))]);
      for (let w = 0; w < windows.length; w++) {
        const diff = Math.max(...a[w].map((x, i) => Math.abs(x - b[w][i])));
        expect(diff).toBeLessThan(1e-6);
      }
      // Different texts still give different vectors (the comparison above is not vacuous).
      expect(Math.max(...a[0].map((x, i) => Math.abs(x - a[2][i])))).toBeGreaterThan(0.01);
    } finally {
      await Promise.all([ours.close(), theirs.close()]);
    }
  });
});
