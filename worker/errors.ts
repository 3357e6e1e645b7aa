// Errors: one typed HTTP exception, rendered to {"error": {"code", "message", "field"?, "request_id"}} by the app's
// single error renderer (render-error.ts).
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { CoreError, Status } from "../core/types.ts";
import { DbError } from "./db/guarded-d1.ts";

export type ErrorCode =
  | "invalid_request"
  | "malformed_json"
  | "unsupported_media_type"
  | "payload_too_large"
  | "unauthorized"
  | "not_found"
  | "conflict"
  | "embedder_mismatch"
  | "no_basis"
  | "idempotency_conflict"
  | "dimension_mismatch"
  | "text_not_supported"
  | "unprocessable"
  | "embedder_error"
  | "unavailable"
  | "db_unavailable"
  | "rate_limited"
  | "quota_exceeded"
  | "request_timeout"
  | "upstream_not_configured"
  | "upstream_timeout"
  | "upstream_rate_limited"
  | "upstream_error"
  | "upstream_rejected"
  | "upstream_malformed"
  | "upstream_unreachable"
  | "internal";

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string; request_id?: string };
}

export class ApiError extends HTTPException {
  /** Extra response headers (e.g. Retry-After). */
  headers?: Record<string, string>;

  constructor(
    status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(status, { message });
    this.name = "ApiError";
  }

  /** For the logs only: what an operator needs and a caller must not see (settings, upstream answers...). */
  detail?: string;

  withDetail(detail: string): this {
    this.detail = detail;
    return this;
  }

  withHeaders(headers: Record<string, string>): this {
    this.headers = { ...this.headers, ...headers };
    return this;
  }

  body(requestId?: string): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}), ...(requestId ? { request_id: requestId } : {}) } };
  }

  static badRequest = (message: string, field?: string) => new ApiError(400, "invalid_request", message, field);
  static unauthorized = (message = "missing or invalid API key") => new ApiError(401, "unauthorized", message);
  static malformedJson = () => new ApiError(400, "malformed_json", "request body is not valid JSON", "body");
  static notFound = (message: string, field?: string) => new ApiError(404, "not_found", message, field);
  static conflict = (code: ErrorCode, message: string, field?: string) => new ApiError(409, code, message, field);
  static unprocessable = (code: ErrorCode, message: string, field?: string) => new ApiError(422, code, message, field);
}

/** Dotted path of a zod issue ("candidates.3.embedding.0"); descends into union branches to the most specific one. */
function deepestIssue(issue: z.core.$ZodIssue, prefix: PropertyKey[] = []): { path: PropertyKey[]; issue: z.core.$ZodIssue } {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    // The branch that got furthest (longest path) before failing explains the error best.
    let best: { path: PropertyKey[]; issue: z.core.$ZodIssue } | undefined;
    for (const branch of issue.errors) {
      for (const sub of branch) {
        const candidate = deepestIssue(sub, path);
        if (!best || candidate.path.length > best.path.length) best = candidate;
      }
    }
    if (best && best.path.length > path.length) return best;
  }
  if (issue.code === "unrecognized_keys" && issue.keys.length > 0) return { path: [...path, issue.keys[0]], issue };
  return { path, issue };
}

export function validationError(error: z.core.$ZodError, target: string): ApiError {
  const first = error.issues[0];
  if (!first) return ApiError.badRequest(`invalid ${target}`);
  const { path, issue } = deepestIssue(first);
  const field = path.length > 0 ? path.map(String).join(".") : target === "json" ? "body" : target;
  return ApiError.badRequest(`${field}: ${issue.message}`, field);
}

function fromCoreError(e: CoreError): ApiError {
  switch (e.status) {
    case Status.BAD_DIMENSION:
      return ApiError.unprocessable("dimension_mismatch", e.message, e.field);
    case Status.NON_FINITE:
    case Status.OUT_OF_RANGE:
    case Status.EMPTY:
    case Status.TOO_MANY:
      return ApiError.unprocessable("unprocessable", e.message, e.field);
    case Status.NO_BASIS:
      return ApiError.conflict("no_basis", e.message, e.field);
    default:
      // NOT_POSITIVE_DEFINITE, NOT_CONVERGED, OUT_OF_MEMORY...: ours, not the caller's.
      return new ApiError(500, "internal", `numeric core: ${e.message}`);
  }
}

const codeForStatus = (status: number): ErrorCode =>
  status === 401 ? "unauthorized" : status === 404 ? "not_found" : status === 413 ? "payload_too_large" : status === 415 ? "unsupported_media_type" : status >= 500 ? "internal" : "invalid_request";

/** Safe to retry: nothing was written (a failed batch is rolled back). A timed-out write may have landed, which
 * is what idempotency keys are for. Errors a retry cannot fix (SQL, constraints) are ours: 500. */
function fromDbError(e: DbError): ApiError {
  if (!e.transient) return new ApiError(500, "internal", "internal error (database)").withHeaders({ "x-should-retry": "false" });
  return new ApiError(503, "db_unavailable", "the database is unavailable or timed out; nothing was stored, retry").withHeaders({
    "x-should-retry": "true",
    "retry-after": "1",
  });
}

/**
 * The error that matters: drizzle wraps a failed query's error (DrizzleQueryError, whose message carries the SQL
 * and its parameters: never to be logged, they include user ids) with the original as its cause.
 */
export function rootCause(err: unknown): unknown {
  let e = err;
  for (let depth = 0; depth < 4 && e instanceof Error && e.cause instanceof Error && !(e instanceof ApiError); depth++) e = e.cause;
  return e;
}

export function toApiError(thrown: unknown): ApiError {
  const err = rootCause(thrown);
  if (err instanceof ApiError) return err;
  if (err instanceof CoreError) return fromCoreError(err);
  if (err instanceof DbError) return fromDbError(err);
  if (err instanceof HTTPException) {
    if (err.status === 400 && /malformed json/i.test(err.message)) return ApiError.malformedJson();
    return new ApiError(err.status as ContentfulStatusCode, codeForStatus(err.status), err.message || "error");
  }
  return new ApiError(500, "internal", "internal error");
}
