// The app's one error renderer (app.onError and notFound): the JSON error body with the request id, and for 5xx a
// log line with the operator's detail, which the caller never sees.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DbError } from "./db/guarded-d1.ts";
import type { AppEnv } from "./env.ts";
import { ApiError, rootCause, toApiError } from "./errors.ts";
import { logEvent } from "./log.ts";

/** Operator detail of an error for the logs (the caller sees only the ApiError's message). */
function detailOf(thrown: unknown): Record<string, unknown> {
  const err = rootCause(thrown);
  if (err instanceof ApiError) return err.detail ? { detail: err.detail } : {};
  if (err instanceof DbError) return { error: err.name, detail: err.message };
  // A failed query's wrapper without a cause would show its parameters: its name only.
  if (err instanceof Error && err.message.startsWith("Failed query:")) return { error: err.name };
  if (err instanceof Error) return { error: err.name, detail: err.message, stack: err.stack };
  return { detail: String(err) };
}

export async function renderError(err: unknown, c: Context<AppEnv>): Promise<Response> {
  // The validator reports any failure to read the body as malformed JSON; body.ts kept the real reason.
  const e = err instanceof HTTPException && !(err instanceof ApiError) && c.var.bodyError ? c.var.bodyError : toApiError(err);
  c.var.log.code = e.code;
  if (e.status >= 500) await logEvent(c, "error", "error", { status: e.status, code: e.code, message: e.message, ...detailOf(err) });
  return c.json(e.body(c.var.log.requestId), e.status as ContentfulStatusCode, e.headers);
}
