// Base64 <-> bytes / float64 vectors (native Buffer under nodejs_compat, atob/btoa otherwise).
type BufferLike = { from(data: Uint8Array | string, encoding?: string): Uint8Array & { toString(encoding: string): string } };
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer; // present with nodejs_compat

export function float64ToBase64(v: Float64Array): string {
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (NodeBuffer) return NodeBuffer.from(bytes).toString("base64");
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s);
}

/** Base64 -> bytes (native Buffer when available). Does not validate: check the alphabet first if it matters. */
export function base64Bytes(text: string): Uint8Array {
  if (NodeBuffer) return NodeBuffer.from(text, "base64");
  const s = atob(text);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

export function base64ToFloat64(text: string): Float64Array {
  const bytes = base64Bytes(text);
  if (bytes.byteLength % 8 !== 0) throw new TypeError(`float64 column of ${bytes.byteLength} bytes`);
  // Copy into a fresh, aligned buffer.
  const out = new Float64Array(bytes.byteLength / 8);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

