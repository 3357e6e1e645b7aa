import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCandidates, UpstreamError, type UpstreamConfig } from "../../worker/upstream/client.ts";
import { FakeUpstream } from "../support/fake-upstream.ts";

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await FakeUpstream.start();
});
afterAll(async () => {
  await upstream.stop();
});

const config = (overrides: Partial<UpstreamConfig> = {}): UpstreamConfig => ({
  baseUrl: upstream.baseUrl,
  apiKey: "sk-upstream",
  model: "fake-model",
  timeoutMs: 1_000,
  retries: 2,
  backoffMs: 10,
  useN: true,
  ...overrides,
});
const body = { messages: [{ role: "user", content: "Say hi" }], temperature: 0.9 };

describe("upstream chat client", () => {
  it("asks once with n when the provider honours it", async () => {
    upstream.reset({ texts: ["a", "b", "c", "d"], supportsN: true });
    const result = await generateCandidates(config(), body, 4);
    expect(result.candidates.map((c) => c.text)).toEqual(["a", "b", "c", "d"]);
    expect(upstream.calls).toHaveLength(1);
    expect(upstream.calls[0].body).toMatchObject({ n: 4, model: "fake-model", stream: false, temperature: 0.9 });
    expect(upstream.calls[0].authorization).toBe("Bearer sk-upstream");
  });

  it("tops up with parallel single calls when the provider ignores n", async () => {
    upstream.reset({ texts: ["a", "b", "c"], supportsN: false });
    const result = await generateCandidates(config(), body, 3);
    expect(result.candidates.map((c) => c.text).sort()).toEqual(["a", "b", "c"]);
    expect(upstream.calls).toHaveLength(3);
  });

  it("uses parallel calls only when told the provider has no n", async () => {
    upstream.reset({ texts: ["a", "b"], supportsN: true });
    const result = await generateCandidates(config({ useN: false }), body, 2);
    expect(result.candidates).toHaveLength(2);
    expect(upstream.calls.map((c) => c.body.n)).toEqual([1, 1]);
  });

  it("retries 429 and 5xx with backoff, then succeeds", async () => {
    upstream.reset({
      texts: ["ok"],
      faults: [{ kind: "status", status: 429, retryAfterSeconds: 0 }, { kind: "status", status: 503 }],
    });
    const result = await generateCandidates(config(), body, 1);
    expect(result.candidates.map((c) => c.text)).toEqual(["ok"]);
    expect(result.calls).toBe(3);
  });

  it("gives up after the configured retries with the upstream's failure", async () => {
    upstream.reset({ persistentFault: { kind: "status", status: 500 } });
    const error = await generateCandidates(config({ retries: 1 }), body, 1).catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.kind).toBe("server_error");
    expect(upstream.calls).toHaveLength(2);
  });

  it("does not retry a 4xx other than 429", async () => {
    upstream.reset({ faults: [{ kind: "status", status: 400 }] });
    const error = await generateCandidates(config(), body, 1).catch((e) => e);
    expect(error.kind).toBe("client_error");
    expect(upstream.calls).toHaveLength(1);
  });

  it("reports malformed JSON as malformed, without retrying", async () => {
    upstream.reset({ faults: [{ kind: "malformed" }] });
    const error = await generateCandidates(config(), body, 1).catch((e) => e);
    expect(error.kind).toBe("malformed");
    expect(upstream.calls).toHaveLength(1);
  });

  it("times out a slow upstream and a stalled body instead of hanging", async () => {
    upstream.reset({ persistentFault: { kind: "delay", ms: 2_000 } });
    const slow = await generateCandidates(config({ timeoutMs: 150, retries: 0 }), body, 1).catch((e) => e);
    expect(slow.kind).toBe("timeout");
    upstream.reset({ persistentFault: { kind: "hang-body" } });
    const stalled = await generateCandidates(config({ timeoutMs: 150, retries: 0 }), body, 1).catch((e) => e);
    expect(stalled.kind).toBe("timeout");
  });

  it("falls back to single calls when the provider refuses n > 1 with a 4xx", async () => {
    upstream.reset({ texts: ["a", "b", "c"], faults: [{ kind: "status", status: 400 }] });
    const result = await generateCandidates(config(), body, 3);
    expect(result.candidates.map((c) => c.text).sort()).toEqual(["a", "b", "c"]);
    expect(upstream.calls.map((c) => c.body.n)).toEqual([3, 1, 1, 1]);
    expect(result.failures.map((f) => f.kind)).toEqual(["client_error"]);
  });

  it("exposes the upstream's Retry-After when the rate limit outlasts the retries", async () => {
    upstream.reset({ persistentFault: { kind: "status", status: 429, retryAfterSeconds: 0 } });
    const error = await generateCandidates(config({ retries: 1 }), body, 1).catch((e) => e);
    expect(error.kind).toBe("rate_limited");
    expect(error.retryAfterSeconds).toBe(0);
  });

  it("returns the candidates that arrived when some parallel calls fail", async () => {
    upstream.reset({
      texts: ["x", "y", "z"],
      supportsN: false,
      persistentFault: (i) => (i % 2 === 1 ? { kind: "status", status: 400 } : undefined),
    });
    const result = await generateCandidates(config({ useN: false }), body, 4);
    expect(result.candidates.length).toBe(2);
    expect(result.failures.length).toBe(2);
  });

  it("stops retrying at the overall deadline instead of spending every retry", async () => {
    // Each call fails slowly: 10 retries would take > 10 x 120 ms; a 300 ms budget allows only a few calls.
    upstream.reset({ persistentFault: { kind: "status", status: 503, delayMs: 120 } });
    const error = await generateCandidates(config({ retries: 10, backoffMs: 10, deadlineMs: 300 }), body, 1).catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(["server_error", "timeout"]).toContain(error.kind);
    expect(upstream.calls.length).toBeGreaterThanOrEqual(1);
    expect(upstream.calls.length).toBeLessThanOrEqual(4);
  });
});

describe("upstream chat client, streamed", () => {
  it("hands each choice over as it finishes, in arrival order, and sums the streamed usage", async () => {
    upstream.reset({ texts: ["first answer", "second answer", "third answer"], supportsN: true, finishOrder: [2, 0, 1] });
    const seen: string[] = [];
    const result = await generateCandidates(config(), body, 3, { stream: true, onCandidate: (c) => seen.push(c.text) });
    expect(seen).toEqual(["third answer", "first answer", "second answer"]);
    expect(result.candidates.map((c) => c.text)).toEqual(seen);
    expect(result.candidates.every((c) => c.finishReason === "stop")).toBe(true);
    expect(result.usage).toEqual({ prompt_tokens: 10, completion_tokens: 60, total_tokens: 70 });
    expect(upstream.calls[0].body).toMatchObject({ n: 3, stream: true, stream_options: { include_usage: true } });
  });

  it("reports each unfinished choice's growth: its length so far and, on demand, its text so far", async () => {
    upstream.reset({ texts: ["first answer", "second answer"], supportsN: true, finishOrder: [1, 0] });
    const growth: { key: string; chars: number; text: string }[] = [];
    await generateCandidates(config(), body, 2, { stream: true, onGrow: (key, chars, text) => growth.push({ key, chars, text: text() }) });
    // Each choice's pieces in order ("fir", then "st answer"), keyed by call and choice index.
    expect(growth).toEqual([
      { key: "1/0", chars: 3, text: "fir" },
      { key: "1/1", chars: 3, text: "sec" },
      { key: "1/0", chars: 12, text: "first answer" },
      { key: "1/1", chars: 13, text: "second answer" },
    ]);
  });

  it("asks for whole answers from a provider that refuses streaming (400) but answers whole, and remembers it", async () => {
    const u = await FakeUpstream.start();
    try {
      u.reset({ texts: ["a", "b"], supportsN: true, refusesStream: true });
      const first = await generateCandidates(config({ baseUrl: u.baseUrl }), body, 2, { stream: true });
      expect(first.candidates.map((c) => c.text)).toEqual(["a", "b"]);
      expect(u.calls.map((c) => c.body.stream)).toEqual([true, false]);
      const again = await generateCandidates(config({ baseUrl: u.baseUrl }), body, 2, { stream: true });
      expect(again.candidates).toHaveLength(2);
      expect(u.calls.map((c) => c.body.stream)).toEqual([true, false, false]);
      // A request the provider refuses either way stays a client error (and teaches nothing).
      const other = await FakeUpstream.start();
      try {
        other.reset({ texts: ["a"], supportsN: true, faults: [{ kind: "status", status: 400 }, { kind: "status", status: 400 }] });
        await expect(generateCandidates(config({ baseUrl: other.baseUrl }), body, 1, { stream: true })).rejects.toMatchObject({ kind: "client_error" });
        other.reset({ texts: ["c"], supportsN: true });
        await generateCandidates(config({ baseUrl: other.baseUrl }), body, 1, { stream: true });
        expect(other.calls.at(-1)!.body.stream).toBe(true);
      } finally {
        await other.stop();
      }
    } finally {
      await u.stop();
    }
  });

  it("reads a whole answer when the provider ignores stream, and tops up single calls the same way", async () => {
    upstream.reset({ texts: ["a", "b"], supportsN: false, streams: false });
    const seen: string[] = [];
    const result = await generateCandidates(config(), body, 2, { stream: true, onCandidate: (c) => seen.push(c.text) });
    expect(seen.sort()).toEqual(["a", "b"]);
    expect(result.candidates).toHaveLength(2);
  });

  it("an abandoned generation stops its calls and is not retried", async () => {
    upstream.reset({ texts: ["slow"], faults: [{ kind: "delay", ms: 400 }] });
    const controller = new AbortController();
    const pending = generateCandidates(config({ retries: 2 }), body, 1, { stream: true, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toBeInstanceOf(UpstreamError);
    expect(upstream.calls).toHaveLength(1);
  });
});
