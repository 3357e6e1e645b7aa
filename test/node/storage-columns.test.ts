// Compact stored forms: lower-triangular matrices packed (users.precision_chol), embeddings as float32 when that is
// exact (the feedback log). Exact round trips, the older forms still read, and refusals.
import { describe, expect, it } from "vitest";
import {
  decodeEmbedding, decodeLowerTriangular, encodeEmbedding, encodeLowerTriangular, packLowerTriangle, unpackLowerTriangle,
} from "../../worker/db/columns.ts";
import { floatsToBase64 } from "../../worker/encoding.ts";
import { Mulberry32 } from "../../core/prng.ts";

function randomLower(J: number, rng: Mulberry32): Float64Array {
  const m = new Float64Array(J * J);
  for (let i = 0; i < J; i++) for (let j = 0; j <= i; j++) m[i * J + j] = (rng.nextU32() / 4294967296 - 0.5) * 10 ** ((rng.nextU32() % 9) - 4);
  return m;
}

describe("packLowerTriangle / unpackLowerTriangle", () => {
  it("round-trips every lower-triangular matrix bit for bit, in J(J+1)/2 entries", () => {
    const rng = new Mulberry32(3);
    for (let J = 1; J <= 24; J++) {
      const m = randomLower(J, rng);
      m[0] = -0; // signed zeros survive too
      const packed = packLowerTriangle(m);
      expect(packed).toHaveLength((J * (J + 1)) / 2);
      const back = unpackLowerTriangle(packed);
      expect(back).toHaveLength(J * J);
      expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array(m.buffer));
    }
  });

  it("refuses to drop a non-zero entry above the diagonal", () => {
    const m = randomLower(4, new Mulberry32(5));
    m[1 * 4 + 3] = 1e-300;
    expect(() => packLowerTriangle(m)).toThrow(/entry \(1, 3\) above the diagonal/);
    m[1 * 4 + 3] = Number.NaN;
    expect(() => packLowerTriangle(m)).toThrow(/above the diagonal/);
  });

  it("refuses lengths that are not a square or not a packed triangle", () => {
    expect(() => packLowerTriangle(new Float64Array(8))).toThrow(/square number/);
    expect(() => unpackLowerTriangle(new Float64Array(4))).toThrow(/not a packed lower triangle/);
    expect(unpackLowerTriangle(new Float64Array(0))).toHaveLength(0);
  });
});

describe("encodeEmbedding / decodeEmbedding", () => {
  const bytesOf = (text: string) => Buffer.from(text, "base64").length;
  const bits = (v: Float64Array) => Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));

  it("stores float32-exact vectors in 4 bytes a value and reads back the same doubles", () => {
    const rng = new Mulberry32(8);
    const f32 = Float32Array.from({ length: 512 }, () => (rng.nextU32() / 4294967296 - 0.5) * 2);
    f32[0] = -0;
    f32[1] = 1.401298464324817e-45; // the smallest float32 subnormal
    f32[2] = 3.4028234663852886e38; // the largest float32
    const v = Float64Array.from(f32);
    const text = encodeEmbedding(v);
    expect(text.startsWith("F:")).toBe(true);
    expect(bytesOf(text.slice(2))).toBe(512 * 4);
    expect(bits(decodeEmbedding(text))).toEqual(bits(v));
  });

  it("keeps float64 for any vector with a value float32 cannot hold exactly", () => {
    const v = Float64Array.from(Float32Array.from({ length: 64 }, (_, i) => i / 64));
    v[63] = 0.1; // not a float32
    const text = encodeEmbedding(v);
    expect(text.startsWith("F:")).toBe(false);
    expect(bytesOf(text)).toBe(64 * 8);
    expect(bits(decodeEmbedding(text))).toEqual(bits(v));
  });

  it("reads the float64 form earlier versions wrote for every vector", () => {
    const v = Float64Array.from(Float32Array.of(0.5, -0.25, 1e-3));
    expect(bits(decodeEmbedding(floatsToBase64(v)))).toEqual(bits(v));
  });
});

describe("stored forms are told apart by their prefix, never by chance", () => {
  /** A double whose little-endian bytes start with `first`, so its base64 starts with a chosen letter. */
  const withFirstByte = (x: number, first: number) => {
    const v = Float64Array.of(x);
    new Uint8Array(v.buffer)[0] = first;
    return v[0];
  };
  const bits = (v: Float64Array) => Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));

  it("a dense factor from earlier versions whose base64 starts with 'L' still reads as dense", () => {
    const dense = Float64Array.of(withFirstByte(1.5, 0x2c), 0, 0.25, 2); // 0x2c -> "L..."
    const legacy = floatsToBase64(dense);
    expect(legacy.startsWith("L")).toBe(true);
    expect(bits(decodeLowerTriangular(legacy))).toEqual(bits(dense));
    expect(bits(decodeLowerTriangular(encodeLowerTriangular(dense)))).toEqual(bits(dense));
  });

  it("a float64 embedding whose base64 starts with 'F' reads back as float64", () => {
    const v = Float64Array.of(withFirstByte(0.1, 0x14), 0.2, -0.3); // 0x14 -> "F...", and 0.1 is not a float32
    const text = encodeEmbedding(v);
    expect(text.startsWith("F")).toBe(true);
    expect(text.startsWith("F:")).toBe(false);
    expect(bits(decodeEmbedding(text))).toEqual(bits(v));
  });
});
