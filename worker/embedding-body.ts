// Request bodies that carry embeddings as JSON numbers (rank, feedback, questions/next) are parsed with the WASM
// core's help: JSON.parse spent most of a rank request's Worker CPU turning 16 x 512 decimal strings into numbers,
// and the core decodes them from the raw bytes faster (core: decodeEmbeddingArrays; ~2.2x in workerd, whose
// JSON.parse is quick, 3x under Node), into one buffer the route then uses in place.
//
// The route's zod validator still sees the whole body and validates it as usual (a decoded array arrives as a
// DecodedVector, whose values the core has already checked against the same bounds). Every decoded array is replaced in
// the text by a marker string; JSON.parse reads the rest, and its reviver swaps each marker for its Float64Array.
// Arrays the core leaves alone (other number spellings, bad grammar, out-of-range values) stay in the text, so
// JSON.parse and the schema judge them with the same errors as always. Markers carry a per-request random nonce,
// so a client string can never be taken for one.
import { createMiddleware } from "hono/factory";
import { SPAN_INTS, type DecodedEmbeddings } from "../core/types.ts";
import { invalidUtf8 } from "./body.ts";
import { DecodedVector } from "./decoded-vector.ts";
import type { AppEnv } from "./env.ts";
import { ApiError } from "./errors.ts";
import { EMBEDDING_MAX_ABS, EMBEDDING_MAX_DIMS } from "./schemas.ts";

/** Below this many bytes JSON.parse alone costs about as much as the detour. */
const MIN_BYTES = 2048;

// Strict: invalid UTF-8 is refused (400 naming the field), never replaced with U+FFFD.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The body as JSON text with each decoded array replaced by the marker `"\u0000<nonce>:<k>"`. */
function markedText(body: Uint8Array, spans: Int32Array, nonce: string): string {
  const parts: string[] = [];
  let from = 0;
  for (let k = 0; k * SPAN_INTS < spans.length; k++) {
    parts.push(utf8.decode(body.subarray(from, spans[k * SPAN_INTS])), `"\\u0000${nonce}:${k}"`);
    from = spans[k * SPAN_INTS + 1];
  }
  parts.push(utf8.decode(body.subarray(from)));
  return parts.join("");
}

/** JSON.parse of a body whose embedding arrays were decoded by the core. Throws 400 malformed_json, or 400 naming
 * the field that holds invalid UTF-8. */
export function parseWithDecoded(body: Uint8Array, decoded: DecodedEmbeddings): unknown {
  const { values, spans } = decoded;
  const nonce = spans.length === 0 ? "" : crypto.getRandomValues(new Uint32Array(2)).join("");
  let text: string;
  try {
    text = spans.length === 0 ? utf8.decode(body) : markedText(body, spans, nonce);
  } catch {
    throw invalidUtf8(body);
  }
  try {
    if (spans.length === 0) return JSON.parse(text);
    const prefix = `\u0000${nonce}:`;
    return JSON.parse(text, (key, value) => {
      if (key !== "embedding" || typeof value !== "string" || !value.startsWith(prefix)) return value;
      const at = Number(value.slice(prefix.length)) * SPAN_INTS;
      return new DecodedVector(values.buffer as ArrayBuffer, values.byteOffset + spans[at + 2] * 8, spans[at + 3]);
    });
  } catch {
    throw ApiError.malformedJson();
  }
}

/**
 * Route middleware (before the validator): decodes a large JSON body with the core and hands the result to the
 * validator, which reads the body through c.req.json().
 */
export const embeddingBody = createMiddleware<AppEnv>(async (c, next) => {
  const body = c.var.body; // read by jsonGuard (body.ts)
  if (!body || body.byteLength < MIN_BYTES) return next();
  const core = await c.var.core();
  const value = parseWithDecoded(body, core.decodeEmbeddingArrays(body, { maxDims: EMBEDDING_MAX_DIMS, maxAbs: EMBEDDING_MAX_ABS }));
  // The validator reads the body through c.req.json(); answer it with the value parsed here.
  c.req.json = <T>() => Promise.resolve(value as T);
  await next();
});
