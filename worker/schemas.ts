// Shared request/response schemas. They validate requests AND generate /openapi.json, and take the configured
// limits, so the document always states the limits the running Worker enforces.
import { z } from "@hono/zod-openapi";
import type { Config } from "./config.ts";
import { utf8Length } from "./crypto.ts";
import { DecodedVector } from "./decoded-vector.ts";
import { float32BytesToFloat64, strictBase64Bytes } from "./encoding.ts";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "invalid_request" }),
      message: z.string(),
      field: z.string().optional().openapi({ example: "candidates.3.embedding" }),
      request_id: z.string().openapi({ description: "The response's x-request-id (the client's own when it sent one)", example: "req_4f1c2a9b0e7d6c5b4a392817" }),
    }),
  })
  .openapi("Error");

const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: ErrorSchema } } });

/** Error responses every authenticated JSON route may give. */
export const commonErrors = {
  400: errorResponse("Invalid request; `field` names the offending input"),
  401: errorResponse("Missing, unknown or revoked API key"),
  408: errorResponse("The body did not arrive within BODY_TIMEOUT_MS"),
  413: errorResponse("Body larger than the configured limit"),
  415: errorResponse("Body is not application/json"),
  429: errorResponse("The API key's rate limit (rate_limited) or daily quota (quota_exceeded) is used up; Retry-After says when to retry"),
  500: errorResponse("Internal error"),
  503: errorResponse("The database is unavailable or timed out (db_unavailable; nothing was stored: retry, see x-should-retry), or the service is not configured for this"),
} as const;
export const notFoundError = { 404: errorResponse("Not found") } as const;
export const conflictError = { 409: errorResponse("Conflict (embedder/basis mismatch, no active basis, idempotency key reuse, too much contention)") } as const;
export const unprocessableError = { 422: errorResponse("Well-formed but unusable input (e.g. embedding length != basis d, text sent to a `vectors` tenant)") } as const;
export const embedderError = { 502: errorResponse("The embedder failed") } as const;
/** What any route that embeds candidates for a user's basis can answer besides success. */
export const personalizationErrors = { ...commonErrors, ...conflictError, ...unprocessableError, ...embedderError } as const;

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  description,
  content: { "application/json": { schema } },
});
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const EMBEDDING_MAX_DIMS = 4096;
/** Embedding entries are O(1) in practice; the bound keeps W e far from overflow. */
export const EMBEDDING_MAX_ABS = 1e9;

/** Base64 of EMBEDDING_MAX_DIMS float32s, the longest an embedding string may be. */
const BASE64_MAX_CHARS = Math.ceil((4 * EMBEDDING_MAX_DIMS) / 3) * 4;

/**
 * Base64 of little-endian float32s -> Float64Array, with the same limits as the array form and errors that say
 * what is wrong: not base64, not a whole number of float32s, too many values, a value that is not finite.
 */
function decodeFloat32Base64(s: string, ctx: z.RefinementCtx): Float64Array {
  const fail = (message: string) => {
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  };
  if (s.length === 0) return fail("empty: expected base64 of 1-4096 float32 values");
  if (s.length > BASE64_MAX_CHARS) return fail(`too long: at most ${EMBEDDING_MAX_DIMS} float32 values (${BASE64_MAX_CHARS} base64 characters), got ${s.length} characters`);
  const bytes = strictBase64Bytes(s);
  if (!bytes) return fail("not base64 (the standard alphabet A-Z a-z 0-9 + /, padded with =, no whitespace)");
  if (bytes.byteLength % 4 !== 0) return fail(`base64 of ${bytes.byteLength} bytes: not a whole number of float32 values (a multiple of 4 bytes)`);
  if (bytes.byteLength / 4 > EMBEDDING_MAX_DIMS) return fail(`${bytes.byteLength / 4} float32 values: at most ${EMBEDDING_MAX_DIMS}`);
  const out = float32BytesToFloat64(bytes);
  for (let i = 0; i < out.length; i++)
    if (!(Math.abs(out[i]) <= EMBEDDING_MAX_ABS)) return fail(`value ${i} is ${out[i]}: expected a finite number within +-${EMBEDDING_MAX_ABS}`);
  return out;
}

/**
 * An array of 1-4096 finite numbers, checked in one tight loop: element-wise zod schemas cost ~25x more, and
 * rank bodies carry thousands of numbers (16 candidates x 512 dims). Large bodies arrive here with their arrays
 * already decoded into Float64Arrays (embedding-body.ts); they get the same checks.
 */
function checkNumbers(value: unknown, ctx: z.RefinementCtx): ArrayLike<number> {
  if (value instanceof DecodedVector) return value; // checked by the core as it decoded them
  if (!Array.isArray(value) && !(value instanceof Float64Array)) {
    ctx.addIssue({ code: "custom", message: "expected an array of numbers, or a base64 string of float32 values" });
    return z.NEVER;
  }
  if (value.length < 1 || value.length > EMBEDDING_MAX_DIMS) {
    ctx.addIssue({ code: "custom", message: `expected 1-${EMBEDDING_MAX_DIMS} numbers, got ${value.length}` });
    return z.NEVER;
  }
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (typeof v !== "number" || !(Math.abs(v) <= EMBEDDING_MAX_ABS)) {
      ctx.addIssue({ code: "custom", path: [i], message: `expected a finite number within +-${EMBEDDING_MAX_ABS}` });
      return z.NEVER;
    }
  }
  return value as ArrayLike<number>;
}

/**
 * An embedding: JSON numbers or base64 of float32s, one schema (not a union, so an error is about the form that
 * was sent), the same limits for both. Documented as the two forms.
 */
const embeddingValue = (z.any() as z.ZodType<ArrayLike<number>>)
  .transform((value, ctx) => (typeof value === "string" ? decodeFloat32Base64(value, ctx) : checkNumbers(value, ctx)))
  .openapi({
    anyOf: [
      { type: "array", items: { type: "number" }, minItems: 1, maxItems: EMBEDDING_MAX_DIMS },
      {
        type: "string",
        maxLength: BASE64_MAX_CHARS,
        description: `Base64 of 1-${EMBEDDING_MAX_DIMS} little-endian float32 values (as OpenAI's encoding_format=base64 returns)`,
      },
    ],
  });

// Identifiers: printable, no control characters.
const printable = /^[^\u0000-\u001f\u007f]+$/;

/** "." and ".." are path segments a URL parser removes (also written %2e): a user so named could be written but
 * never read, exported or erased through /v1/users/{user}. Every other id works there, percent-encoded. */
export const notDotSegment = (id: string) => id !== "." && id !== "..";
const DOT_SEGMENT = '"." and ".." cannot be ids: URL paths cannot address them';

export function schemas(cfg: Config) {
  const text = (what: string) =>
    z
      .string()
      .max(cfg.maxTextBytes)
      .refine((s) => s.length * 3 <= cfg.maxTextBytes || utf8Length(s) <= cfg.maxTextBytes, `${what} exceeds ${cfg.maxTextBytes} bytes (UTF-8)`);

  const userId = z
    .string()
    .min(1)
    .max(cfg.maxUserIdLength)
    .regex(printable, "no control characters")
    .refine(notDotSegment, DOT_SEGMENT)
    .openapi({
      description: `The tenant's own id for the end user (1-${cfg.maxUserIdLength} chars, no control characters, not "." or ".."; percent-encode it in paths)`,
      example: "user-42",
    });

  const embedding = embeddingValue.openapi({ description: "A precomputed embedding (numbers, or base64 float32); its length must equal the basis's d" });

  const candidate = z
    // Embeddings first: the common case on the hot path then validates on the first branch.
    .union([z.strictObject({ embedding }), text("text").min(1), z.strictObject({ text: text("text").min(1) })])
    .openapi("Candidate", {
      description: "A response to score: its text (embedded by the tenant's embedder) or its embedding",
    });

  const candidates = (min: number) =>
    z
      .array(candidate)
      .min(min, `at least ${min} candidates`)
      .max(cfg.maxCandidates, `at most ${cfg.maxCandidates} candidates`);

  const prompt = text("prompt").openapi({ description: "The prompt the candidates answer (hashed, never stored)" });

  const userParams = z.object({ user: userId.openapi({ param: { name: "user", in: "path" } }) });

  return { text, userId, embedding, candidate, candidates, prompt, userParams };
}
export type Schemas = ReturnType<typeof schemas>;
