// Runtime configuration from [vars] (wrangler.toml). Parsed once per isolate.
import { PLAN_NAME } from "./limits/rate-limit.ts";

/** Vars that wrangler.toml does not declare because they are rarely needed. */
export interface UndeclaredVars {
  /** Attempts of a feedback write before giving up with 409 (default 200). */
  FEEDBACK_ATTEMPTS?: string;
  /** First retry backoff of upstream calls in ms (doubles each retry; default 250). */
  UPSTREAM_BACKOFF_MS?: string;
  /** User store of tenants without their own: "d1" (default) or "durable-objects" (stores/select.ts). */
  PREF_USER_STORE?: string;
}

/** What the configuration is read from: [vars] (typed by `npm run cf-typegen`); the Worker's env (env.ts) is one. */
export type ConfigVars = Partial<CloudflareBindings> & UndeclaredVars;

export interface Config {
  version: string;
  maxCandidates: number;
  maxTextBytes: number;
  maxBodyBytes: number;
  maxAdminBodyBytes: number;
  maxUserIdLength: number;
  questionBudget: number;
  questionThreshold: number;
  ucbBeta: number;
  embeddingsUrl: string;
  embeddingsModel: string;
  workersAiModel: string;
  /** Attempts of a feedback write before giving up with 409 (each lost optimistic race costs one). */
  feedbackAttempts: number;
  /** The service-wide upstream chat LLM; a tenant's own settings override each field (upstream/settings.ts). */
  upstream: {
    /** Base URL including the API version ("https://api.openai.com/v1"); "" = not configured. */
    url: string;
    model: string;
    /** Ask for all candidates in one call with `n` (false for providers without `n`, e.g. Ollama). */
    useN: boolean;
    /** Ask for server-sent events, so that each candidate is embedded when its choice finishes, and partial answers can
     * go to an embedder that starts on them; "auto": only for tenants with such an embedder (docs/chat-latency.md). */
    stream: boolean | "auto";
    timeoutMs: number;
    /** Budget for one chat request's whole generation (retries and top-ups included). */
    deadlineMs: number;
    retries: number;
    backoffMs: number;
  };
  /** Candidates generated per chat completion when neither the request nor the tenant says (1..MAX_CHAT_N). */
  chatDefaultN: number;
  /** Lowest level written to the logs ("info" = one line per request). */
  logLevel: LogLevel;
  /** Deadline of each D1 call; past it the request answers 503 (db_unavailable). */
  d1TimeoutMs: number;
  /** Time allowed to receive a request body; past it 408. */
  bodyTimeoutMs: number;
  /** The tenant whose embedder /health checks ("" = none). */
  healthTenant: string;
  /** Rate-limit plan of tenants without their own (a RATE_LIMIT_<PLAN> binding, or "unlimited"). */
  rateLimitPlan: string;
}

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function plan(value: string | undefined): string {
  if (value === undefined || value === "") return "standard";
  if (!PLAN_NAME.test(value)) throw new Error(`config RATE_LIMIT_PLAN=${value} is not a plan name ([a-z0-9_], e.g. "standard")`);
  return value;
}

function level(value: string | undefined): LogLevel {
  if (value === undefined || value === "") return "info";
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new Error(`config LOG_LEVEL=${value} is not one of ${LOG_LEVELS.join(", ")}`);
  return value as LogLevel;
}

/** Candidates per chat completion: each is a full upstream generation, so the bound is a cost bound. */
export const MAX_CHAT_N = 16;

function bool(value: string | undefined, fallback: boolean, name: string): boolean {
  if (value === undefined || value === "") return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new Error(`config ${name}=${value} is not "true" or "false"`);
}

/** UPSTREAM_STREAM: "auto" (the default) streams for tenants whose embedder starts on partial answers. */
function streamMode(value: string | undefined): boolean | "auto" {
  if (value === undefined || value === "" || value === "auto") return "auto";
  return bool(value, false, "UPSTREAM_STREAM");
}

function num(value: string | undefined, fallback: number, name: string, min: number, max: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`config ${name}=${value} is not a number in [${min}, ${max}]`);
  return n;
}

export function loadConfig(env: ConfigVars): Config {
  return {
    version: env.PREF_VERSION || "0.0.0",
    // The core takes at most 64 candidates per call (core/types.ts MAX_CANDIDATES).
    maxCandidates: num(env.MAX_CANDIDATES, 64, "MAX_CANDIDATES", 2, 64),
    maxTextBytes: num(env.MAX_TEXT_BYTES, 32 * 1024, "MAX_TEXT_BYTES", 1, 16 << 20),
    maxBodyBytes: num(env.MAX_BODY_BYTES, 1 << 20, "MAX_BODY_BYTES", 1024, 100 << 20),
    maxAdminBodyBytes: num(env.MAX_ADMIN_BODY_BYTES, 16 << 20, "MAX_ADMIN_BODY_BYTES", 1024, 100 << 20),
    maxUserIdLength: num(env.MAX_USER_ID_LENGTH, 128, "MAX_USER_ID_LENGTH", 1, 1024),
    questionBudget: num(env.QUESTION_BUDGET, 20, "QUESTION_BUDGET", 0, 1e6),
    questionThreshold: num(env.QUESTION_THRESHOLD, 0.02, "QUESTION_THRESHOLD", 0, 1),
    ucbBeta: num(env.UCB_BETA, 1, "UCB_BETA", 0, 100),
    embeddingsUrl: env.EMBEDDINGS_URL ?? "",
    embeddingsModel: env.EMBEDDINGS_MODEL || "text-embedding-3-small",
    workersAiModel: env.WORKERS_AI_MODEL || "@cf/baai/bge-base-en-v1.5",
    feedbackAttempts: num(env.FEEDBACK_ATTEMPTS, 200, "FEEDBACK_ATTEMPTS", 1, 10_000),
    upstream: {
      url: env.UPSTREAM_URL ?? "",
      model: env.UPSTREAM_MODEL ?? "",
      useN: bool(env.UPSTREAM_USE_N, true, "UPSTREAM_USE_N"),
      stream: streamMode(env.UPSTREAM_STREAM),
      timeoutMs: num(env.UPSTREAM_TIMEOUT_MS, 30_000, "UPSTREAM_TIMEOUT_MS", 100, 600_000),
      deadlineMs: num(env.UPSTREAM_DEADLINE_MS, 60_000, "UPSTREAM_DEADLINE_MS", 100, 600_000),
      retries: num(env.UPSTREAM_RETRIES, 2, "UPSTREAM_RETRIES", 0, 10),
      backoffMs: num(env.UPSTREAM_BACKOFF_MS, 250, "UPSTREAM_BACKOFF_MS", 0, 10_000),
    },
    chatDefaultN: num(env.CHAT_DEFAULT_N, 4, "CHAT_DEFAULT_N", 1, MAX_CHAT_N),
    logLevel: level(env.LOG_LEVEL),
    d1TimeoutMs: num(env.D1_TIMEOUT_MS, 10_000, "D1_TIMEOUT_MS", 10, 120_000),
    bodyTimeoutMs: num(env.BODY_TIMEOUT_MS, 10_000, "BODY_TIMEOUT_MS", 10, 120_000),
    healthTenant: env.HEALTH_TENANT ?? "",
    rateLimitPlan: plan(env.RATE_LIMIT_PLAN),
  };
}
