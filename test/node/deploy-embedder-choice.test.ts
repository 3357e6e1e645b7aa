// Which embedder a deployed tenant gets from its basis, and the refusals (with what to do instead) when a Worker
// could not compute the vectors the basis reads.
import { describe, expect, it } from "vitest";
import { chooseTenantEmbedder, type EmbedderContext } from "../../cli/deploy/tenant-embedder.ts";

const ctx = (over: Partial<EmbedderContext> = {}): EmbedderContext => ({
  basisFile: "basis.json",
  env: "production",
  vars: { EMBEDDINGS_URL: "" },
  hasAiBinding: true,
  ...over,
});
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected a refusal");
};

describe("chooseTenantEmbedder", () => {
  it("a Workers AI basis gets the AI binding, an OpenAI-compatible one the configured endpoint", () => {
    expect(chooseTenantEmbedder("openai:@cf/baai/bge-base-en-v1.5:response", undefined, ctx())).toEqual({
      kind: "workers-ai",
      id: "openai:@cf/baai/bge-base-en-v1.5:response",
      model: "@cf/baai/bge-base-en-v1.5",
    });
    const openai = ctx({ vars: { EMBEDDINGS_URL: "https://api.openai.com/v1/embeddings" } });
    expect(chooseTenantEmbedder("openai:text-embedding-3-small:response", undefined, openai)).toEqual({
      kind: "openai",
      id: "openai:text-embedding-3-small:response",
      model: "text-embedding-3-small",
    });
    // Model names may contain colons (Ollama tags); Workers AI may also be reached through its OpenAI-compatible API.
    expect(chooseTenantEmbedder("openai:nomic-embed-text:latest:response", undefined, openai).model).toBe("nomic-embed-text:latest");
    expect(chooseTenantEmbedder("openai:@cf/baai/bge-base-en-v1.5:response", "openai", openai).kind).toBe("openai");
  });

  it("the shipped offline basis is refused with the two ways forward, unless callers send vectors", () => {
    const message = refusal(() => chooseTenantEmbedder("use-lite-512:response:head+tail64", undefined, ctx()));
    expect(message).toContain("runs in Node");
    expect(message).toContain("npx pref production-basis --embedder workers-ai");
    expect(message).toContain("npm run deploy -- --env production --basis basis/production/basis.json");
    expect(message).toContain("--embedder vectors");
    expect(chooseTenantEmbedder("use-lite-512:response:head+tail64", "vectors", ctx())).toEqual({ kind: "vectors", id: "use-lite-512:response:head+tail64" });
    // Self-hosted recipe server: the model is the recipe id, and the endpoint must be configured.
    expect(refusal(() => chooseTenantEmbedder("use-lite-512:response", "openai", ctx()))).toContain("set EMBEDDINGS_URL in [env.production.vars]");
    expect(chooseTenantEmbedder("use-lite-512:response", "openai", ctx({ vars: { EMBEDDINGS_URL: "https://embed.example.com/v1/embeddings" } })).model).toBe("use-lite-512:response");
  });

  it("refuses what a Worker would embed differently from the training", () => {
    expect(refusal(() => chooseTenantEmbedder("openai:text-embedding-3-small:prompt+response", undefined, ctx()))).toContain("embeds each candidate's text alone");
    expect(refusal(() => chooseTenantEmbedder("openai:text-embedding-3-small:response", "workers-ai", ctx()))).toContain('Workers AI serves "@cf/..." models only');
    expect(refusal(() => chooseTenantEmbedder("openai:@cf/baai/bge-base-en-v1.5:response", undefined, ctx({ hasAiBinding: false })))).toContain('[env.production.ai] binding = "AI"');
    expect(refusal(() => chooseTenantEmbedder("vectors:response", undefined, ctx()))).toContain("only --embedder vectors");
  });
});
