// "workers-ai": Cloudflare Workers AI text embeddings through the AI binding (e.g. @cf/baai/bge-base-en-v1.5).
import { ApiError } from "../errors.ts";
import type { Embedder } from "./types.ts";

export function workersAiEmbedder(ai: Ai | undefined, model: string): Embedder {
  return {
    kind: "workers-ai",
    async embed(texts) {
      if (!ai) throw new ApiError(503, "unavailable", "embedder 'workers-ai' needs an AI binding (add [ai] binding = \"AI\")");
      let out: { data?: number[][] };
      try {
        out = (await ai.run(model as Parameters<Ai["run"]>[0], { text: texts } as never)) as { data?: number[][] };
      } catch (err) {
        throw new ApiError(502, "embedder_error", `Workers AI failed: ${(err as Error).message}`);
      }
      if (!Array.isArray(out?.data) || out.data.length !== texts.length)
        throw new ApiError(502, "embedder_error", "Workers AI answered an unexpected shape");
      return out.data.map((v) => Float64Array.from(v));
    },
  };
}
