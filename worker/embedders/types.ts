import type { EmbedderKind } from "../db/schema.ts";

/** Turns response texts into embeddings (one Float64Array of the embedder's dimension per text). */
export interface Embedder {
  readonly kind: EmbedderKind;
  embed(texts: string[]): Promise<Float64Array[]>;
}
