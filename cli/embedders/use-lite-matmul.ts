// A faster BatchMatMul for the TF.js WASM backend. Its kernel hands a product to XNNPACK only when there is one
// matrix pair and neither side is transposed; anything else (the model's attention: four heads at once, Q.K^T with
// K transposed) runs a plain scalar loop, measured ~12x slower per multiply-add (docs/chat-latency.md). This kernel
// rewrites such a product into what XNNPACK takes: each pair of the batch sliced out, a transposed side transposed
// first (a copy of one small matrix), the pairs multiplied by the original kernel and stacked. Same arithmetic,
// another summation order: results agree to float rounding.

interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}

interface Backend {
  disposeData(dataId: object): void;
}

interface KernelArgs {
  inputs: Record<string, TensorInfo> | TensorInfo[];
  backend: Backend;
  attrs?: Record<string, unknown>;
}

type KernelFunc = (args: KernelArgs) => TensorInfo;

interface KernelConfig {
  kernelName: string;
  backendName: string;
  kernelFunc: KernelFunc;
  setupFunc?: unknown;
  disposeFunc?: unknown;
}

export interface KernelRegistry {
  getKernel(name: string, backend: string): KernelConfig | undefined;
  registerKernel(config: KernelConfig): void;
  unregisterKernel(name: string, backend: string): void;
}

const BACKEND = "wasm";
const installed = new WeakSet<object>();

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

function kernel(registry: KernelRegistry, name: string): KernelFunc {
  const config = registry.getKernel(name, BACKEND);
  if (!config) throw new Error(`the TF.js WASM backend has no ${name} kernel`);
  return config.kernelFunc;
}

/** Replaces the WASM backend's BatchMatMul kernel with one that takes XNNPACK's path for every product. */
export function installBatchMatMul(registry: KernelRegistry): void {
  if (installed.has(registry)) return;
  const original = registry.getKernel("BatchMatMul", BACKEND);
  if (!original) throw new Error("the TF.js WASM backend has no BatchMatMul kernel");
  const matmul = original.kernelFunc;
  const reshape = kernel(registry, "Reshape");
  const slice = kernel(registry, "Slice");
  const transpose = kernel(registry, "Transpose");
  const concat = kernel(registry, "Concat");

  const batchMatMul: KernelFunc = (args) => {
    const { a, b } = args.inputs as Record<string, TensorInfo>;
    const transposeA = args.attrs?.transposeA === true;
    const transposeB = args.attrs?.transposeB === true;
    const batchA = size(a.shape.slice(0, -2));
    const batchB = size(b.shape.slice(0, -2));
    if (a.dtype !== "float32" || b.dtype !== "float32" || (batchA === 1 && batchB === 1 && !transposeA && !transposeB)) return matmul(args);
    // Broadcasting across ranks or between unequal batches is left to the original kernel.
    if (a.shape.length !== b.shape.length || (batchA !== batchB && batchA !== 1 && batchB !== 1)) return matmul(args);
    const { backend } = args;
    const temporaries: TensorInfo[] = [];
    const keep = (t: TensorInfo) => (temporaries.push(t), t);
    const call = (f: KernelFunc, inputs: KernelArgs["inputs"], attrs: Record<string, unknown>) => keep(f({ inputs, backend, attrs }));
    try {
      const [ra, ca] = a.shape.slice(-2);
      const [rb, cb] = b.shape.slice(-2);
      const a3 = call(reshape, { x: a }, { shape: [batchA, ra, ca] });
      const b3 = call(reshape, { x: b }, { shape: [batchB, rb, cb] });
      const batch = Math.max(batchA, batchB);
      const pair = (t: TensorInfo, i: number, rows: number, cols: number, transposed: boolean) => {
        const one = call(slice, { x: t }, { begin: [i, 0, 0], size: [1, rows, cols] });
        return transposed ? call(transpose, { x: one }, { perm: [0, 2, 1] }) : one;
      };
      const products: TensorInfo[] = [];
      for (let i = 0; i < batch; i++) {
        const ai = pair(a3, batchA === 1 ? 0 : i, ra, ca, transposeA);
        const bi = pair(b3, batchB === 1 ? 0 : i, rb, cb, transposeB);
        products.push(call(matmul, { a: ai, b: bi }, { transposeA: false, transposeB: false }));
      }
      const stacked = products.length === 1 ? products[0] : call(concat, products, { axis: 0 });
      const [m, n] = stacked.shape.slice(-2);
      const outer = (batchA >= batchB ? a : b).shape.slice(0, -2);
      return reshape({ inputs: { x: stacked }, backend, attrs: { shape: [...outer, m, n] } });
    } finally {
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };

  registry.unregisterKernel("BatchMatMul", BACKEND);
  registry.registerKernel({ ...original, kernelFunc: batchMatMul });
  installed.add(registry);
}
