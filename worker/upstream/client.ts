// Client for an upstream OpenAI-compatible chat completions endpoint (OpenAI, Workers AI's OpenAI endpoint,
// Ollama, llama.cpp server, vLLM...). It asks for N candidate answers and never hangs: every call has a
// deadline, 429/5xx are retried with backoff, and whatever subset of candidates arrives is returned.
// With `stream`, the upstream is asked for server-sent events and each candidate is handed over (onCandidate)
// the moment its choice finishes, so that the caller can embed it while the others are still being generated.
import { RefusedOption } from "../refused-options.ts";
import { readCompletionStream } from "./stream.ts";
import { UpstreamError, type Candidate } from "./types.ts";

export { UpstreamError, type Candidate, type UpstreamFailure } from "./types.ts";

export interface UpstreamConfig {
  /** Base URL up to and including the API version, e.g. "https://api.openai.com/v1" or "http://127.0.0.1:11434/v1". */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Per-call deadline. */
  timeoutMs: number;
  /** Budget for the whole generation, retries and top-up calls included; none when absent. */
  deadlineMs?: number;
  /** Extra attempts after the first on 429 / 5xx / network errors. */
  retries: number;
  /** First backoff; doubles each retry (a Retry-After header wins when shorter than the cap). */
  backoffMs: number;
  /** Whether to ask for all N in one call with `n`; providers that ignore `n` are topped up with single calls. */
  useN: boolean;
  /** Ask for server-sent events (each choice handed over when it finishes); a whole answer is read as well. */
  stream?: boolean;
}

export interface GenerationResult {
  /** In arrival order (the order onCandidate saw them). */
  candidates: Candidate[];
  /** Calls made, counting retries. */
  calls: number;
  /** Failures of calls that were given up on (the candidates they would have produced are missing). */
  failures: UpstreamError[];
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** The request body we forward: the caller's chat request minus what we control (n, stream, model). */
export type ForwardedBody = Record<string, unknown> & { messages: unknown[] };

const MAX_BACKOFF_MS = 4_000;

// An upstream that refuses a streamed request (400/422: e.g. it does not know stream_options) but answers the same
// request whole is asked for whole answers from then on (per isolate and base URL).
const wholeAnswersOnly = new RefusedOption();

export interface GenerateOptions {
  fetcher?: typeof fetch;
  /** Stops every call (and retry) of the generation; its result is then of no interest. */
  signal?: AbortSignal;
  /** Each candidate the moment it arrives, in the order of the result's candidates. */
  onCandidate?: (candidate: Candidate) => void;
  /** Ask for server-sent events, so that each choice arrives when it finishes rather than with the slowest. */
  stream?: boolean;
  /** Streamed answers only: a choice still being generated grew (`key` names it among all calls' choices). */
  onGrow?: (key: string, chars: number, text: () => string) => void;
}

export async function generateCandidates(config: UpstreamConfig, body: ForwardedBody, n: number, options: GenerateOptions = {}): Promise<GenerationResult> {
  const result: GenerationResult = {
    candidates: [],
    calls: 0,
    failures: [],
    model: config.model,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
  const deadline = config.deadlineMs === undefined ? Infinity : Date.now() + config.deadlineMs;
  const call: CallContext = {
    config,
    body,
    fetcher: options.fetcher ?? fetch,
    deadline,
    signal: options.signal,
    stream: options.stream ?? config.stream === true,
    onGrow: options.onGrow,
    calls: 0,
    deliver: (candidate) => {
      result.candidates.push(candidate);
      options.onCandidate?.(candidate);
    },
  };
  const collect = (outcome: PromiseSettledResult<CallOutcome>) => {
    if (outcome.status === "rejected") {
      result.failures.push(asUpstreamError(outcome.reason));
      return;
    }
    const { calls, usage, model } = outcome.value;
    result.calls += calls;
    result.model = model ?? result.model;
    result.usage.prompt_tokens += usage.prompt_tokens;
    result.usage.completion_tokens += usage.completion_tokens;
    result.usage.total_tokens += usage.total_tokens;
  };

  if (config.useN && n > 1) {
    const [first] = await Promise.allSettled([callWithRetries(call, n)]);
    collect(first);
    // A provider that ignores `n` answers with one choice: top up with single calls in parallel.
    // A provider that failed outright is not hammered N more times, except when it refused the request (4xx):
    // some providers refuse n > 1 itself, and single calls then work (a request that is bad for another reason
    // fails N more times, fast).
    if (first.status === "rejected" && asUpstreamError(first.reason).kind !== "client_error") return finish(result, n);
  }
  const missing = n - result.candidates.length;
  if (missing > 0) {
    const outcomes = await Promise.allSettled(Array.from({ length: missing }, () => callWithRetries(call, 1)));
    outcomes.forEach(collect);
  }
  return finish(result, n);
}

function finish(result: GenerationResult, n: number): GenerationResult {
  if (result.candidates.length === 0) {
    // The most telling failure: the last one (after a refused n call, that of the single calls).
    throw result.failures.at(-1) ?? new UpstreamError("malformed", "upstream returned no usable choices (no text content)");
  }
  // A provider may answer with more choices than asked for.
  if (result.candidates.length > n) result.candidates.length = n;
  return result;
}

interface CallOutcome {
  calls: number;
  usage: GenerationResult["usage"];
  model?: string;
}

interface CallContext {
  config: UpstreamConfig;
  body: ForwardedBody;
  fetcher: typeof fetch;
  deadline: number;
  signal?: AbortSignal;
  stream: boolean;
  onGrow?: GenerateOptions["onGrow"];
  /** Calls started so far (each attempt counts): names a call's choices for onGrow. */
  calls: number;
  /** Hands one candidate over (to the result and the caller's onCandidate). */
  deliver: (candidate: Candidate) => void;
}

async function callWithRetries(call: CallContext, n: number): Promise<CallOutcome> {
  let calls = 0;
  for (let attempt = 0; ; attempt++) {
    calls++;
    let delivered = 0;
    try {
      const outcome = await callOnce(call, n, (candidate) => {
        delivered++;
        call.deliver(candidate);
      });
      return { ...outcome, calls };
    } catch (err) {
      const error = asUpstreamError(err);
      const retryable = error.kind === "rate_limited" || error.kind === "server_error" || error.kind === "network";
      // A stream that broke after handing over some choices keeps them; a retry would answer them twice.
      if (!retryable || attempt >= call.config.retries || delivered > 0 || call.signal?.aborted) throw error;
      const wait = retryAfterMs(error) ?? Math.min(call.config.backoffMs * 2 ** attempt, MAX_BACKOFF_MS);
      // A retry that could not even start before the deadline would only delay the answer.
      if (Date.now() + wait >= call.deadline) throw error;
      await sleep(wait);
      if (call.signal?.aborted) throw error;
    }
  }
}

function retryAfterMs(error: UpstreamError): number | undefined {
  if (error.retryAfterSeconds === undefined) return undefined;
  return Math.min(error.retryAfterSeconds * 1000, MAX_BACKOFF_MS);
}

async function callOnce(call: CallContext, n: number, deliver: (candidate: Candidate) => void): Promise<Omit<CallOutcome, "calls">> {
  const { config, body, fetcher, deadline } = call;
  const timeoutMs = Math.min(config.timeoutMs, deadline - Date.now());
  if (timeoutMs <= 0) throw new UpstreamError("timeout", "the upstream deadline passed before this call could start");
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const stop = () => controller.abort();
  call.signal?.addEventListener("abort", stop);
  const failed = (what: string, err: unknown) => {
    if (call.signal?.aborted) return new UpstreamError("network", "the generation was abandoned");
    if (controller.signal.aborted) return new UpstreamError("timeout", `upstream did not ${what} within ${timeoutMs} ms`);
    return err instanceof UpstreamError ? err : new UpstreamError("network", `upstream connection failed: ${(err as Error).message}`);
  };
  try {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
    const stream = call.stream && !wholeAnswersOnly.has(config.baseUrl);
    const streamed = stream ? { stream: true, stream_options: { include_usage: true } } : { stream: false };
    let response: Response;
    try {
      response = await fetcher(`${config.baseUrl.replace(/\/+$/, "")}/chat/completions`, {
        method: "POST",
        headers,
        body: JSON.stringify({ ...body, model: config.model, n, ...streamed }),
        signal: controller.signal,
      });
    } catch (err) {
      if (controller.signal.aborted && !call.signal?.aborted) throw new UpstreamError("timeout", `upstream did not answer within ${timeoutMs} ms`);
      throw new UpstreamError("network", `upstream unreachable: ${(err as Error).message}`);
    }
    if (stream && RefusedOption.isRefusal(response.status)) {
      await response.body?.cancel();
      const whole = await callOnce({ ...call, stream: false }, n, deliver);
      wholeAnswersOnly.remember(config.baseUrl);
      return whole;
    }
    // The deadline covers the body too: a server that sends headers and then stalls is a timeout.
    if (response.ok && response.body && (response.headers.get("content-type") ?? "").includes("text/event-stream")) {
      try {
        const onGrow = call.onGrow;
        const callNo = ++call.calls;
        const summary = await readCompletionStream(response.body, deliver, onGrow && ((index, chars, text) => onGrow(`${callNo}/${index}`, chars, text)));
        return { usage: summary.usage, model: summary.model };
      } catch (err) {
        throw failed("finish", err);
      }
    }
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      throw failed("finish", err);
    }
    if (!response.ok) {
      const status = response.status;
      const detail = text.slice(0, 200);
      if (status === 429) {
        const header = response.headers.get("retry-after");
        const seconds = header === null ? NaN : Number(header);
        throw new UpstreamError("rate_limited", `upstream rate-limited (429): ${detail}`, status, Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined);
      }
      if (status >= 500) throw new UpstreamError("server_error", `upstream error ${status}: ${detail}`, status);
      throw new UpstreamError("client_error", `upstream rejected the request (${status}): ${detail}`, status);
    }
    // A whole answer (no stream asked for, or a provider that ignores `stream`): every choice at once.
    const { choices, ...rest } = parseCompletion(text);
    for (const choice of choices) deliver(choice);
    return rest;
  } finally {
    clearTimeout(timer);
    call.signal?.removeEventListener("abort", stop);
  }
}

function parseCompletion(text: string): Omit<CallOutcome, "calls"> & { choices: Candidate[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UpstreamError("malformed", `upstream answered with invalid JSON: ${text.slice(0, 120)}`);
  }
  const record = json as { choices?: unknown; usage?: Record<string, unknown>; model?: unknown };
  if (!record || !Array.isArray(record.choices)) throw new UpstreamError("malformed", "upstream answer has no choices array");
  const choices: Candidate[] = [];
  for (const choice of record.choices as { message?: { content?: unknown }; finish_reason?: unknown }[]) {
    const content = choice?.message?.content;
    // null content is a choice without text (a refusal, a tool call): nothing to rank, but not a broken answer.
    if (content === null) continue;
    if (typeof content !== "string") throw new UpstreamError("malformed", "upstream choice has no message.content string");
    if (content.length > 0) choices.push({ text: content, finishReason: typeof choice.finish_reason === "string" ? choice.finish_reason : null });
  }
  const count = (key: string) => (typeof record.usage?.[key] === "number" ? (record.usage[key] as number) : 0);
  return {
    choices,
    usage: { prompt_tokens: count("prompt_tokens"), completion_tokens: count("completion_tokens"), total_tokens: count("total_tokens") },
    model: typeof record.model === "string" ? record.model : undefined,
  };
}

function asUpstreamError(err: unknown): UpstreamError {
  return err instanceof UpstreamError ? err : new UpstreamError("network", String((err as Error)?.message ?? err));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
