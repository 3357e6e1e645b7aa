// Base64 <-> bytes / float vectors (Uint8Array.fromBase64 / toBase64 where native, Buffer under nodejs_compat,
// atob/btoa otherwise).
type BufferLike = { from(data: Uint8Array | string, encoding?: string): Uint8Array & { toString(encoding: string): string } };
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer; // present with nodejs_compat

// Uint8Array.prototype.toBase64 (TC39, native in workerd's V8) encodes in place; Buffer.from copies the bytes first.
const toBase64 = (Uint8Array.prototype as { toBase64?: (this: Uint8Array) => string }).toBase64;

/** Base64 of a typed array's little-endian bytes (a Float64Array's or a Float32Array's). */
export function floatsToBase64(v: Float64Array | Float32Array): string {
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (toBase64) return toBase64.call(bytes);
  if (NodeBuffer) return NodeBuffer.from(bytes).toString("base64");
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s);
}

// Uint8Array.fromBase64 (TC39, native in workerd's V8) decodes several times faster than nodejs_compat's Buffer.
const fromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;

/** Base64 -> bytes (natively when the runtime can), for text we wrote ourselves; requests use strictBase64Bytes. */
function base64Bytes(text: string): Uint8Array {
  if (fromBase64) return fromBase64(text);
  if (NodeBuffer) return NodeBuffer.from(text, "base64");
  const s = atob(text);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/**
 * Strict base64 (the standard alphabet, padded, no whitespace) -> bytes, or null. Native where the runtime has
 * Uint8Array.fromBase64 (it rejects a bad alphabet or padding; a whitespace-free input has the exact length).
 */
export function strictBase64Bytes(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  if (fromBase64) {
    try {
      const bytes = (fromBase64 as (s: string, o: object) => Uint8Array)(text, { lastChunkHandling: "strict" });
      return bytes.length === (text.length / 4) * 3 - padding ? bytes : null;
    } catch {
      return null;
    }
  }
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text) ? base64Bytes(text) : null;
}

export function base64ToFloat64(text: string): Float64Array {
  const bytes = base64Bytes(text);
  if (bytes.byteLength % 8 !== 0) throw new TypeError(`float64 column of ${bytes.byteLength} bytes`);
  // Copy into a fresh, aligned buffer.
  const out = new Float64Array(bytes.byteLength / 8);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Little-endian float32 bytes (a multiple of 4, any alignment) -> their exact float64 values. */
export function float32BytesToFloat64(bytes: Uint8Array): Float64Array {
  const f32 = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(f32.buffer).set(bytes);
  return Float64Array.from(f32);
}

/** Base64 of little-endian float32s (text we wrote ourselves) -> their exact float64 values. */
export function base64Float32ToFloat64(text: string): Float64Array {
  const bytes = base64Bytes(text);
  if (bytes.byteLength % 4 !== 0) throw new TypeError(`float32 column of ${bytes.byteLength} bytes`);
  return float32BytesToFloat64(bytes);
}

