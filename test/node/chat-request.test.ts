// The pure parts of the chat route: the prompt taken from the conversation, candidate counts, the body sent
// upstream, the upstream settings a tenant resolves to, and the streamed payloads.
import { describe, expect, it } from "vitest";
import { candidateCounts, forwardedBody, promptOf, type ChatRequest } from "../../worker/chat/request.ts";
import { contentPieces, streamPayloads, type Completion } from "../../worker/chat/response.ts";
import { loadConfig } from "../../worker/config.ts";
import type { TenantInfo } from "../../worker/domain.ts";
import type { Bindings } from "../../worker/env.ts";
import { ApiError } from "../../worker/errors.ts";
import { resolveUpstream, upstreamModel } from "../../worker/upstream/settings.ts";

describe("chat request", () => {
  it("the prompt is the last user message's text", () => {
    const messages = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "first" },
      { role: "assistant", content: "ok" },
      { role: "user", content: [{ type: "text", text: "second" }, { type: "image_url", image_url: { url: "x" } }, { type: "text", text: "part" }] },
    ] as ChatRequest["messages"];
    expect(promptOf(messages)).toBe("second\npart");
    expect(promptOf(messages.slice(0, 3))).toBe("first");
    expect(promptOf([{ role: "system", content: "only" }] as ChatRequest["messages"])).toBe("");
  });

  it("n returns the best n but never lowers the candidate count; pref.n sets it", () => {
    expect(candidateCounts({}, 4)).toEqual({ generate: 4, returned: 4 });
    expect(candidateCounts({ n: 1 }, 4)).toEqual({ generate: 4, returned: 1 });
    expect(candidateCounts({ n: 6 }, 4)).toEqual({ generate: 6, returned: 6 });
    expect(candidateCounts({ n: 6, pref: { n: 2 } as ChatRequest["pref"] }, 4)).toEqual({ generate: 2, returned: 2 });
  });

  it("forwards the caller's generation settings, not what the Worker controls or the user's id", () => {
    const body = { messages: [{ role: "user", content: "hi" }], model: "m", n: 2, stream: true, user: "u", pref: {}, temperature: 0.5, seed: 7, tools: [] } as unknown as ChatRequest;
    expect(forwardedBody(body)).toEqual({ messages: body.messages, temperature: 0.5, seed: 7 });
  });
});

describe("upstream settings", () => {
  const tenant = (upstream: Partial<TenantInfo["upstream"]> = {}): TenantInfo => ({
    id: "t",
    embedderKind: "openai",
    embedderId: "e",
    embedderModel: null,
    basisId: "b",
    upstream: { url: null, model: null, n: null, useN: null, keySecret: null, modelPassthrough: null, ...upstream },
    limits: { plan: null, dailyQuota: null },
    userStore: null,
  });
  const env = (vars: Record<string, string>) => vars as unknown as Bindings;

  it("not configured anywhere: a short 503; how to configure one is for the logs", () => {
    const error = (() => {
      try {
        resolveUpstream(loadConfig(env({})), tenant(), env({}));
      } catch (e) {
        return e as ApiError;
      }
    })();
    expect(error?.status).toBe(503);
    expect(error?.code).toBe("upstream_not_configured");
    expect(error?.message).not.toMatch(/UPSTREAM|admin|secret/);
    expect(error?.detail).toMatch(/UPSTREAM_URL/);
  });

  it("the tenant's settings win field by field; its key comes from the secret it names", () => {
    const vars = { UPSTREAM_URL: "https://global/v1", UPSTREAM_MODEL: "g", UPSTREAM_API_KEY: "k0", UPSTREAM_API_KEY_ACME: "k1", CHAT_DEFAULT_N: "5" };
    const cfg = loadConfig(env(vars));
    const global = resolveUpstream(cfg, tenant(), env(vars));
    expect(global.config).toMatchObject({ baseUrl: "https://global/v1", model: "g", apiKey: "k0", useN: true, stream: false });
    // Streaming the upstream's answers: by default only for an embedder that starts on partial answers (the local
    // use-lite server); the operator can force it either way (docs/chat-latency.md).
    const useLite = { ...tenant(), embedderModel: "use-lite-512:response:head+tail64" };
    const withEmbedder = { ...vars, EMBEDDINGS_URL: "http://127.0.0.1:8788/v1/embeddings" };
    expect(resolveUpstream(loadConfig(env(withEmbedder)), useLite, env(vars)).config.stream).toBe(true);
    expect(resolveUpstream(loadConfig(env(withEmbedder)), tenant(), env(vars)).config.stream).toBe(false);
    expect(resolveUpstream(loadConfig(env({ ...withEmbedder, UPSTREAM_STREAM: "false" })), useLite, env(vars)).config.stream).toBe(false);
    expect(resolveUpstream(loadConfig(env({ ...vars, UPSTREAM_STREAM: "true" })), tenant(), env(vars)).config.stream).toBe(true);
    expect(() => loadConfig(env({ ...vars, UPSTREAM_STREAM: "sometimes" }))).toThrow(/UPSTREAM_STREAM/);
    expect(global.defaultN).toBe(5);
    const own = resolveUpstream(cfg, tenant({ url: "http://own/v1", n: 2, useN: false, keySecret: "UPSTREAM_API_KEY_ACME" }), env(vars));
    expect(own.config).toMatchObject({ baseUrl: "http://own/v1", model: "g", apiKey: "k1", useN: false });
    expect(own.defaultN).toBe(2);
    // Only the UPSTREAM_API_KEY family can be named (the operator detail says so; the caller gets the short 503).
    const refused = (() => {
      try {
        resolveUpstream(cfg, tenant({ keySecret: "ADMIN_TOKEN" }), env({ ...vars, ADMIN_TOKEN: "secret" }));
      } catch (e) {
        return e as ApiError;
      }
    })();
    expect(refused?.code).toBe("upstream_not_configured");
    expect(refused?.detail).toMatch(/UPSTREAM_API_KEY/);
  });

  it("the request's model is used only with passthrough or when none is configured", () => {
    const cfg = loadConfig(env({ UPSTREAM_URL: "http://u/v1", UPSTREAM_MODEL: "conf" }));
    expect(upstreamModel(resolveUpstream(cfg, tenant(), env({})), "asked")).toBe("conf");
    expect(upstreamModel(resolveUpstream(cfg, tenant({ modelPassthrough: true }), env({})), "asked")).toBe("asked");
    const none = loadConfig(env({ UPSTREAM_URL: "http://u/v1" }));
    expect(upstreamModel(resolveUpstream(none, tenant(), env({})), "asked")).toBe("asked");
  });
});

describe("streamed payloads", () => {
  it("never split a surrogate pair", () => {
    const text = "🙂".repeat(100);
    const pieces = contentPieces(text);
    expect(pieces.join("")).toBe(text);
    for (const p of pieces) expect(Array.from(p).every((ch) => ch === "🙂")).toBe(true);
  });

  it("role, content, finish with pref, usage on request, then [DONE]", () => {
    const completion: Completion = {
      id: "chatcmpl-x",
      created: 1,
      model: "m",
      choices: [
        { text: "best", finishReason: "stop", score: 1, sd: 0.1 },
        { text: "other", finishReason: "length", score: 0, sd: 0.1 },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      pref: {
        event_id: "evt_x",
        basis: "b",
        user: null,
        deviation_weight: 1,
        ranking: [],
        candidates: { requested: 2, received: 2, partial: false, failures: [] },
        question: null,
      },
    };
    const payloads = streamPayloads(completion, true);
    expect(payloads.at(-1)).toBe("[DONE]");
    const chunks = payloads.slice(0, -1).map((p) => JSON.parse(p));
    expect(chunks.map((c) => c.choices[0]?.delta ?? null)).toEqual([{ role: "assistant", content: "" }, { content: "best" }, {}, null]);
    expect(chunks[2].pref.choices).toEqual([
      { index: 0, text: "best", finish_reason: "stop" },
      { index: 1, text: "other", finish_reason: "length" },
    ]);
    expect(chunks[3].usage).toEqual(completion.usage);
    expect(streamPayloads(completion, false).map((p) => (p === "[DONE]" ? p : JSON.parse(p).usage))).toEqual([undefined, undefined, undefined, "[DONE]"]);
  });
});
