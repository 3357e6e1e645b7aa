// Which JSON field holds the first invalid UTF-8 byte of a body: so that a body with invalid UTF-8 is refused
// with 400 naming the field, instead of being decoded with U+FFFD put in (which would merge different ids).

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) (need = 1), (min = 0x80);
    else if (b >= 0xe0 && b <= 0xef) (need = 2), (min = 0x800);
    else if (b >= 0xf0 && b <= 0xf4) (need = 3), (min = 0x10000);
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

interface Frame {
  kind: "object" | "array";
  key: string | null;
  index: number;
  expectingKey: boolean;
}

/** The dotted path ("candidates.1.text") of the JSON value being read at the end of `prefix`, or "body". */
export function fieldAtEnd(prefix: string): string {
  const stack: Frame[] = [];
  let inString = false;
  let current = "";
  for (let i = 0; i < prefix.length; i++) {
    const ch = prefix[i];
    if (inString) {
      if (ch === "\\") {
        current += prefix[i + 1] ?? "";
        i++;
      } else if (ch === '"') {
        inString = false;
        const top = stack[stack.length - 1];
        if (top?.kind === "object" && top.expectingKey) top.key = current;
      } else current += ch;
      continue;
    }
    const top = stack[stack.length - 1];
    if (ch === '"') {
      inString = true;
      current = "";
    } else if (ch === "{") stack.push({ kind: "object", key: null, index: 0, expectingKey: true });
    else if (ch === "[") stack.push({ kind: "array", key: null, index: 0, expectingKey: false });
    else if (ch === "}" || ch === "]") stack.pop();
    else if (ch === ":" && top) top.expectingKey = false;
    else if (ch === "," && top) {
      if (top.kind === "array") top.index++;
      else top.expectingKey = true;
    }
  }
  const path: string[] = [];
  for (const f of stack) {
    if (f.kind === "array") path.push(String(f.index));
    else if (f.expectingKey) break; // inside a key: the object itself is the field
    else if (f.key !== null) path.push(f.key);
  }
  return path.length > 0 ? path.join(".") : "body";
}

/** The field of a body's first invalid UTF-8 byte (the body must contain one). */
export function invalidUtf8Field(bytes: Uint8Array): string {
  const at = firstInvalidUtf8(bytes);
  return fieldAtEnd(new TextDecoder().decode(bytes.subarray(0, Math.max(0, at))));
}
