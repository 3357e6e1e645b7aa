// POST /v1/chat/completions inside workerd, against a real local HTTP upstream whose answers the tests script:
// validation, ranking by the user's posterior, `n` supported or not, streaming, the question, and every fault.
// (One file: the fake upstream is shared, and tests within a file run one at a time.)
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { encodeKnownPrompts, promptKey } from "../../core/known-prompts.ts";
import { FIRST_PARTIAL_CHARS } from "../../worker/chat/partial-hints.ts";
import { styleBasis, styleEmbedding } from "../support/planted-style.ts";
import { ask, chat, chatTenant, fakeEmbeddings, fakeUpstream, plantEnthusiasm, upstreamUrl } from "./chat-helpers.ts";
import { admin, call, ORIGIN, unique } from "./helpers.ts";
import { captureLogs } from "./logs.ts";
import { expectConforms } from "./openapi-validate.ts";
import { exports } from "cloudflare:workers";

let embedCalls: string[][] = [];
beforeEach(() => {
  embedCalls = fakeEmbeddings();
});
afterEach(() => vi.restoreAllMocks());

const CALM = ["The answer is 4.", "Two plus two is four.", "It equals four."];
const LOUD = "Four! Easy one!";

describe("chat completions: request validation", () => {
  it("names the offending field", async () => {
    const t = await chatTenant();
    const cases: [Record<string, unknown>, string][] = [
      [{ model: "m" }, "messages"],
      [{ messages: [] }, "messages"],
      [{ messages: [{ role: "robot", content: "hi" }] }, "messages.0.role"],
      [{ messages: [{ role: "user", content: 42 }] }, "messages.0.content"],
      [ask("hi", { temperature: 3 }), "temperature"],
      [ask("hi", { user: "" }), "user"],
      [ask("hi", { n: 17 }), "n"],
      [ask("hi", { pref: { n: 0 } }), "pref.n"],
      [ask("hi", { pref: { explore: "greedy" } }), "pref.explore"],
      [ask("hi", { pref: { surprise: true } }), "pref.surprise"],
      [ask("hi", { tools: [{ type: "function", function: { name: "f" } }] }), "tools"],
      [ask("hi", { stream: "yes" }), "stream"],
    ];
    for (const [body, field] of cases) {
      const res = await chat(t.key, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: "invalid_request", field });
    }
    expect((await call("POST", "/v1/chat/completions", { key: t.key, raw: "{nope" })).body.error.code).toBe("malformed_json");
    expect((await chat("pk_wrong_key_000000000000000000", ask("hi"))).status).toBe(401);
  });

  it("without an upstream answers a short 503 (how to configure one goes to the logs), and calls nothing", async () => {
    const t = await chatTenant(null);
    await fakeUpstream.script({ texts: CALM });
    const logs = captureLogs();
    const res = await chat(t.key, ask("2+2?", { user: "u" }));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("upstream_not_configured");
    // The caller learns that chat is not available here, not the Worker's variable and secret names or admin routes.
    expect(res.body.error.message).not.toMatch(/UPSTREAM|admin|wrangler|secret/i);
    const logged = logs.lines().find((l) => l.code === "upstream_not_configured" && l.event === "error");
    expect(logged?.request_id).toBe(res.headers.get("x-request-id"));
    expect(logged?.detail).toMatch(/UPSTREAM_URL.*UPSTREAM_API_KEY.*\/admin\/tenants\/\{tenant\}\/upstream/s);
    expect(res.headers.get("x-should-retry")).toBe("false");
    await expectConforms(res, "POST", "/v1/chat/completions");
    expect(await fakeUpstream.calls()).toHaveLength(0);
  });

  it("refuses a tenant whose embedder cannot embed text, before calling the upstream", async () => {
    const t = await chatTenant({}, "vectors");
    await fakeUpstream.script({ texts: CALM });
    const res = await chat(t.key, ask("2+2?", { user: "u" }));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("text_not_supported");
    expect(await fakeUpstream.calls()).toHaveLength(0);
  });
});

describe("chat completions: candidates ranked for the user", () => {
  it("uses the whole deviation on the basis's known prompts and its new-prompt weight on any other", async () => {
    const basis = { ...styleBasis(unique("style-known")), prompts: { known: encodeKnownPrompts([await promptKey("What is 2+2?")]), new_prompt_weight: 0.5 } };
    const t = await chatTenant({ n: 4 }, "openai", basis);
    await plantEnthusiasm(t.key, "fan", true);
    const prefFor = async (question: string) => {
      await fakeUpstream.script({ texts: [...CALM, LOUD], supportsN: true });
      const res = await chat(t.key, ask(question, { user: "fan" }));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.pref;
    };
    const known = await prefFor("What is 2+2?");
    const fresh = await prefFor("What is 3+3?");
    expect([known.deviation_weight, fresh.deviation_weight]).toEqual([1, 0.5]);
    // The prior mean is 0 here, so on the new prompt every score and sd is half the known prompt's.
    fresh.ranking.forEach((r: { score: number; sd: number }, i: number) => {
      expect(r.score).toBeCloseTo(0.5 * known.ranking[i].score, 9);
      expect(r.sd).toBeCloseTo(0.5 * known.ranking[i].sd, 9);
    });
  });

  it("asks once with n when the upstream supports it, and answers best first in OpenAI's shape", async () => {
    const t = await chatTenant({ n: 4 });
    await plantEnthusiasm(t.key, "fan", true);
    await fakeUpstream.script({ texts: [...CALM, LOUD], supportsN: true });
    const res = await chat(t.key, ask("What is 2+2?", { user: "fan", temperature: 0.7, max_tokens: 50, model: "caller-model" }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await expectConforms(res, "POST", "/v1/chat/completions");

    const calls = await fakeUpstream.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0].body).toMatchObject({ model: "fake-model", n: 4, stream: true, temperature: 0.7, max_tokens: 50 });
    expect(calls[0].body).not.toHaveProperty("user"); // the end user's id stays here
    expect(calls[0].body).not.toHaveProperty("pref");
    expect(calls[0].authorization).toBe("Bearer sk-fake-upstream");

    const { choices, pref } = res.body;
    expect(res.body.object).toBe("chat.completion");
    expect(choices.map((c: any) => c.index)).toEqual([0, 1, 2, 3]);
    expect(choices[0].message).toEqual({ role: "assistant", content: LOUD, refusal: null });
    const scores = pref.ranking.map((r: any) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(pref.user).toEqual({ id: "fan", feedback_count: 4 });
    expect(pref.deviation_weight).toBe(1); // a basis without known prompts: the whole deviation everywhere
    expect(pref.candidates).toEqual({ requested: 4, received: 4, partial: false, failures: [] });
    expect(res.body.usage.total_tokens).toBe(90);

    expect(res.headers.get("x-pref-basis")).toBe(pref.basis);
    expect(res.headers.get("x-pref-feedback-count")).toBe("4");
    expect(res.headers.get("x-pref-candidates")).toBe("4/4");
    expect(res.headers.get("x-pref-event-id")).toBe(pref.event_id);
    expect(res.headers.get("x-pref-overhead-ms")).toMatch(/^\d+(\.\d+)?$/); // present, and a number of milliseconds

    // The same order /v1/rank gives for the same texts and user.
    const rank = await call("POST", "/v1/rank", { key: t.key, body: { user: "fan", prompt: "What is 2+2?", candidates: [...CALM, LOUD] } });
    expect(choices.map((c: any) => c.message.content)).toEqual(rank.body.ranking.map((r: any) => [...CALM, LOUD][r.index]));
  });

  it("follows each user's posterior: opposite preferences get opposite picks", async () => {
    const t = await chatTenant({ n: 4 });
    await plantEnthusiasm(t.key, "fan", true);
    await plantEnthusiasm(t.key, "stoic", false);
    const pick = async (user: string) => {
      await fakeUpstream.script({ texts: [CALM[0], LOUD, CALM[1], CALM[2]] });
      return (await chat(t.key, ask("2+2?", { user }))).body.choices[0].message.content;
    };
    expect(await pick("fan")).toBe(LOUD);
    expect(CALM).toContain(await pick("stoic"));
  });

  it("without a user ranks by the population prior and asks nothing", async () => {
    const t = await chatTenant();
    await fakeUpstream.script({ texts: [...CALM, LOUD] });
    const res = await chat(t.key, ask("2+2?"));
    expect(res.status).toBe(200);
    expect(res.body.pref.user).toBeNull();
    expect(res.body.pref.question).toBeNull();
    expect(res.headers.get("x-pref-feedback-count")).toBe("0");
    expect(res.body.choices).toHaveLength(4); // CHAT_DEFAULT_N
  });

  it("tops up with parallel single calls when the upstream ignores n, or uses them only when told", async () => {
    const t = await chatTenant({ n: 3 });
    await fakeUpstream.script({ texts: CALM, supportsN: false });
    const res = await chat(t.key, ask("2+2?", { user: "u" }));
    expect(res.status).toBe(200);
    expect(res.body.choices.map((c: any) => c.message.content).sort()).toEqual([...CALM].sort());
    expect((await fakeUpstream.calls()).map((c) => c.body.n)).toEqual([3, 1, 1]);

    const single = await chatTenant({ n: 3, use_n: false });
    await fakeUpstream.script({ texts: CALM, supportsN: true });
    expect((await chat(single.key, ask("2+2?", { user: "u" }))).status).toBe(200);
    expect((await fakeUpstream.calls()).map((c) => c.body.n)).toEqual([1, 1, 1]);
  });

  it("pref.n sets the candidates; n the choices returned (never fewer candidates than the default)", async () => {
    const t = await chatTenant({ n: 3 });
    await fakeUpstream.script({ texts: [...CALM, LOUD] });
    const two = await chat(t.key, ask("2+2?", { user: "u", pref: { n: 2 } }));
    expect(two.body.choices).toHaveLength(2);
    expect((await fakeUpstream.calls())[0].body.n).toBe(2);

    await fakeUpstream.script({ texts: [...CALM, LOUD] });
    const best = await chat(t.key, ask("2+2?", { user: "u", n: 1 }));
    expect(best.body.choices).toHaveLength(1);
    expect(best.body.pref.candidates.requested).toBe(3);
    expect(best.body.pref.question).toBeNull(); // one choice: nothing to compare
  });

  it("hands back the most informative pair, which /v1/feedback accepts and later questions skip", async () => {
    const t = await chatTenant({ n: 4 });
    const texts = [CALM[0], LOUD, CALM[1], "Wow! It is four!"];
    await fakeUpstream.script({ texts });
    const res = await chat(t.key, ask("2+2?", { user: "newbie" }));
    const q = res.body.pref.question;
    expect(q).toMatchObject({ ask: true, reason: "ask" });
    expect(q.a).not.toBe(q.b);
    expect(Math.max(q.a, q.b)).toBeLessThan(4);

    const content = (i: number) => res.body.choices[i].message.content;
    const fb = await call("POST", "/v1/feedback", {
      key: t.key,
      body: { user: "newbie", prompt: "2+2?", chosen: content(q.a), rejected: content(q.b), event_id: res.body.pref.event_id },
    });
    expect(fb.status, JSON.stringify(fb.body)).toBe(200);

    await fakeUpstream.script({ texts });
    const again = await chat(t.key, ask("2+2?", { user: "newbie" }));
    const asked = new Set([content(q.a), content(q.b)]);
    const next = again.body.pref.question;
    const c2 = (i: number) => again.body.choices[i].message.content;
    expect(asked.has(c2(next.a)) && asked.has(c2(next.b))).toBe(false);

    await fakeUpstream.script({ texts });
    expect((await chat(t.key, ask("2+2?", { user: "newbie", pref: { ask: false } }))).body.pref.question).toBeNull();
  });

  it("streams the pick as chat.completion.chunk events, with pref and usage at the end", async () => {
    const t = await chatTenant({ n: 4 });
    await plantEnthusiasm(t.key, "fan", true);
    const long = `Absolutely! ${"Four is the answer, and here is why. ".repeat(4)}`;
    await fakeUpstream.script({ texts: [CALM[0], long, CALM[1], CALM[2]] });
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" },
        body: JSON.stringify(ask("2+2?", { user: "fan", stream: true, stream_options: { include_usage: true } })),
      }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("x-pref-feedback-count")).toBe("4");
    const text = await res.text();
    const events = text.split("\n\n").filter(Boolean);
    for (const e of events) expect(e.startsWith("data: ")).toBe(true);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
    for (const c of chunks) expect(c).toMatchObject({ object: "chat.completion.chunk", id: chunks[0].id });
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    const content = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    expect(content).toBe(long);
    expect(chunks.filter((c) => c.choices[0]?.delta?.content).length).toBeGreaterThan(1);
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish.choices[0].finish_reason).toBe("stop");
    expect(finish.pref.choices[0].text).toBe(long);
    expect(finish.pref.choices).toHaveLength(4);
    expect(finish.pref.question).toMatchObject({ ask: true });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 90 } });
  });
});

describe("chat completions: long upstream answers", () => {
  it("are embedded within MAX_TEXT_BYTES (their beginning and end), and returned whole", async () => {
    const t = await chatTenant({ n: 2 });
    vi.restoreAllMocks();
    const embedded: string[] = [];
    const users: unknown[] = [];
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input, init);
      if (new URL(req.url).host !== "embeddings.fake") return realFetch(input, init);
      const body = (await req.json()) as { input: string[]; user?: string };
      embedded.push(...body.input);
      users.push(body.user);
      return Response.json({ data: body.input.map((text, index) => ({ index, embedding: styleEmbedding(text) })) });
    });
    const huge = `Start of a very long answer. ${"lorem ipsum dolor sit amet, ".repeat(7000)}The very end, a question?`;
    expect(huge.length).toBeGreaterThan(190_000);
    await fakeUpstream.script({ texts: [huge, CALM[0]] });
    const res = await chat(t.key, ask("2+2?", { user: "u" }));
    expect(res.status).toBe(200);
    const contents = res.body.choices.map((c: { message: { content: string } }) => c.message.content);
    expect(contents).toContain(huge); // the caller gets the whole answer
    const utf8 = new TextEncoder();
    expect(embedded).toHaveLength(2);
    for (const text of embedded) expect(utf8.encode(text).length).toBeLessThanOrEqual(32 * 1024);
    const cut = embedded.find((text) => text.startsWith("Start of a very long answer."))!;
    expect(cut.endsWith("The very end, a question?")).toBe(true);
    // The embeddings endpoint is told whose texts these are (an opaque hash of the tenant, for fair queueing).
    expect(users[0]).toMatch(/^t_[0-9a-f]{32}$/);
    expect(users[0]).not.toContain(t.tenant);
  });
});

describe("chat completions: upstream faults", () => {
  it("a stalled upstream is a 504 after UPSTREAM_TIMEOUT_MS, not a hang", async () => {
    const t = await chatTenant();
    await fakeUpstream.script({ faults: [{ kind: "hang-body" }] });
    const res = await chat(t.key, ask("2+2?", { user: "u" }));
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe("upstream_timeout");
    await expectConforms(res, "POST", "/v1/chat/completions");
  });

  it("429 then success: retried after Retry-After, answered normally", async () => {
    const t = await chatTenant();
    await fakeUpstream.script({ texts: CALM, faults: [{ kind: "status", status: 429, retryAfterSeconds: 0 }] });
    const res = await chat(t.key, ask("2+2?", { user: "u" }));
    expect(res.status).toBe(200);
    expect(await fakeUpstream.calls()).toHaveLength(2);
  });

  it("429 that outlasts the retries is passed on with the upstream's Retry-After", async () => {
    const t = await chatTenant();
    await fakeUpstream.script({ persistentFault: { kind: "status", status: 429, retryAfterSeconds: 0 } });
    const res = await chat(t.key, ask("2+2?", { user: "u" }));
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe("upstream_rate_limited");
    expect(res.headers.get("retry-after")).toBe("0");
    expect(await fakeUpstream.calls()).toHaveLength(3); // 1 + UPSTREAM_RETRIES
  });

  it("500 after the retries is a 502", async () => {
    const t = await chatTenant();
    await fakeUpstream.script({ persistentFault: { kind: "status", status: 500 } });
    const res = await chat(t.key, ask("2+2?", { user: "u" }));
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: "upstream_error" });
    expect(res.body.error.message).toContain("500");
    expect(await fakeUpstream.calls()).toHaveLength(3);
    await expectConforms(res, "POST", "/v1/chat/completions");
  });

  it("malformed JSON from the upstream is a clear 502, not retried", async () => {
    const t = await chatTenant();
    await fakeUpstream.script({ faults: [{ kind: "malformed" }] });
    const res = await chat(t.key, ask("2+2?", { user: "u" }));
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("upstream_malformed");
    expect(res.body.error.message).toMatch(/invalid JSON/);
    expect(res.headers.get("x-should-retry")).toBe("false");
  });

  it("partial candidates: the ones that came back are ranked, and the answer says so", async () => {
    const t = await chatTenant({ n: 4, use_n: false });
    await fakeUpstream.script({ texts: [CALM[0], LOUD], faults: [null, { kind: "malformed" }, null, { kind: "malformed" }] });
    const res = await chat(t.key, ask("2+2?", { user: "u" }));
    expect(res.status).toBe(200);
    expect(res.body.choices).toHaveLength(2);
    expect(res.headers.get("x-pref-candidates")).toBe("2/4");
    expect(res.body.pref.candidates).toMatchObject({ requested: 4, received: 2, partial: true });
    expect(res.body.pref.candidates.failures.map((f: any) => f.kind)).toEqual(["malformed", "malformed"]);
  });

  it("an upstream that refuses the request (4xx) or cannot be reached is a 502, never the caller's 401", async () => {
    const t = await chatTenant();
    await fakeUpstream.script({ persistentFault: { kind: "status", status: 401 } });
    const refused = await chat(t.key, ask("2+2?", { user: "u" }));
    expect(refused.status).toBe(502);
    expect(refused.body.error.code).toBe("upstream_rejected");

    const gone = await chatTenant({ url: "http://127.0.0.1:9/v1" });
    const unreachable = await chat(gone.key, ask("2+2?", { user: "u" }));
    expect(unreachable.status).toBe(502);
    expect(unreachable.body.error.code).toBe("upstream_unreachable");
  });
});

describe("admin: tenant upstream settings", () => {
  it("stores, shows and clears them; refuses a key secret outside the UPSTREAM_API_KEY family", async () => {
    const t = await chatTenant(null);
    const set = await admin("PUT", `/admin/tenants/${t.tenant}/upstream`, { url: upstreamUrl(), model: "m", n: 8, use_n: false, key_secret: "UPSTREAM_API_KEY_ACME" });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ url: upstreamUrl(), model: "m", n: 8, use_n: false, key_secret: "UPSTREAM_API_KEY_ACME", model_passthrough: null });
    await expectConforms(set, "PUT", "/admin/tenants/{tenant}/upstream");
    const got = await admin("GET", `/admin/tenants/${t.tenant}`);
    expect(got.body.upstream).toEqual(set.body);
    await expectConforms(got, "GET", "/admin/tenants/{tenant}");

    // The named secret is not set in this Worker: 503 (the logs name it), not a call without a key.
    const logs = captureLogs();
    const res = await chat(t.key, ask("2+2?", { user: "u" }));
    expect(res.status).toBe(503);
    expect(res.body.error.message).not.toContain("UPSTREAM_API_KEY_ACME");
    expect(logs.lines().find((l) => l.event === "error")?.detail).toContain("UPSTREAM_API_KEY_ACME");

    for (const bad of [{ key_secret: "ADMIN_TOKEN" }, { url: "file:///etc/passwd" }, { n: 17 }, { extra: 1 }]) {
      const r = await admin("PUT", `/admin/tenants/${t.tenant}/upstream`, bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await admin("PUT", "/admin/tenants/nope/upstream", {})).status).toBe(404);
    const cleared = await admin("PUT", `/admin/tenants/${t.tenant}/upstream`, {});
    expect(cleared.body.url).toBeNull();
  });

  it("model passthrough forwards the caller's model", async () => {
    const t = await chatTenant({ model_passthrough: true });
    await fakeUpstream.script({ texts: CALM });
    await chat(t.key, ask("2+2?", { user: "u", model: "caller-model" }));
    expect((await fakeUpstream.calls())[0].body.model).toBe("caller-model");
  });
});

describe("chat completions: the latency path (streamed arrivals, batches, cache, early start)", () => {
  /** Each choice's text with its score, as the chat answer and /v1/rank report them, sorted by text. */
  const scored = (texts: string[], scores: number[]) => texts.map((text, i) => [text, scores[i]] as const).sort(([a], [b]) => a.localeCompare(b));

  it("ranks streamed choices that finish out of order by their own embeddings", async () => {
    const t = await chatTenant({ n: 4 });
    await plantEnthusiasm(t.key, "fan", true);
    embedCalls.length = 0; // the planted feedback's
    const texts = [CALM[0], CALM[1], LOUD, CALM[2]];
    // The loud answer finishes last, the others in a shuffled order, each in its own network read.
    await fakeUpstream.script({ texts, finishOrder: [3, 0, 1, 2] });
    const res = await chat(t.key, ask("2+2?", { user: "fan" }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.choices[0].message.content).toBe(LOUD);
    expect(res.body.pref.candidates).toEqual({ requested: 4, received: 4, partial: false, failures: [] });
    // Embedded as they arrived: more than one batch, every text exactly once.
    expect(embedCalls.length).toBeGreaterThan(1);
    expect(embedCalls.flat().sort()).toEqual([...texts].sort());
    // Every text keeps its own score: the same as /v1/rank gives the same texts for the same user.
    const rank = await call("POST", "/v1/rank", { key: t.key, body: { user: "fan", prompt: "2+2?", candidates: texts } });
    const fromChat = scored(
      res.body.choices.map((c: any) => c.message.content),
      res.body.pref.ranking.map((r: any) => r.score),
    );
    const fromRank = scored(
      rank.body.ranking.map((r: any) => texts[r.index]),
      rank.body.ranking.map((r: any) => r.score),
    );
    expect(fromChat.map(([text]) => text)).toEqual(fromRank.map(([text]) => text));
    fromChat.forEach(([, score], i) => expect(score).toBeCloseTo(fromRank[i][1], 9));
  });

  it("streamed answers go mid-stream to a use-lite embedder (its settled windows computed ahead), to no other", async () => {
    const useLite = await chatTenant({ n: 3 }, "openai", undefined, "use-lite-512:response:head+tail64");
    vi.restoreAllMocks();
    const calls: { partial: boolean; texts: string[] }[] = [];
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input, init);
      if (new URL(req.url).host !== "embeddings.fake") return realFetch(input, init);
      const body = (await req.json()) as { input: string[]; pref_partial?: boolean };
      calls.push({ partial: body.pref_partial === true, texts: body.input });
      if (body.pref_partial) return Response.json({ object: "list", data: [], pref_partial: { windows: body.input.map(() => 1) } });
      return Response.json({ data: body.input.map((text, index) => ({ index, embedding: styleEmbedding(text) })) });
    });
    const long = (opening: string) => `${opening} ${"And here is one more sentence about it. ".repeat(20)}`;
    const texts = [long(LOUD), long(CALM[0]), long(CALM[1])];
    // Every choice's text arrives in one read; then they finish 15 ms apart.
    await fakeUpstream.script({ texts, finishOrder: [0, 1, 2] });
    const res = await chat(useLite.key, ask("2+2?", { user: "u" }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const whole = calls.filter((c) => !c.partial);
    expect(whole.flatMap((c) => c.texts).sort()).toEqual([...texts].sort()); // ranked by the whole texts, each once
    // The choices that finished later were sent while still being generated, before their whole text.
    for (const text of texts.slice(1)) {
      const ahead = calls.findIndex((c) => c.partial && c.texts.some((p) => text.startsWith(p)));
      expect(ahead).toBeGreaterThanOrEqual(0);
      expect(ahead).toBeLessThan(calls.findIndex((c) => !c.partial && c.texts.includes(text)));
    }
    expect(calls.filter((c) => c.partial).length).toBeLessThanOrEqual(4);
    for (const p of calls.filter((c) => c.partial).flatMap((c) => c.texts)) expect(p.length).toBeGreaterThanOrEqual(FIRST_PARTIAL_CHARS);

    // Short answers: nothing to send ahead. Another embedder model (any OpenAI-compatible one): never.
    calls.length = 0;
    await fakeUpstream.script({ texts: CALM, finishOrder: [0, 1, 2] });
    expect((await chat(useLite.key, ask("2+2?", { user: "u" }))).status).toBe(200);
    const other = await chatTenant({ n: 3 });
    await fakeUpstream.script({ texts, finishOrder: [0, 1, 2] });
    expect((await chat(other.key, ask("2+2?", { user: "u" }))).status).toBe(200);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((c) => c.partial)).toEqual([]);
  });

  it("choices that arrive together go to the embedder in one call; the same texts again come from the cache", async () => {
    const t = await chatTenant({ n: 4 });
    await fakeUpstream.script({ texts: [...CALM, LOUD] });
    const first = await chat(t.key, ask("2+2?", { user: "u1" }));
    expect(first.status).toBe(200);
    expect(embedCalls).toEqual([[...CALM, LOUD]]);
    // A retry (the same answers): no embeddings call, the same ranking and scores.
    await fakeUpstream.script({ texts: [...CALM, LOUD] });
    const again = await chat(t.key, ask("2+2?", { user: "u1" }));
    expect(again.status).toBe(200);
    expect(embedCalls).toHaveLength(1);
    expect(again.body.choices).toEqual(first.body.choices);
    expect(again.body.pref.ranking).toEqual(first.body.pref.ranking);
    // Another tenant with the same texts does not see this tenant's entries.
    const other = await chatTenant({ n: 4 });
    await fakeUpstream.script({ texts: [...CALM, LOUD] });
    expect((await chat(other.key, ask("2+2?", { user: "u1" }))).status).toBe(200);
    expect(embedCalls).toHaveLength(2);
  });

  it("reads a provider that ignores stream: true as a whole answer", async () => {
    const t = await chatTenant({ n: 3 });
    await plantEnthusiasm(t.key, "fan", true);
    await fakeUpstream.script({ texts: [CALM[0], LOUD, CALM[1]], streams: false });
    const res = await chat(t.key, ask("2+2?", { user: "fan" }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await fakeUpstream.calls())[0].body.stream).toBe(true);
    expect(res.body.choices[0].message.content).toBe(LOUD);
    expect(res.body.pref.candidates.received).toBe(3);
  });

  it("a stream that breaks keeps the choices it finished, ranked, without asking again for them", async () => {
    const t = await chatTenant({ n: 4 });
    await fakeUpstream.script({ texts: [LOUD, CALM[0], CALM[1], CALM[2]], finishOrder: [0, 1, 2, 3], breakAfter: 2 });
    const res = await chat(t.key, ask("2+2?", { user: "u" }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.pref.candidates).toMatchObject({ requested: 4, received: 2, partial: true });
    expect(res.body.pref.candidates.failures[0].kind).toBe("network");
    expect(res.body.choices.map((c: any) => c.message.content).sort()).toEqual([LOUD, CALM[0]].sort());
    expect(await fakeUpstream.calls()).toHaveLength(1);
    expect(res.headers.get("x-pref-candidates")).toBe("2/4");
  });

  it("a stream that breaks before any choice finished is retried like any network failure", async () => {
    const t = await chatTenant({ n: 2 });
    await fakeUpstream.script({ texts: [LOUD, CALM[0]], breakAfter: 0, faults: [] });
    const res = await chat(t.key, ask("2+2?", { user: "u" }));
    // Every attempt breaks the same way: after the retries, a 502 in the API's error shape.
    expect(res.status).toBe(502);
    expect(res.body.error.code).toMatch(/^upstream/);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect((await fakeUpstream.calls()).length).toBe(3); // the call and UPSTREAM_RETRIES = 2
  });

  it("an embedder failure while candidates arrive is a 502 JSON error, and the next request succeeds", async () => {
    const t = await chatTenant({ n: 3 });
    vi.restoreAllMocks();
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) =>
      new URL(new Request(input, init).url).host === "embeddings.fake" ? new Response("no", { status: 500 }) : realFetch(input, init),
    );
    await fakeUpstream.script({ texts: CALM, finishOrder: [2, 1, 0] });
    const res = await chat(t.key, ask("2+2?", { user: "u" }));
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("embedder_error");
    expect(res.headers.get("x-pref-overhead-ms")).toBeNull();
    vi.restoreAllMocks();
    fakeEmbeddings();
    await fakeUpstream.script({ texts: CALM });
    const ok = await chat(t.key, ask("2+2?", { user: "u" }));
    expect(ok.status).toBe(200);
    const overhead = ok.headers.get("x-pref-overhead-ms");
    expect(overhead).toMatch(/^\d+$/);
  });

  it("a key seen before: a changed upstream setting is followed at once, a revoked key is refused (401 JSON)", async () => {
    const t = await chatTenant({ n: 2 });
    const created = await admin("POST", `/admin/tenants/${t.tenant}/keys`, {});
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    await fakeUpstream.script({ texts: CALM });
    expect((await chat(key, ask("2+2?", { user: "u" }))).body.model).toBe("fake-model");
    // The isolate remembers this key's plan; the admin changes the model behind it.
    const set = await admin("PUT", `/admin/tenants/${t.tenant}/upstream`, { url: upstreamUrl(), model: "newer-model", n: 2 });
    expect(set.status).toBe(200);
    await fakeUpstream.script({ texts: CALM });
    const res = await chat(key, ask("2+2?", { user: "u" }));
    expect(res.status).toBe(200);
    expect(res.body.model).toBe("newer-model");
    expect((await fakeUpstream.calls()).at(-1)!.body.model).toBe("newer-model");

    expect((await admin("DELETE", `/admin/tenants/${t.tenant}/keys/${created.body.id}`)).status).toBeLessThan(300);
    const refused = await chat(key, ask("2+2?", { user: "u" }));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-type")).toMatch(/application\/json/);
    expect(refused.body.error.code).toBe("unauthorized");
    // The tenant's other key still chats.
    await fakeUpstream.script({ texts: CALM });
    expect((await chat(t.key, ask("2+2?", { user: "u" }))).status).toBe(200);
  });

  it("counts chat volume in the tenant's metrics", async () => {
    const t = await chatTenant({ n: 2 });
    await fakeUpstream.script({ texts: CALM });
    expect((await chat(t.key, ask("2+2?", { user: "u" }))).status).toBe(200);
    expect((await chat(t.key, ask("3+3?", { user: "u" }))).status).toBe(200);
    // A refused request is not counted.
    expect((await chat(t.key, ask("hi", { temperature: 3 }))).status).toBe(400);
    // Written behind (about a second later).
    let metrics = (await admin("GET", `/admin/tenants/${t.tenant}/metrics?group=day`)).body;
    for (let i = 0; i < 40 && metrics.volume.chat < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      metrics = (await admin("GET", `/admin/tenants/${t.tenant}/metrics?group=day`)).body;
    }
    expect(metrics.volume.chat).toBe(2);
    expect(metrics.volume.rank).toBe(0);
  });
});
