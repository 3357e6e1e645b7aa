// "openai": any OpenAI-compatible POST /v1/embeddings endpoint (URL in [vars], key in a secret).
import { z } from "zod";
import { sha256Hex } from "../crypto.ts";
import { ApiError } from "../errors.ts";
import type { Embedder } from "./types.ts";

const responseSchema = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.array(z.number()) })),
});

export interface OpenAIEmbedderOptions {
  url: string;
  apiKey?: string;
  model: string;
  timeoutMs?: number;
}

export function openaiEmbedder(o: OpenAIEmbedderOptions): Embedder {
  return {
    kind: "openai",
    async embed(texts, { caller } = {}) {
      if (!o.url) throw new ApiError(503, "unavailable", "the embedder is not configured").withDetail("embedder 'openai' needs EMBEDDINGS_URL");
      // OpenAI's `user`: an opaque id of who the request is for. A hash of the tenant: providers learn nothing.
      const user = caller ? `t_${(await sha256Hex(`pref-edge/caller\u0000${caller}`)).slice(0, 32)}` : undefined;
      let res: Response;
      try {
        res = await fetch(o.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}) },
          body: JSON.stringify({ model: o.model, input: texts, encoding_format: "float", ...(user ? { user } : {}) }),
          signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
        });
      } catch (err) {
        throw new ApiError(502, "embedder_error", `embeddings endpoint unreachable: ${(err as Error).message}`);
      }
      if (!res.ok) throw new ApiError(502, "embedder_error", `embeddings endpoint answered ${res.status}`);
      const parsed = responseSchema.safeParse(await res.json().catch(() => null));
      if (!parsed.success || parsed.data.data.length !== texts.length)
        throw new ApiError(502, "embedder_error", "embeddings endpoint answered an unexpected shape");
      const out: Float64Array[] = new Array(texts.length);
      for (const item of parsed.data.data) {
        if (item.index >= texts.length) throw new ApiError(502, "embedder_error", "embeddings endpoint answered an unexpected index");
        out[item.index] = Float64Array.from(item.embedding);
      }
      if (out.some((v) => v === undefined)) throw new ApiError(502, "embedder_error", "embeddings endpoint skipped an input");
      return out;
    },
  };
}
