// Text embedders. `openai`: the OpenAI-compatible endpoint is faked at the fetch level (the Worker runs in this
// isolate, so a spy on globalThis.fetch intercepts its outbound call). `workers-ai`: a fake AI binding is passed
// to the Worker's fetch handler directly.
import { createExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../worker/index.ts";
import { admin, ADMIN_TOKEN, call, env, makeBasis, ORIGIN, storedCounts } from "./helpers.ts";

const d = 8;

/** A deterministic toy embedding of a text. */
function fakeEmbed(text: string): number[] {
  const e = new Array(d).fill(0);
  for (let i = 0; i < text.length; i++) e[i % d] += Math.sin(text.charCodeAt(i) * (1 + (i % 5)));
  return e;
}

async function textTenant(kind: "openai" | "workers-ai", embedderId: string, model: string) {
  const basis = makeBasis({ d, embedderId, mu0: [1, 0.5, -0.5] });
  expect((await admin("POST", "/admin/bases", basis)).status).toBe(201);
  const tenant = await admin("POST", "/admin/tenants", { name: kind, embedder: { kind, id: embedderId, model }, basis: basis.id });
  expect(tenant.status).toBe(201);
  const key = (await admin("POST", `/admin/tenants/${tenant.body.id}/keys`, {})).body.key as string;
  return { tenant: tenant.body.id as string, key, basis };
}

afterEach(() => vi.restoreAllMocks());

describe("openai-compatible embedder", () => {
  function fakeEndpoint(respond?: (input: string[], body: { encoding_format?: string }) => Response) {
    const realFetch = globalThis.fetch;
    const calls: { url: string; auth: string | null; body: any }[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input, init);
      if (new URL(req.url).host !== "embeddings.fake") return realFetch(input, init);
      const body = (await req.json()) as { model: string; input: string[]; encoding_format?: string };
      calls.push({ url: req.url, auth: req.headers.get("authorization"), body });
      if (respond) return respond(body.input, body);
      return Response.json({ object: "list", data: body.input.map((text, index) => ({ object: "embedding", index, embedding: fakeEmbed(text) })) });
    });
    return calls;
  }

  it("embeds text candidates through the endpoint (one call per request) and stores the vectors", async () => {
    const t = await textTenant("openai", "openai:fake-model", "fake-model");
    const calls = fakeEndpoint();
    const texts = ["Sure! Here you go.", "No.", "Let me explain in detail, step by step."];
    const res = await call("POST", "/v1/rank", { key: t.key, body: { user: "u", prompt: "p", candidates: [texts[0], { text: texts[1] }, { embedding: fakeEmbed(texts[2]) }] } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ url: "http://embeddings.fake/v1/embeddings", auth: "Bearer fake-embeddings-key", body: { model: "fake-model", input: texts.slice(0, 2) } });
    // Same scores as sending the embeddings themselves.
    const direct = await call("POST", "/v1/rank", { key: t.key, body: { user: "u", prompt: "p", candidates: texts.map((x) => ({ embedding: fakeEmbed(x) })) } });
    expect(res.body.ranking).toEqual(direct.body.ranking);

    const fb = await call("POST", "/v1/feedback", { key: t.key, body: { user: "u", prompt: "p", chosen: texts[0], rejected: texts[1] } });
    expect(fb.status).toBe(200);
    const exported = (await call("GET", "/v1/users/u/export", { key: t.key })).body;
    expect(exported.feedback[0].chosen.embedding).toEqual(fakeEmbed(texts[0]));
    expect(JSON.stringify(exported)).not.toContain(texts[0]); // texts are never stored
  });

  it("an endpoint failure is a 502 and stores nothing", async () => {
    const t = await textTenant("openai", "openai:flaky", "flaky");
    fakeEndpoint(() => new Response("overloaded", { status: 500 }));
    const res = await call("POST", "/v1/feedback", { key: t.key, body: { user: "u", prompt: "p", chosen: "a", rejected: "b" } });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("embedder_error");
    expect(await storedCounts(t.tenant)).toEqual({ users: 0, feedback: 0 });
  });

  it("an endpoint failure on a user's next comparison is one failed call, not a retry through the read path", async () => {
    const t = await textTenant("openai", "openai:fails-later", "fails-later");
    let answered = 0;
    const calls = fakeEndpoint((input) =>
      answered++ === 0 ? Response.json({ data: input.map((text, index) => ({ index, embedding: fakeEmbed(text) })) }) : new Response("overloaded", { status: 500 }),
    );
    const body = (chosen: string, rejected: string) => ({ user: "u", prompt: "p", chosen, rejected });
    expect((await call("POST", "/v1/feedback", { key: t.key, body: body("a", "b") })).status).toBe(200);
    const res = await call("POST", "/v1/feedback", { key: t.key, body: body("c", "d") });
    expect(res.status).toBe(502);
    expect(calls).toHaveLength(2);
    expect(await storedCounts(t.tenant)).toEqual({ users: 1, feedback: 1 });
  });

  it("asks for base64 float32 and reads it; an endpoint that refuses base64 is asked for floats from then on", async () => {
    const t = await textTenant("openai", "openai:base64", "base64-model");
    const f32 = (text: string) => Float32Array.from(fakeEmbed(text));
    const b64 = (v: Float32Array) => btoa(String.fromCharCode(...new Uint8Array(v.buffer)));
    const calls = fakeEndpoint((input) => Response.json({ data: input.map((text, index) => ({ index, embedding: b64(f32(text)) })) }));
    const texts = ["base64 one", "base64 two"];
    const res = await call("POST", "/v1/rank", { key: t.key, body: { user: "u", prompt: "p", candidates: texts } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(calls[0].body.encoding_format).toBe("base64");
    // Exactly the float32 values the endpoint sent, as if the client had sent them.
    const direct = await call("POST", "/v1/rank", { key: t.key, body: { user: "u", prompt: "p", candidates: texts.map((x) => ({ embedding: Array.from(f32(x)) })) } });
    expect(res.body.ranking).toEqual(direct.body.ranking);

  });

  it("vectors of the wrong dimension from the endpoint are refused, not scored", async () => {
    const t = await textTenant("openai", "openai:wrong-d", "wrong-d");
    fakeEndpoint((input) => Response.json({ data: input.map((_, index) => ({ index, embedding: [1, 2, 3] })) }));
    const res = await call("POST", "/v1/rank", { key: t.key, body: { user: "u", prompt: "p", candidates: ["a", "b"] } });
    expect(res.status).toBe(502);
    expect(res.body.error.message).toContain("d=8");
  });

  // Last in this file: the isolate then remembers that the endpoint's URL takes floats only.
  it("an endpoint that refuses base64 is asked again for floats, and for floats only from then on", async () => {
    const t = await textTenant("openai", "openai:floats-only", "floats-only");
    const calls = fakeEndpoint((input, body) =>
      body.encoding_format === "base64"
        ? Response.json({ error: { message: "encoding_format must be float" } }, { status: 422 })
        : Response.json({ data: input.map((text, index) => ({ index, embedding: fakeEmbed(text) })) }),
    );
    const rank = () => call("POST", "/v1/rank", { key: t.key, body: { user: "u", prompt: "p", candidates: ["one", "two"] } });
    expect((await rank()).status).toBe(200);
    expect(calls.map((c) => c.body.encoding_format)).toEqual(["base64", "float"]);
    expect((await rank()).status).toBe(200);
    expect(calls.map((c) => c.body.encoding_format)).toEqual(["base64", "float", "float"]);
  });
});

describe("workers-ai embedder", () => {
  it("answers 503 without an AI binding", async () => {
    const t = await textTenant("workers-ai", "bge-test", "@cf/baai/bge-small-en-v1.5");
    const res = await call("POST", "/v1/rank", { key: t.key, body: { user: "u", prompt: "p", candidates: ["a", "b"] } });
    expect(res.status).toBe(503);
    expect(res.body.error.message).toContain("AI binding");
  });

  it("embeds through the AI binding", async () => {
    const t = await textTenant("workers-ai", "bge-test-2", "@cf/baai/bge-small-en-v1.5");
    const runs: { model: string; text: string[] }[] = [];
    const AI = {
      run: async (model: string, input: { text: string[] }) => {
        runs.push({ model, text: input.text });
        return { shape: [input.text.length, d], data: input.text.map(fakeEmbed) };
      },
    };
    const request = new Request(`${ORIGIN}/v1/rank`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" },
      body: JSON.stringify({ user: "u", prompt: "p", candidates: ["short", "a much longer answer"] }),
    });
    const res = await worker.fetch(request, { ...env, ADMIN_TOKEN, AI } as never, createExecutionContext());
    expect(res.status).toBe(200);
    expect(runs).toEqual([{ model: "@cf/baai/bge-small-en-v1.5", text: ["short", "a much longer answer"] }]);
  });
});
