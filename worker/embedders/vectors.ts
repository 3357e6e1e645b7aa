// "vectors": the caller computes embeddings itself and sends them; text is refused.
import { ApiError } from "../errors.ts";
import type { Embedder } from "./types.ts";

export const vectorsEmbedder: Embedder = {
  kind: "vectors",
  async embed(): Promise<Float64Array[]> {
    throw ApiError.unprocessable("text_not_supported", "this tenant's embedder is 'vectors': send {\"embedding\": [...]} instead of text");
  },
};
