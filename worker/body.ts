// Request bodies of the JSON routes: media type (415), size (413), the time to receive it (408), and UTF-8 (400
// naming the field). The body is read here, once, with both bounds, into bytes (c.var.body); parsing is left to
// the route: its zod validator reads c.req.json(), answered from those bytes (or by embedding-body.ts, which
// decodes large bodies with the core). A malformed body becomes 400 malformed_json, field "body" (errors.ts).
import { createMiddleware } from "hono/factory";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./env.ts";
import { ApiError } from "./errors.ts";
import { invalidUtf8Field } from "./utf8-field.ts";

const jsonType = /^application\/([\w.-]+\+)?json$/i;
const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export const invalidUtf8 = (bytes: Uint8Array) => {
  const field = invalidUtf8Field(bytes);
  return ApiError.badRequest(`${field}: not valid UTF-8 (send text as UTF-8; invalid bytes are refused, not replaced)`, field);
};

/** Strict UTF-8 decoding: invalid bytes are a 400 naming their field. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    throw invalidUtf8(bytes);
  }
}

const tooLarge = (maxBytes: number) => new ApiError(413, "payload_too_large", `body exceeds ${maxBytes} bytes`, "body");

const tooSlow = (timeoutMs: number) => new ApiError(408, "request_timeout", `the body did not arrive within ${timeoutMs} ms`, "body");

/** Rejects with 408 after timeoutMs (and calls onTimeout); stop() clears the timer. */
function deadline(timeoutMs: number, onTimeout: () => void): { expired: Promise<never>; stop(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(tooSlow(timeoutMs));
    }, timeoutMs);
  });
  expired.catch(() => undefined); // observed by the race, or not at all once stopped
  return { expired, stop: () => clearTimeout(timer) };
}

/**
 * Reads the whole body, refusing it once it exceeds maxBytes or takes longer than timeoutMs to arrive. With a
 * declared length (clients send one) the runtime reads it natively (5x faster than a JS read loop over a 90 KB
 * body); the size is then bounded by the length. Without one (chunked), chunk by chunk, so the size is checked as
 * it grows; a refused stream is cancelled.
 */
async function readBounded(request: Request, maxBytes: number, timeoutMs: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && !request.headers.has("transfer-encoding")) {
    if (Number(declared) > maxBytes) throw tooLarge(maxBytes);
    // A locked stream cannot be cancelled: a body that times out is dropped with the request.
    const limit = deadline(timeoutMs, () => undefined);
    try {
      const bytes = new Uint8Array(await Promise.race([request.arrayBuffer(), limit.expired]));
      if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
      return bytes;
    } finally {
      limit.stop();
    }
  }
  const reader = request.body!.getReader();
  // One timer for the whole body: when it fires, the reader is cancelled and the pending read ends.
  let timedOut = false;
  const limit = deadline(timeoutMs, () => {
    timedOut = true;
    reader.cancel().catch(() => undefined);
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (timedOut) throw tooSlow(timeoutMs);
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        reader.cancel().catch(() => undefined); // stop receiving what we refuse
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } finally {
    limit.stop();
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** JSON of the body read by jsonGuard: strict UTF-8, then JSON.parse. */
function parseJson(c: Context<AppEnv>): unknown {
  let text: string;
  try {
    text = decodeUtf8(c.var.body!);
  } catch (err) {
    // The validator turns any failure of c.req.json() into "Malformed JSON"; errors.ts restores this one.
    c.set("bodyError", err as ApiError);
    throw err;
  }
  return JSON.parse(text);
}

export function jsonGuard(maxBytes: number, timeoutMs: number): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async (c, next) => {
    const method = c.req.method;
    // No body at all: the route's validator decides (a required body then fails with 400).
    if (method === "GET" || method === "HEAD" || method === "DELETE" || !c.req.raw.body) return next();
    const type = (c.req.header("content-type") ?? "").split(";")[0].trim();
    if (!jsonType.test(type)) throw new ApiError(415, "unsupported_media_type", "body must be application/json", "body");
    c.set("body", await readBounded(c.req.raw, maxBytes, timeoutMs));
    c.req.json = <T>() => new Promise<T>((resolve) => resolve(parseJson(c) as T));
    await next();
  });
}
