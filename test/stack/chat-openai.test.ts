// End to end: the official `openai` npm client, unchanged, pointed at the Worker under `wrangler dev` (local D1),
// which asks a real local fake upstream LLM (the service-wide UPSTREAM_* vars, as the local runner sets them) and
// embeds with the fake's /v1/embeddings. The pick follows the preference planted in the user through /v1/feedback.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack.ts";
import { FakeUpstream } from "../support/fake-upstream.ts";
import { STYLE_EMBEDDER_ID, styleBasis } from "../support/planted-style.ts";

const CALM = ["The answer is 4.", "Two plus two is four.", "It equals four."];
const LOUD = "Four! Easy one!";

let upstream: FakeUpstream;
let stack: LocalStack | undefined;
let client: OpenAI;
let key: string;

async function post(path: string, token: string, body: unknown): Promise<any> {
  const res = await fetch(`${stack!.url}${path}`, {
    method: path.endsWith("/upstream") ? "PUT" : "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

beforeAll(async () => {
  upstream = await FakeUpstream.start();
  stack = await startLocalStack({
    embeddings: false,
    seed: false,
    quiet: true,
    vars: {
      UPSTREAM_URL: upstream.baseUrl,
      UPSTREAM_MODEL: "fake-model",
      UPSTREAM_API_KEY: "sk-e2e-upstream",
      UPSTREAM_TIMEOUT_MS: "3000",
      UPSTREAM_BACKOFF_MS: "10",
      EMBEDDINGS_URL: `${upstream.baseUrl}/embeddings`,
    },
  });
  const admin = stack.adminToken;
  await post("/admin/bases", admin, styleBasis("e2e-style"));
  const tenant = await post("/admin/tenants", admin, { name: "e2e", embedder: { kind: "openai", id: STYLE_EMBEDDER_ID, model: "style" }, basis: "e2e-style" });
  key = (await post(`/admin/tenants/${tenant.id}/keys`, admin, {})).key;
  client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: key, maxRetries: 0 });

  // Plant "prefers enthusiastic answers" in user `fan`.
  for (let i = 0; i < 4; i++)
    await post("/v1/feedback", key, { user: "fan", prompt: `p${i}`, chosen: `Great question ${i}! Here!`, rejected: `Here is answer ${i}.` });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await upstream?.stop();
});

describe("the openai npm client against the Worker", () => {
  it("non-streaming: choices best first for the user, PReF headers and extension", async () => {
    upstream.reset({ texts: [CALM[0], LOUD, CALM[1], CALM[2]], supportsN: true });
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-anything", messages: [{ role: "user", content: "What is 2+2?" }], user: "fan", temperature: 0.8 })
      .withResponse();

    expect(data.choices).toHaveLength(4); // CHAT_DEFAULT_N
    expect(data.choices[0].message.content).toBe(LOUD);
    expect(data.choices.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(response.headers.get("x-pref-feedback-count")).toBe("4");
    expect(response.headers.get("x-pref-basis")).toBe("e2e-style");
    expect(response.headers.get("x-pref-overhead-ms")).toMatch(/^\d+(\.\d+)?$/); // present, and a number of milliseconds
    const pref = (data as unknown as { pref: any }).pref;
    expect(pref.user).toEqual({ id: "fan", feedback_count: 4 });
    expect(pref.question.a).not.toBe(pref.question.b);

    expect(upstream.calls).toHaveLength(1);
    expect(upstream.calls[0].body).toMatchObject({ model: "fake-model", n: 4, temperature: 0.8 });
    expect(upstream.calls[0].authorization).toBe("Bearer sk-e2e-upstream");
  });

  it("streaming: the pick arrives as chunks through the client's iterator", async () => {
    upstream.reset({ texts: [CALM[0], CALM[1], LOUD], supportsN: false });
    const stream = await client.chat.completions.create({
      model: "gpt-anything",
      messages: [{ role: "user", content: "What is 2+2?" }],
      user: "fan",
      stream: true,
      stream_options: { include_usage: true },
      // The PReF extension travels as an extra body field.
      pref: { n: 3 },
    } as OpenAI.ChatCompletionCreateParamsStreaming);
    let content = "";
    let finish: string | null = null;
    let pref: any;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      pref ??= (chunk as unknown as { pref?: unknown }).pref;
      usage = chunk.usage ?? usage;
    }
    expect(content).toBe(LOUD);
    expect(finish).toBe("stop");
    expect(pref.choices.map((c: any) => c.text).sort()).toEqual([CALM[0], CALM[1], LOUD].sort());
    expect(usage?.total_tokens).toBe(90); // three single calls of 10 + 20 tokens
    expect(upstream.calls.map((c) => c.body.n)).toEqual([3, 1, 1]); // n ignored upstream: topped up
  });

  it("an upstream fault reaches the client as an APIError it does not retry", async () => {
    upstream.reset({ faults: [{ kind: "malformed" }] });
    const error = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }], user: "fan" }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.status).toBe(502);
    expect(error.code).toBe("upstream_malformed");
    const retrying = new OpenAI({ baseURL: `${stack!.url}/v1`, apiKey: key, maxRetries: 2 });
    upstream.reset({ faults: [{ kind: "malformed" }] });
    await retrying.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] }).catch(() => undefined);
    expect(upstream.calls).toHaveLength(1); // x-should-retry: false
  });
});
