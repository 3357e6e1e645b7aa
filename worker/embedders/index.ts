// Candidates -> one row-major n x d matrix, embedding text with the tenant's embedder (one call for all texts).
import type { Config } from "../config.ts";
import type { TenantInfo } from "../domain.ts";
import type { Bindings } from "../env.ts";
import { DecodedVector } from "../decoded-vector.ts";
import { ApiError } from "../errors.ts";
import { boundedForEmbedding } from "./bounded-text.ts";
import { cacheEmbedding, cachedEmbedding, embeddingKey } from "./cache.ts";
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

/** Whether the tenant's embedder starts on texts still being written (chat/partial-hints.ts): it can prefetch. */
export const takesPartialTexts = (tenant: TenantInfo, env: Bindings, cfg: Config): boolean => embedderFor(tenant, env, cfg).prefetch !== undefined;

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
  /** Look texts up in (and add them to) the isolate's embedding cache under this scope (embeddingScope). */
  cacheScope?: string;
}

/** The cache scope of a tenant's embedder: its tenant, kind, id and the model actually called. */
export function embeddingScope(tenant: TenantInfo, cfg: Config): string {
  const model = tenant.embedderKind === "openai" ? (tenant.embedderModel ?? cfg.embeddingsModel) : tenant.embedderKind === "workers-ai" ? (tenant.embedderModel ?? cfg.workersAiModel) : "";
  return [tenant.id, tenant.embedderKind, tenant.embedderId, model].join("\u0000");
}

/**
 * Texts -> a row-major texts.length x d matrix: those in the cache (with o.cacheScope) from it, the others in one
 * call to the embedder (then cached).
 */
export async function embedTexts(texts: string[], embedder: Embedder, d: number, o: EmbedAllOptions): Promise<Float64Array> {
  const out = new Float64Array(texts.length * d);
  const bounded = texts.map((t) => boundedForEmbedding(t, o.maxTextBytes));
  const scope = o.cacheScope;
  const keys = scope === undefined ? null : await Promise.all(bounded.map((t) => embeddingKey(scope, t)));
  const missing: number[] = [];
  for (let i = 0; i < bounded.length; i++) {
    const hit = keys ? cachedEmbedding(keys[i]) : undefined;
    if (hit && hit.length === d) out.set(hit, i * d);
    else missing.push(i);
  }
  if (missing.length === 0) return out;
  const vectors = await embedder.embed(
    missing.map((i) => bounded[i]),
    { caller: o.caller },
  );
  if (vectors.length !== missing.length) throw new ApiError(502, "embedder_error", `the embedder returned ${vectors.length} vectors for ${missing.length} texts`);
  vectors.forEach((v, k) => {
    if (v.length !== d) throw new ApiError(502, "embedder_error", `the embedder returned vectors of length ${v.length}; the basis expects d=${d}`);
    if (!v.every(Number.isFinite)) throw new ApiError(502, "embedder_error", "the embedder returned a non-finite value");
  });
  vectors.forEach((v, k) => {
    const row = missing[k];
    out.set(v, row * d);
    if (keys) cacheEmbedding(keys[row], out.subarray(row * d, (row + 1) * d));
  });
  return out;
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
      texts.push(typeof input === "string" ? input : input.text);
      textRows.push(i);
    }
  });
  if (texts.length > 0) {
    const E = await embedTexts(texts, embedder, d, o);
    textRows.forEach((row, k) => out.set(E.subarray(k * d, (k + 1) * d), row * d));
  }
  return out;
}
