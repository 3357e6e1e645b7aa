// Column types shared by the schema. Numeric state (posteriors, embeddings, basis matrices) is stored as the
// base64 text of its little-endian float64 bytes: an exact round trip, and cheap on D1's wire format, which
// carries parameters and results as JSON (a BLOB travels as an array of byte numbers, ~3.6 characters a byte and
// validated element by element locally; base64 text is 1.33 characters a byte in one JSON string). Two columns use
// a compact form marked by a prefix with a ':', which base64 text never contains (a letter alone would not do: base64
// starts with any letter): packed Cholesky factors ("L:"), float32 embeddings ("F:").
import { customType } from "drizzle-orm/sqlite-core";
import { base64Float32ToFloat64, base64ToFloat64, floatsToBase64 } from "../encoding.ts";

/** A Float64Array stored as base64 text of its little-endian bytes. */
export const f64 = customType<{ data: Float64Array; driverData: string }>({
  dataType: () => "text",
  toDriver: floatsToBase64,
  fromDriver: (value) => base64ToFloat64(String(value)),
});

/** Marks the packed form (':' is not a base64 character, so no untagged text starts with it). */
const PACKED = "L:";

/** The J(J+1)/2 entries on and below the diagonal of a row-major J x J matrix; throws if any entry above is not 0. */
export function packLowerTriangle(m: Float64Array): Float64Array {
  const J = Math.round(Math.sqrt(m.length));
  if (J * J !== m.length) throw new RangeError(`a square matrix has a square number of entries, not ${m.length}`);
  const packed = new Float64Array((J * (J + 1)) / 2);
  let k = 0;
  for (let i = 0; i < J; i++) {
    for (let j = 0; j <= i; j++) packed[k++] = m[i * J + j];
    for (let j = i + 1; j < J; j++)
      if (m[i * J + j] !== 0) throw new RangeError(`entry (${i}, ${j}) above the diagonal is ${m[i * J + j]}, not 0`);
  }
  return packed;
}

/** The row-major J x J matrix (zeros above the diagonal) of packLowerTriangle's output. */
export function unpackLowerTriangle(packed: Float64Array): Float64Array {
  const J = (Math.sqrt(8 * packed.length + 1) - 1) / 2;
  if (!Number.isInteger(J)) throw new TypeError(`${packed.length} entries are not a packed lower triangle`);
  const m = new Float64Array(J * J);
  let k = 0;
  for (let i = 0; i < J; i++) for (let j = 0; j <= i; j++) m[i * J + j] = packed[k++];
  return m;
}

/**
 * A lower-triangular matrix (a Cholesky factor), stored as "L:" + base64 of its packed lower triangle: about half
 * the bytes of the dense form, on every read and write of a user's posterior. D1 traffic is not free: each KB a
 * query sends or returns costs measurable Worker-side CPU. Text without the prefix is the dense form that earlier
 * versions wrote, and still reads.
 */
export const encodeLowerTriangular = (m: Float64Array): string => PACKED + floatsToBase64(packLowerTriangle(m));
export const decodeLowerTriangular = (text: string): Float64Array =>
  text.startsWith(PACKED) ? unpackLowerTriangle(base64ToFloat64(text.slice(PACKED.length))) : base64ToFloat64(text);

export const lowerTriangular = customType<{ data: Float64Array; driverData: string }>({
  dataType: () => "text",
  toDriver: encodeLowerTriangular,
  fromDriver: (value) => decodeLowerTriangular(String(value)),
});

/** Marks the float32 form of an embedding (see PACKED for why the ':'). */
const FLOAT32 = "F:";

/** True when every value is a float32 exactly (as from base64 float32 input, or an embedder that computes in float32). */
function allFloat32(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (Math.fround(v[i]) !== v[i]) return false;
  return true;
}

/**
 * An embedding in the feedback log: "F:" + base64 of float32s when that is exact (half the bytes: the log is most
 * of what D1 stores, and every comparison's write carries both embeddings), else base64 of float64s. Either way the
 * values read back are the very doubles written, so refits from the log are unchanged.
 */
export const encodeEmbedding = (v: Float64Array): string => (allFloat32(v) ? FLOAT32 + floatsToBase64(Float32Array.from(v)) : floatsToBase64(v));
export const decodeEmbedding = (text: string): Float64Array =>
  text.startsWith(FLOAT32) ? base64Float32ToFloat64(text.slice(FLOAT32.length)) : base64ToFloat64(text);

export const embedding = customType<{ data: Float64Array; driverData: string }>({
  dataType: () => "text",
  toDriver: encodeEmbedding,
  fromDriver: (value) => decodeEmbedding(String(value)),
});
