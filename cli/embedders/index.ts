// createEmbedder(id) -> { embed(texts) }: the single entry point for turning texts into vectors under a named
// recipe, shared by train, eval and any embeddings server. Window atoms are cached separately, so recipes that
// share an atom (e.g. "head" is both the plain recipe and the first half of head+tail) share the work.
import { CliError } from "../errors.ts";
import { VectorCache, defaultCacheDir, textHash } from "./cache.ts";
import { embedRemote, endpointFromEnv, type OpenAiEndpoint } from "./openai.ts";
import { atomKey, composeText, parseRecipe, type Recipe, type WindowAtom } from "./recipe.ts";
import { useLitePool } from "./use-lite-pool.ts";
import { USE_LITE_D, embedWindow, type WindowOptions } from "./use-lite.ts";

export interface EmbedderOptions {
  cacheDir?: string;
  embedUrl?: string;
  embedKey?: string;
}

export interface EmbedStats {
  texts: number;
  /** Window atoms actually computed (cache misses). */
  computed: number;
  seconds: number;
}

export interface Embedder {
  readonly id: string;
  readonly recipe: Recipe;
  /** Dimension, when known before the first call (always for use-lite). */
  readonly d: number | null;
  composeText(prompt: string, response: string): string;
  /** use-lite: `client` and `signal` reach the thread pool (fair turns per client; abandoned work is dropped). */
  embed(texts: string[], options?: WindowOptions): Promise<Float32Array[]>;
  /** How many window atoms these texts still need (cache misses, deduplicated): to size a progress bar. */
  countMissing(texts: string[]): number;
  readonly stats: EmbedStats;
  /** Called with the number of window atoms just computed (cache misses only): for progress bars. */
  onProgress?: (computed: number) => void;
}

const REMOTE_BATCH = 64;
const FLUSH_EVERY_MS = 5000;

export function createEmbedder(id: string, options: EmbedderOptions = {}): Embedder {
  const recipe = parseRecipe(id);
  const dir = options.cacheDir ?? defaultCacheDir();
  let endpoint: OpenAiEndpoint | null = null;
  if (recipe.model.kind === "openai") {
    endpoint = endpointFromEnv(options);
    if (!endpoint) throw new CliError(`embedder "${id}" needs an endpoint: pass --embed-url or set PREF_EMBED_URL`);
  }
  if (recipe.model.kind === "vectors") return vectorsEmbedder(recipe);
  const caches = recipe.windows.map((atom) => new VectorCache(dir, atomKey(recipe, atom)));
  const stats: EmbedStats = { texts: 0, computed: 0, seconds: 0 };

  async function computeAtom(atom: WindowAtom, cache: VectorCache, hashes: string[], texts: string[], o: WindowOptions): Promise<void> {
    const missing: number[] = [];
    const seen = new Set<string>();
    hashes.forEach((h, i) => {
      if (!cache.get(h) && !seen.has(h)) {
        seen.add(h);
        missing.push(i);
      }
    });
    let lastFlush = Date.now();
    const done = (batch: number[], vectors: Float32Array[]) => {
      batch.forEach((i, k) => cache.put(hashes[i], vectors[k]));
      stats.computed += batch.length;
      api.onProgress?.(batch.length);
      if (Date.now() - lastFlush > FLUSH_EVERY_MS) {
        cache.flush();
        lastFlush = Date.now();
      }
    };
    try {
      if (recipe.model.kind === "openai") {
        for (let s = 0; s < missing.length; s += REMOTE_BATCH) {
          const batch = missing.slice(s, s + REMOTE_BATCH);
          done(batch, await embedRemote(endpoint!, recipe.model.name, batch.map((i) => texts[i])));
        }
      } else {
        // Enough texts in flight to keep every thread busy, few enough that progress and the cache keep up.
        await eachConcurrently(missing, useLitePool().threads * 4, async (i) => done([i], [await embedWindow(texts[i], atom, o)]));
      }
    } finally {
      cache.flush();
    }
  }

  const api: Embedder = {
    id,
    recipe,
    get d() {
      if (recipe.model.kind === "use-lite") return USE_LITE_D * recipe.windows.length;
      return caches[0].d;
    },
    get stats() {
      return stats;
    },
    composeText: (prompt, response) => composeText(recipe.text, prompt, response),
    countMissing(texts) {
      let missing = 0;
      for (const cache of caches) missing += new Set(texts.map(textHash).filter((h) => !cache.get(h))).size;
      return missing;
    },
    async embed(texts, o = {}) {
      const started = performance.now();
      texts.forEach((t, i) => {
        if (typeof t !== "string" || t.trim().length === 0) throw new CliError(`text ${i} is empty: an empty text cannot be embedded`);
      });
      const hashes = texts.map(textHash);
      for (let w = 0; w < recipe.windows.length; w++) await computeAtom(recipe.windows[w], caches[w], hashes, texts, o);
      const out = hashes.map((h) => {
        const parts = caches.map((c) => c.get(h)!);
        if (parts.length === 1) return parts[0];
        const v = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
        let off = 0;
        for (const p of parts) {
          v.set(p, off);
          off += p.length;
        }
        return v;
      });
      stats.texts += texts.length;
      stats.seconds += (performance.now() - started) / 1000;
      return out;
    },
  };
  return api;
}

/** Runs fn over items with at most `limit` calls in flight; rejects with the first failure (after the rest settle). */
async function eachConcurrently<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const lane = async () => {
    while (next < items.length && failure === null) {
      try {
        await fn(items[next++]);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== null) throw failure;
}

/** "vectors:response": every text is a JSON array of numbers (no model, no cache). */
function vectorsEmbedder(recipe: Recipe): Embedder {
  const stats: EmbedStats = { texts: 0, computed: 0, seconds: 0 };
  let d: number | null = null;
  return {
    id: recipe.id,
    recipe,
    get d() {
      return d;
    },
    stats,
    composeText: (_prompt, response) => response,
    countMissing: () => 0,
    async embed(texts) {
      return texts.map((t, i) => {
        let v: unknown;
        try {
          v = JSON.parse(t);
        } catch {
          v = null;
        }
        if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== "number" || !Number.isFinite(x))) {
          throw new CliError(`embedder ${recipe.id}: text ${i} is not a JSON array of finite numbers: ${t.slice(0, 60)}`);
        }
        d ??= v.length;
        if (v.length !== d) throw new CliError(`embedder ${recipe.id}: text ${i} has ${v.length} numbers, expected ${d}`);
        stats.texts++;
        return Float32Array.from(v as number[]);
      });
    },
  };
}
