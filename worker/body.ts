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

/** Reads the whole body, refusing it once it exceeds maxBytes or takes longer than timeoutMs to arrive. */
async function readBounded(request: Request, maxBytes: number, timeoutMs: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  const reader = request.body!.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const slow = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ApiError(408, "request_timeout", `the body did not arrive within ${timeoutMs} ms`, "body")), timeoutMs);
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), slow]);
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw tooLarge(maxBytes);
      chunks.push(value);
    }
  } catch (err) {
    reader.cancel().catch(() => undefined); // stop receiving what we refused
    throw err;
  } finally {
    clearTimeout(timer);
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
