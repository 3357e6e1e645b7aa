// decodeEmbeddingArrays: the WASM against the reference (same spans, bit-identical values), both against
// JSON.parse (every decoded value is the one JSON.parse gives), and what is left for JSON.parse.
import { beforeAll, describe, expect, it } from "vitest";
import { CoreError, type DecodedEmbeddings, SPAN_INTS, Status } from "../../core/types.ts";
import { type Cores, Rng, getCores } from "./core-fixtures.ts";

const LIMITS = { maxDims: 4096, maxAbs: 1e9 };
const encoder = new TextEncoder();

let c: Cores;
beforeAll(async () => {
  c = await getCores();
});

/** Both cores on one body: identical spans and bit-identical values; returns the WASM's result. */
function decodeBoth(body: string | Uint8Array, limits = LIMITS): DecodedEmbeddings {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const wasm = c.wasm.decodeEmbeddingArrays(bytes, limits);
  const ref = c.ref.decodeEmbeddingArrays(bytes, limits);
  expect(Array.from(wasm.spans)).toEqual(Array.from(ref.spans));
  expect(wasm.values.length).toBe(ref.values.length);
  for (let i = 0; i < ref.values.length; i++) if (!Object.is(wasm.values[i], ref.values[i])) expect.fail(`value ${i}: wasm ${wasm.values[i]} ref ${ref.values[i]}`);
  return wasm;
}

/** Each decoded span, as [the JSON text of the span, its decoded values]. */
function spansOf(body: Uint8Array, d: DecodedEmbeddings): [string, Float64Array][] {
  const out: [string, Float64Array][] = [];
  for (let k = 0; k * SPAN_INTS < d.spans.length; k++) {
    const [start, end, offset, count] = d.spans.subarray(k * SPAN_INTS, (k + 1) * SPAN_INTS);
    out.push([new TextDecoder().decode(body.subarray(start, end)), d.values.subarray(offset, offset + count)]);
  }
  return out;
}

/** Every decoded span is exactly what JSON.parse makes of its text, bit for bit. */
function expectJsonParseAgrees(body: Uint8Array, d: DecodedEmbeddings): void {
  for (const [text, values] of spansOf(body, d)) {
    const parsed = JSON.parse(text) as number[];
    expect(parsed.length).toBe(values.length);
    parsed.forEach((v, i) => {
      if (!Object.is(v, values[i])) expect.fail(`${text.slice(0, 40)}... value ${i}: JSON.parse ${v}, decoded ${values[i]}`);
    });
  }
}

/** A random JSON number in spelling `style` (0-7; some beyond the fast path), or in a random one (8). */
function randomNumberText(rng: Rng, style: number): string {
  const sign = rng.int(3) === 0 ? "-" : "";
  switch (style === 8 ? rng.int(8) : style) {
    case 0: // what JSON.stringify writes for doubles (shortest round trip, up to 17 digits)
      return JSON.stringify((rng.uniform() * 2 - 1) * 10 ** (rng.int(9) - 4));
    case 1: // fixed precision, 1-20 significant digits
      return sign + (rng.uniform() * 10 ** rng.int(6)).toPrecision(1 + rng.int(20)).replace(/e\+?/, "e");
    case 2: // integers, some huge
      return sign + String(rng.int(10) === 0 ? 2 ** 53 + rng.int(3) : rng.int(1_000_000));
    case 3: // exponents in and beyond the fast path
      return `${sign}${rng.int(1000)}.${rng.int(100)}${["e", "E"][rng.int(2)]}${["", "+", "-"][rng.int(3)]}${rng.int(30)}`;
    case 4: // zeros
      return ["0", "-0", "0.0", "-0.0e5", "0e-300", "0.000"][rng.int(6)];
    case 5: // leading fraction zeros
      return `${sign}0.${"0".repeat(rng.int(25))}${1 + rng.int(999)}`;
    case 6: // float32 values as doubles
      return String(Math.fround(rng.uniform() * 2 - 1));
    default: // short decimals, the bench's 6 digits
      return sign + Number(rng.uniform().toPrecision(6));
  }
}

const SPACES = ["", " ", "\n", "\t", "\r\n  "];

function randomBody(rng: Rng): string {
  const sp = () => SPACES[rng.int(SPACES.length)];
  const candidates: string[] = [];
  const n = 1 + rng.int(6);
  // Like a real client, most bodies spell all their numbers one way.
  const style = rng.int(9);
  for (let i = 0; i < n; i++) {
    const dims = 1 + rng.int(40);
    const nums = Array.from({ length: dims }, () => randomNumberText(rng, style));
    candidates.push(`{${sp()}"embedding"${sp()}:${sp()}[${sp()}${nums.join(`${sp()},${sp()}`)}${sp()}]${sp()}}`);
  }
  return `{"user":"u-${rng.int(100)}","prompt":"p \\"embedding\\":[1] é ✓",${sp()}"candidates":${sp()}[${candidates.join(",")}]}`;
}

describe("decodeEmbeddingArrays", () => {
  it("agrees between the WASM and the reference, and with JSON.parse, on 2,000 random bodies", () => {
    const rng = new Rng(20261128);
    let decoded = 0;
    let arrays = 0;
    for (let i = 0; i < 2000; i++) {
      const text = randomBody(rng);
      const body = encoder.encode(text);
      const d = decodeBoth(body);
      expectJsonParseAgrees(body, d);
      decoded += d.spans.length / SPAN_INTS;
      arrays += JSON.parse(text).candidates.length;
    }
    // Both outcomes occur: arrays in fast-path spellings are decoded, others are left for JSON.parse.
    expect(decoded).toBeGreaterThan(arrays * 0.1);
    expect(decoded).toBeLessThan(arrays);
  });

  it("agrees on 2,000 randomly corrupted bodies (bytes flipped, dropped, inserted)", () => {
    const rng = new Rng(99);
    const noise = encoder.encode('0123456789.,-+eE[]{}": \n\\x');
    for (let i = 0; i < 2000; i++) {
      const bytes = Array.from(encoder.encode(randomBody(rng)));
      for (let m = 1 + rng.int(8); m > 0; m--) {
        const at = rng.int(bytes.length);
        const byte = rng.int(4) === 0 ? rng.int(256) : noise[rng.int(noise.length)];
        [() => (bytes[at] = byte), () => bytes.splice(at, 1), () => bytes.splice(at, 0, byte)][rng.int(3)]();
      }
      const body = Uint8Array.from(bytes);
      expectJsonParseAgrees(body, decodeBoth(body));
    }
  });

  it("decodes a typical rank body completely", () => {
    const rng = new Rng(7);
    const vectors = Array.from({ length: 16 }, () => Array.from({ length: 512 }, () => Number((rng.uniform() * 2 - 1).toPrecision(6))));
    const text = JSON.stringify({ user: "u", prompt: "p", candidates: vectors.map((embedding) => ({ embedding })) });
    const body = encoder.encode(text);
    const d = decodeBoth(body);
    expect(d.spans.length).toBe(16 * SPAN_INTS);
    expect(Array.from(d.values)).toEqual(vectors.flat());
    // Spans point at the arrays: '[' ... ']'.
    for (const [span] of spansOf(body, d)) expect([span[0], span.at(-1)]).toEqual(["[", "]"]);
  });

  it("decodes numbers with up to 15 significant digits and exponents within +-22", () => {
    const body = '{"embedding":[0.123456789012345,-1.5e-7,2E+22,123456789012345e-22,9007199254740992,-0,0.0,1e0]}';
    const d = decodeBoth(body, { maxDims: 4096, maxAbs: 1e300 });
    expect(d.spans.length).toBe(SPAN_INTS);
    expectJsonParseAgrees(encoder.encode(body), d);
    expect(Object.is(d.values[5], -0)).toBe(true);
  });

  it("leaves for JSON.parse every array it cannot decode exactly or that breaks the grammar or the limits", () => {
    const left = [
      "[0.12345678901234567]", // 17 significant digits
      "[9007199254740993]", // above 2^53
      "[1e23]",
      "[1e-23]",
      "[0.00000000000000000000001]",
      "[01]",
      "[1.]",
      "[.5]",
      "[+1]",
      "[1e]",
      "[1e+]",
      "[-]",
      "[NaN]",
      "[Infinity]",
      "[]",
      "[1,]",
      "[1 2]",
      "[1,,2]",
      "[[1]]",
      '["1"]',
      "[1e9,1000000001]", // beyond maxAbs
      "[1", // truncated: the sentinel ends it
      "[",
    ];
    for (const array of left) {
      const d = decodeBoth(`{"embedding":${array}`);
      expect(d.spans.length, array).toBe(0);
    }
    expect(decodeBoth('{"embedding":[1,2,3]}', { maxDims: 2, maxAbs: 1e9 }).spans.length).toBe(0);
    expect(decodeBoth('{"embedding":[1,2]}', { maxDims: 2, maxAbs: 1e9 }).spans.length).toBe(SPAN_INTS);
  });

  it("finds only the key `embedding` followed by an array, never text inside a string", () => {
    const cases: [string, number][] = [
      ['{"embedding" :\n [1]}', 1],
      ['{"embedding":"AAAAAA=="}', 0],
      ['{"embed\\u0064ing":[1]}', 0],
      ['{"x":"\\"embedding\\":[1]"}', 0],
      ['{"embeddings":[1]}', 0],
      ['{"xembedding":[1]}', 0],
      ['{"a":{"embedding":[1]},"b":{"embedding":[2, 3]}}', 2],
      ['{"embedding":[{"embedding":[4]}]}', 1], // the outer array is not numbers; the inner one is found
    ];
    for (const [body, spans] of cases) expect(decodeBoth(body).spans.length, body).toBe(spans * SPAN_INTS);
  });

  it("reports byte offsets, right after multi-byte UTF-8 text", () => {
    const text = '{"prompt":"ünïcödé ✓ 𝄞","embedding":[1.5,2.5]}';
    const body = encoder.encode(text);
    const d = decodeBoth(body);
    const [[span, values]] = spansOf(body, d);
    expect(span).toBe("[1.5,2.5]");
    expect(Array.from(values)).toEqual([1.5, 2.5]);
  });

  it("handles empty, tiny and 1 MB bodies, and its memory stops growing", () => {
    expect(decodeBoth("").spans.length).toBe(0);
    expect(decodeBoth('"embedding":[1]').spans.length).toBe(SPAN_INTS);
    const big = encoder.encode(JSON.stringify({ candidates: Array.from({ length: 64 }, (_, i) => ({ embedding: Array.from({ length: 2048 }, (_, k) => (i * 7 + k) % 97 / 8) })) }));
    expect(big.length).toBeGreaterThan(500_000);
    expect(decodeBoth(big).spans.length).toBe(64 * SPAN_INTS);
    const pages = c.wasm.memory.buffer.byteLength;
    for (let i = 0; i < 5; i++) c.wasm.decodeEmbeddingArrays(big, LIMITS);
    expect(c.wasm.memory.buffer.byteLength).toBe(pages);
  });

  it("rejects bad arguments the same way in both cores", () => {
    for (const core of [c.wasm, c.ref]) {
      const err = (f: () => unknown) => {
        try {
          f();
        } catch (e) {
          return e instanceof CoreError ? [e.status, e.field] : e;
        }
        return null;
      };
      expect(err(() => core.decodeEmbeddingArrays("{}" as never, LIMITS))).toEqual([Status.BAD_DIMENSION, "body"]);
      expect(err(() => core.decodeEmbeddingArrays(new Uint8Array(2), { maxDims: 0, maxAbs: 1 }))).toEqual([Status.OUT_OF_RANGE, "limits.maxDims"]);
      expect(err(() => core.decodeEmbeddingArrays(new Uint8Array(2), { maxDims: 1, maxAbs: Number.NaN }))).toEqual([Status.OUT_OF_RANGE, "limits.maxAbs"]);
    }
  });
});
