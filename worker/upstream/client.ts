// Client for an upstream OpenAI-compatible chat completions endpoint (OpenAI, Workers AI's OpenAI endpoint,
// Ollama, llama.cpp server, vLLM...). It asks for N candidate answers and never hangs: every call has a
// deadline, 429/5xx are retried with backoff, and whatever subset of candidates arrives is returned.

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
}

export type UpstreamFailure = "timeout" | "rate_limited" | "server_error" | "client_error" | "malformed" | "network";

export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamFailure,
    message: string,
    readonly upstreamStatus?: number,
    /** The upstream's Retry-After (429), in seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "UpstreamError";
  }
}

export interface Candidate {
  text: string;
  finishReason: string | null;
}

export interface GenerationResult {
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

export async function generateCandidates(
  config: UpstreamConfig,
  body: ForwardedBody,
  n: number,
  fetcher: typeof fetch = fetch,
): Promise<GenerationResult> {
  const result: GenerationResult = {
    candidates: [],
    calls: 0,
    failures: [],
    model: config.model,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
  const deadline = config.deadlineMs === undefined ? Infinity : Date.now() + config.deadlineMs;
  const collect = (outcome: PromiseSettledResult<CallOutcome>) => {
    if (outcome.status === "rejected") {
      result.failures.push(asUpstreamError(outcome.reason));
      return;
    }
    const { choices, calls, usage, model } = outcome.value;
    result.calls += calls;
    result.candidates.push(...choices);
    result.model = model ?? result.model;
    result.usage.prompt_tokens += usage.prompt_tokens;
    result.usage.completion_tokens += usage.completion_tokens;
    result.usage.total_tokens += usage.total_tokens;
  };

  if (config.useN && n > 1) {
    const [first] = await Promise.allSettled([callWithRetries(config, body, n, fetcher, deadline)]);
    collect(first);
    // A provider that ignores `n` answers with one choice: top up with single calls in parallel.
    // A provider that failed outright is not hammered N more times, except when it refused the request (4xx):
    // some providers refuse n > 1 itself, and single calls then work (a request that is bad for another reason
    // fails N more times, fast).
    if (first.status === "rejected" && asUpstreamError(first.reason).kind !== "client_error") return finish(result, n);
  }
  const missing = n - result.candidates.length;
  if (missing > 0) {
    const outcomes = await Promise.allSettled(
      Array.from({ length: missing }, () => callWithRetries(config, body, 1, fetcher, deadline)),
    );
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
  choices: Candidate[];
  calls: number;
  usage: GenerationResult["usage"];
  model?: string;
}

async function callWithRetries(
  config: UpstreamConfig,
  body: ForwardedBody,
  n: number,
  fetcher: typeof fetch,
  deadline: number,
): Promise<CallOutcome> {
  let calls = 0;
  for (let attempt = 0; ; attempt++) {
    calls++;
    try {
      const outcome = await callOnce(config, body, n, fetcher, deadline);
      return { ...outcome, calls };
    } catch (err) {
      const error = asUpstreamError(err);
      const retryable = error.kind === "rate_limited" || error.kind === "server_error" || error.kind === "network";
      if (!retryable || attempt >= config.retries) throw error;
      const wait = retryAfterMs(error) ?? Math.min(config.backoffMs * 2 ** attempt, MAX_BACKOFF_MS);
      // A retry that could not even start before the deadline would only delay the answer.
      if (Date.now() + wait >= deadline) throw error;
      await sleep(wait);
    }
  }
}

function retryAfterMs(error: UpstreamError): number | undefined {
  if (error.retryAfterSeconds === undefined) return undefined;
  return Math.min(error.retryAfterSeconds * 1000, MAX_BACKOFF_MS);
}

async function callOnce(
  config: UpstreamConfig,
  body: ForwardedBody,
  n: number,
  fetcher: typeof fetch,
  deadline: number,
): Promise<Omit<CallOutcome, "calls">> {
  const timeoutMs = Math.min(config.timeoutMs, deadline - Date.now());
  if (timeoutMs <= 0) throw new UpstreamError("timeout", "the upstream deadline passed before this call could start");
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
    let response: Response;
    try {
      response = await fetcher(`${config.baseUrl.replace(/\/+$/, "")}/chat/completions`, {
        method: "POST",
        headers,
        body: JSON.stringify({ ...body, model: config.model, n, stream: false }),
        signal: controller.signal,
      });
    } catch (err) {
      if (controller.signal.aborted) throw new UpstreamError("timeout", `upstream did not answer within ${timeoutMs} ms`);
      throw new UpstreamError("network", `upstream unreachable: ${(err as Error).message}`);
    }
    // The deadline covers the body too: a server that sends headers and then stalls is a timeout.
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      if (controller.signal.aborted) throw new UpstreamError("timeout", `upstream did not finish within ${timeoutMs} ms`);
      throw new UpstreamError("network", `upstream connection failed: ${(err as Error).message}`);
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
    return parseCompletion(text);
  } finally {
    clearTimeout(timer);
  }
}

function parseCompletion(text: string): Omit<CallOutcome, "calls"> {
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
