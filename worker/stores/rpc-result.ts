// Refusals across the Durable Object RPC boundary: an ApiError thrown inside the object would reach the caller as a
// plain Error (a 500), so the object returns refusals as values and the caller throws them again, status and field
// intact. Anything else (a bug, an outage) still throws.
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError, type ErrorCode } from "../errors.ts";

export type RpcResult<T> = { ok: T } | { refused: { status: number; code: ErrorCode; message: string; field?: string } };

export function refusalsAsValues<T>(run: () => T): RpcResult<T> {
  try {
    return { ok: run() };
  } catch (err) {
    if (err instanceof ApiError && err.status < 500) return { refused: { status: err.status, code: err.code, message: err.message, field: err.field } };
    throw err;
  }
}

export async function refusalsAsValuesAsync<T>(run: () => Promise<T>): Promise<RpcResult<T>> {
  try {
    return { ok: await run() };
  } catch (err) {
    if (err instanceof ApiError && err.status < 500) return { refused: { status: err.status, code: err.code, message: err.message, field: err.field } };
    throw err;
  }
}

export function unwrap<T>(result: RpcResult<T>): T {
  if ("refused" in result) {
    const r = result.refused;
    throw new ApiError(r.status as ContentfulStatusCode, r.code, r.message, r.field);
  }
  return result.ok;
}
