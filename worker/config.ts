// Runtime configuration from [vars] (wrangler.toml) and secrets. Parsed once per isolate.
import type { Bindings } from "./env.ts";

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
}

function num(value: string | undefined, fallback: number, name: string, min: number, max: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`config ${name}=${value} is not a number in [${min}, ${max}]`);
  return n;
}

export function loadConfig(env: Bindings): Config {
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
  };
}
