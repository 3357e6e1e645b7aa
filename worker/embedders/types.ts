import type { EmbedderKind } from "../db/schema.ts";

export interface EmbedOptions {
  /** Who the texts are for (a tenant id): sent to the endpoint, hashed, so that a shared server can take callers
   * in turns (the local embeddings server does). */
  caller?: string;
}

/** Turns response texts into embeddings (one Float64Array of the embedder's dimension per text). */
export interface Embedder {
  readonly kind: EmbedderKind;
  embed(texts: string[], options?: EmbedOptions): Promise<Float64Array[]>;
  /**
   * Only for an embedder that can start on texts still being written (chat/partial-hints.ts): sends their
   * beginnings; how many windows each settled, or null. Never throws.
   */
  prefetch?(partialTexts: string[], options?: EmbedOptions): Promise<number[] | null>;
}
