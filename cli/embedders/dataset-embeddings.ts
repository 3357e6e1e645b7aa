// The embedding of every item of a dataset under one embedder, as the float32 table training and evaluation read:
// responses that came as embeddings are used as they are, texts are embedded (through the cache). The embedder is
// the file's when it names one; a different one asked for on the command line is refused, because a basis only
// reads the vectors of the embedder it was trained on.
import type { Dataset } from "../data/dataset.ts";
import { CliError } from "../errors.ts";
import type { ItemEmbeddings } from "../train/design.ts";
import { embedItems } from "./embed-items.ts";
import type { EmbedderFlags } from "./flags.ts";
import { createEmbedder } from "./index.ts";
import { parseRecipe } from "./recipe.ts";

/**
 * The embedder id to use: the data's if it names one (then `requested`, when given explicitly, must agree). Any id
 * names embeddings that arrive in the file; one that must embed texts has to be a recipe this tool can run.
 */
export function datasetEmbedder(data: Dataset, requested: string, explicit: boolean): string {
  if (data.embedder !== null && explicit && requested !== data.embedder) {
    throw new CliError(`${data.file} holds embeddings from "${data.embedder}", not "${requested}": drop --embedder or train on data from that embedder`);
  }
  const id = data.embedder ?? requested;
  if (data.items.some((it) => !it.embedded)) parseRecipe(id);
  return id;
}

/** Extra (prompt, text) items to embed beside the dataset's (e.g. a judging sidecar's candidates), appended in order. */
export interface ExtraItem {
  prompt: string;
  text: string;
}

export async function embedDataset(
  data: Dataset,
  embedderId: string,
  flags: Partial<EmbedderFlags>,
  extra: ExtraItem[] = [],
  label = "embedding items",
): Promise<ItemEmbeddings> {
  const texts: { prompt: string; text: string }[] = [];
  const rows: number[] = [];
  data.items.forEach((it, i) => {
    if (it.embedded) return;
    texts.push({ prompt: data.prompts[it.prompt], text: it.text });
    rows.push(i);
  });
  // Extra items follow the dataset's: their rows are data.items.length + k.
  extra.forEach((e, k) => {
    texts.push(e);
    rows.push(data.items.length + k);
  });
  const nAll = data.items.length + extra.length;
  let d = data.vectors?.d ?? 0;
  let embedded: Float64Array | null = null;
  if (texts.length > 0) {
    const result = await embedItems(createEmbedder(embedderId, flags), texts, label);
    if (d !== 0 && result.d !== d) throw new CliError(`${embedderId} gives d = ${result.d}, but the embeddings in ${data.file} have d = ${d}`);
    d = result.d;
    embedded = result.vectors;
  }
  // All embeddings already in the file and nothing to add: use the loaded table itself (no copy).
  if (!embedded && data.vectors && extra.length === 0) return { n: nAll, d, vectors: data.vectors.data };
  const vectors = new Float32Array(nAll * d);
  if (data.vectors) vectors.set(data.vectors.data.subarray(0, Math.min(data.vectors.data.length, data.items.length * d)));
  rows.forEach((row, k) => vectors.set(embedded!.subarray(k * d, (k + 1) * d), row * d));
  return { n: nAll, d, vectors };
}
