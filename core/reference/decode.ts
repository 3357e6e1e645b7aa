// Reference of assembly/decode.ts: the same scan, acceptance rules and resumption points, written for reading.
// Values come from Number(token), i.e. the JS engine's own correctly rounded parse, so the WASM's fast-path
// arithmetic is checked against the engine and not against a copy of itself.
import { type DecodedEmbeddings, type DecodeLimits, SPAN_INTS } from "../types.ts";

const KEY = '"embedding"';
const NUMBER = /-?(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?/y;
const SPACE = /[ \t\n\r]*/y;
const MAX_EXACT_MANTISSA = 2n ** 53n;

/** Bytes as a string of the same length (one char per byte), so string offsets are byte offsets. */
function byteString(body: Uint8Array): string {
  let s = "";
  for (let i = 0; i < body.length; i += 8192) s += String.fromCharCode(...body.subarray(i, i + 8192));
  return s;
}

function skipSpace(s: string, at: number): number {
  SPACE.lastIndex = at;
  SPACE.exec(s);
  return SPACE.lastIndex;
}

/** The token's value if Clinger's fast path computes it exactly (what the WASM accepts), else null. */
function exactValue(token: RegExpExecArray): number | null {
  const [text, integer, fraction = "", exponent = "0"] = token;
  const digits = (integer === "0" ? 0 : integer.length) + fraction.length;
  const mantissa = BigInt(integer + fraction);
  const power = Number(exponent) - fraction.length;
  if (digits > 19 || mantissa > MAX_EXACT_MANTISSA || power < -22 || power > 22) return null;
  return Number(text);
}

const INEXACT = "inexact";

/**
 * The array whose '[' is at `open`: [values, index just past ']'], INEXACT at a well-formed number outside the fast
 * path, or null if not accepted for another reason.
 */
function parseArray(s: string, open: number, cap: number, maxAbs: number): [number[], number] | typeof INEXACT | null {
  const values: number[] = [];
  let at = skipSpace(s, open + 1);
  for (;;) {
    NUMBER.lastIndex = at;
    const token = NUMBER.exec(s);
    if (!token) return null;
    const v = exactValue(token);
    if (v === null) return INEXACT;
    if (!(Math.abs(v) <= maxAbs) || values.length >= cap) return null;
    values.push(v);
    at = skipSpace(s, NUMBER.lastIndex);
    if (s[at] === ",") {
      at = skipSpace(s, at + 1);
      continue;
    }
    return s[at] === "]" ? [values, at + 1] : null;
  }
}

export function decodeEmbeddingArraysReference(body: Uint8Array, limits: DecodeLimits, room: { values: number; spans: number }): DecodedEmbeddings {
  const s = byteString(body);
  const values: number[] = [];
  const spans: number[] = [];
  let p = 0;
  while (p + 11 < s.length && spans.length < room.spans * SPAN_INTS) {
    if (!s.startsWith(KEY, p)) {
      p++;
      continue;
    }
    let q = skipSpace(s, p + KEY.length);
    if (s[q] !== ":") {
      p = q;
      continue;
    }
    q = skipSpace(s, q + 1);
    if (s[q] !== "[") {
      p = q;
      continue;
    }
    const parsed = parseArray(s, q, Math.min(limits.maxDims, room.values - values.length), limits.maxAbs);
    if (parsed === INEXACT) break; // as the WASM: the rest of such a body is left to JSON.parse
    if (parsed) {
      const [array, end] = parsed;
      spans.push(q, end, values.length, array.length);
      values.push(...array);
      p = end;
    } else {
      p = q + 1;
    }
  }
  return { values: Float64Array.from(values), spans: Int32Array.from(spans) };
}
