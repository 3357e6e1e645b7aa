// Candidates -> one row-major n x d matrix, embedding text with the tenant's embedder (one call for all texts).
import type { Config } from "../config.ts";
import type { TenantInfo } from "../domain.ts";
import type { Bindings } from "../env.ts";
import { DecodedVector } from "../decoded-vector.ts";
import { ApiError } from "../errors.ts";
import { boundedForEmbedding } from "./bounded-text.ts";
import { openaiEmbedder } from "./openai.ts";
import type { Embedder } from "./types.ts";
import { vectorsEmbedder } from "./vectors.ts";
import { workersAiEmbedder } from "./workers-ai.ts";

export type { Embedder } from "./types.ts";

export type CandidateInput = string | { text: string } | { embedding: ArrayLike<number> };

export function embedderFor(tenant: TenantInfo, env: Bindings, cfg: Config): Embedder {
  switch (tenant.embedderKind) {
    case "vectors":
      return vectorsEmbedder;
    case "openai":
      return openaiEmbedder({ url: cfg.embeddingsUrl, apiKey: env.EMBEDDINGS_API_KEY, model: tenant.embedderModel ?? cfg.embeddingsModel });
    case "workers-ai":
      return workersAiEmbedder(env.AI, tenant.embedderModel ?? cfg.workersAiModel);
  }
}

/**
 * The n x d matrix as a view, without a copy, when the inputs are decoded embeddings lying back to back in one
 * buffer in input order (a rank body decoded by the core: the common case); else null.
 */
function contiguousDecoded(inputs: CandidateInput[], d: number): Float64Array | null {
  let first: DecodedVector | undefined;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i];
    const e = typeof input === "object" && "embedding" in input ? input.embedding : null;
    if (!(e instanceof DecodedVector) || e.length !== d) return null;
    first ??= e;
    if (e.buffer !== first.buffer || e.byteOffset !== first.byteOffset + i * d * 8) return null;
  }
  return first ? new Float64Array(first.buffer, first.byteOffset, inputs.length * d) : null;
}

export interface EmbedAllOptions {
  /** The tenant the texts are embedded for (a shared embeddings server takes callers in turns). */
  caller: string;
  /** Texts longer than this (UTF-8 bytes) are embedded by their beginning and end (bounded-text.ts). */
  maxTextBytes: number;
}

/** `fields[i]` names input i in errors (e.g. "candidates.3", "chosen"). */
export async function embedAll(inputs: CandidateInput[], fields: string[], embedder: Embedder, d: number, o: EmbedAllOptions): Promise<Float64Array> {
  const decoded = contiguousDecoded(inputs, d);
  if (decoded) return decoded;
  const out = new Float64Array(inputs.length * d);
  const texts: string[] = [];
  const textRows: number[] = [];
  inputs.forEach((input, i) => {
    if (typeof input === "object" && "embedding" in input) {
      if (input.embedding.length !== d)
        throw ApiError.unprocessable("dimension_mismatch", `embedding has length ${input.embedding.length}; the basis expects d=${d}`, `${fields[i]}.embedding`);
      out.set(input.embedding as ArrayLike<number>, i * d);
    } else {
      if (embedder.kind === "vectors")
        throw ApiError.unprocessable("text_not_supported", "this tenant's embedder is 'vectors': send {\"embedding\": [...]} instead of text", fields[i]);
      texts.push(boundedForEmbedding(typeof input === "string" ? input : input.text, o.maxTextBytes));
      textRows.push(i);
    }
  });
  if (texts.length > 0) {
    const vectors = await embedder.embed(texts, { caller: o.caller });
    vectors.forEach((v, k) => {
      if (v.length !== d) throw new ApiError(502, "embedder_error", `the embedder returned vectors of length ${v.length}; the basis expects d=${d}`);
      if (!v.every(Number.isFinite)) throw new ApiError(502, "embedder_error", "the embedder returned a non-finite value");
      out.set(v, textRows[k] * d);
    });
  }
  return out;
}
