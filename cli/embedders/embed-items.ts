// Embeds (prompt, response) items under an embedder's recipe into one row-major Float64Array, with a progress bar
// over the cache misses and the measured throughput on stderr.
import { note, startProgress } from "../progress.ts";
import type { Embedder } from "./index.ts";

export interface ItemText {
  prompt: string;
  text: string;
}

export interface EmbeddedItems {
  d: number;
  n: number;
  /** n * d, row-major. */
  vectors: Float64Array;
}

export async function embedItems(embedder: Embedder, items: ItemText[], label = "embedding"): Promise<EmbeddedItems> {
  const texts = items.map((it) => embedder.composeText(it.prompt, it.text));
  const missing = embedder.countMissing(texts);
  const before = { computed: embedder.stats.computed, seconds: embedder.stats.seconds };
  let vectors: Float32Array[];
  if (missing > 0) {
    note(`${label}: ${texts.length} texts, ${missing} window embeddings to compute with ${embedder.id} (the rest cached)`);
    const bar = startProgress(label, missing);
    embedder.onProgress = (n) => bar.increment(n);
    try {
      vectors = await embedder.embed(texts);
    } finally {
      bar.stop();
      embedder.onProgress = undefined;
    }
    const computed = embedder.stats.computed - before.computed;
    const seconds = embedder.stats.seconds - before.seconds;
    note(`${label}: embedded ${computed} windows in ${seconds.toFixed(1)} s = ${(computed / seconds).toFixed(1)} windows/s (${((1000 * seconds) / computed).toFixed(1)} ms each)`);
  } else {
    vectors = await embedder.embed(texts);
  }
  const d = vectors[0]?.length ?? embedder.d ?? 0;
  const out = new Float64Array(items.length * d);
  vectors.forEach((v, i) => out.set(v, i * d));
  return { d, n: items.length, vectors: out };
}
