// What an embedder is given of a text: at most the configured text limit (MAX_TEXT_BYTES, UTF-8). Request texts
// are validated against it already; upstream answers (chat) are not, and one of 200 KB must not cost more to
// embed than a request text may. A longer text is embedded as its beginning and its end, half the limit each:
// exactly what the offline model's windows read (the first 128 tokens, the last 64), and what any embedder with
// an input limit would have to cut anyway. The caller still gets the whole text.

const JOIN = "\n…\n";

function utf8Bytes(code: number): number {
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code >= 0xd800 && code < 0xe000 ? 2 : 3; // a surrogate half: 4 per pair
}

/** The longest prefix of at most `bytes` UTF-8 bytes (never half a surrogate pair). */
function headOf(text: string, bytes: number): string {
  let used = 0;
  let i = 0;
  for (; i < text.length; i++) {
    used += utf8Bytes(text.charCodeAt(i));
    if (used > bytes) break;
  }
  const c = text.charCodeAt(i - 1);
  if (i > 0 && i < text.length && c >= 0xd800 && c < 0xdc00) i--;
  return text.slice(0, i);
}

/** The longest suffix of at most `bytes` UTF-8 bytes (never half a surrogate pair). */
function tailOf(text: string, bytes: number): string {
  let used = 0;
  let i = text.length;
  for (; i > 0; i--) {
    used += utf8Bytes(text.charCodeAt(i - 1));
    if (used > bytes) break;
  }
  const c = text.charCodeAt(i);
  if (i < text.length && i > 0 && c >= 0xdc00 && c < 0xe000) i++;
  return text.slice(i);
}

/** The text itself when within maxBytes, else its first and last maxBytes/2 bytes (see above). */
export function boundedForEmbedding(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text; // cannot be over the limit
  const half = Math.floor((maxBytes - JOIN.length * 3) / 2);
  const head = headOf(text, half);
  if (head.length === text.length) return text;
  const tail = tailOf(text, half);
  if (head.length + tail.length >= text.length) return text; // within the limit after all
  return `${head}${JOIN}${tail}`;
}
