// Decoding of embedding arrays straight from a JSON request body (UTF-8 bytes in linear memory).
// A rank body is mostly numbers (16 candidates x 512 dims), and JSON.parse turning them into JS numbers was the
// largest part of the Worker's own CPU on a rank request. This scanner finds each `"embedding": [ ... ]` and decodes the array into f64s, but only
// when every value is one whose correctly rounded double it can compute exactly (Clinger's fast path: at most 2^53 as
// an integer mantissa, a power of ten of at most 22). Any array it does not accept completely (other number
// spellings, bad grammar, too long, out of range) is left alone for JSON.parse, so the result always equals
// JSON.parse's, bit for bit, and every error keeps its usual path.
//
// Why a match on the raw bytes cannot be inside a string: the pattern needs an unescaped `"` right after
// `embedding`, and inside a JSON string every `"` is escaped. A match whose first quote closes an earlier string
// would be malformed JSON, which stays malformed after the array is replaced (the caller's JSON.parse rejects it).

// @ts-ignore: decorator
@inline const SPAN_INTS: i32 = 4; // [start of '[', end after ']', offset of the first value, count]

const POW10: StaticArray<f64> = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];
const MAX_EXACT_MANTISSA: u64 = 9007199254740992; // 2^53
const MAX_DIGITS: i32 = 19; // fits a u64 without overflow

// @ts-ignore: decorator
@inline function isSpace(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

// @ts-ignore: decorator
@inline function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

/** 'embeddin' as a little-endian u64: with the quotes and the final 'g', the 11 bytes `"embedding"`. */
const EMBEDDIN: u64 = 0x6e69646465626d65;

// @ts-ignore: decorator
@inline function isEmbeddingKey(p: usize): bool {
  return load<u8>(p) == 0x22 && load<u64>(p + 1) == EMBEDDIN && load<u8>(p + 9) == 0x67 && load<u8>(p + 10) == 0x22;
}

const INEXACT: i32 = -2;

/** Where parseArray stopped: just past the closing ']' on success. */
let cursor: usize = 0;
/** The digits readDigits consumed, appended to this integer (wraps past 19 digits; such numbers are rejected). */
let mantissa: u64 = 0;

const ASCII_ZEROS: u64 = 0x3030303030303030;
const HIGH_BITS: u64 = 0x8080808080808080;
const POW10_INT: StaticArray<u64> = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000];

/** The value of 8 digits d0..d7 (d0 in the lowest byte, each 0-9), i.e. d0 d1 ... d7 in decimal (SWAR). */
// @ts-ignore: decorator
@inline function eightDigits(v: u64): u64 {
  v = v * 10 + (v >> 8); // pairs
  v = ((v & 0x000000ff000000ff) * (100 + (1000000 << 32)) + ((v >> 16) & 0x000000ff000000ff) * (1 + (10000 << 32))) >> 32;
  return v;
}

/** High bit set in each byte of `chunk` that is not '0'..'9'. */
// @ts-ignore: decorator
@inline function nonDigitBytes(chunk: u64): u64 {
  return ((chunk + 0x4646464646464646) | (chunk - ASCII_ZEROS)) & HIGH_BITS;
}

/** The decimal value of the k (1 to 8) digit bytes at the bottom of chunk. */
// @ts-ignore: decorator
@inline function leadingDigitsValue(chunk: u64, k: i32): u64 {
  // Move the k digits to the high bytes (zero digits below them), then combine all 8 at once.
  return eightDigits((chunk - ASCII_ZEROS) << (<u64>(8 - k) << 3));
}

/**
 * Appends the run of decimal digits at p to `mantissa`, eight bytes at a time; returns how many there were.
 * Reads up to 7 bytes past the run (the facade leaves 16 readable bytes after the sentinel).
 */
function readDigits(p: usize): i32 {
  let count = 0;
  while (true) {
    const chunk = load<u64>(p);
    const notDigit = nonDigitBytes(chunk);
    const k = notDigit == 0 ? 8 : <i32>(ctz(notDigit) >> 3);
    if (k > 0) mantissa = mantissa * unchecked(POW10_INT[k]) + leadingDigitsValue(chunk, k);
    count += k;
    if (k < 8) return count;
    p += 8;
  }
  return count;
}

/**
 * Parses the numbers of an array whose '[' is just before p, up to its ']', into out (at most cap values).
 * Returns the count, INEXACT at a well-formed number outside the fast path, or -1 if the array is not accepted for
 * another reason (grammar, limits). Relies on a 0 byte after the body (the sentinel) and 16 readable bytes after
 * it: every loop stops at a byte that is not a digit, space, ',' or ']' without separate bounds checks.
 */
function parseArray(p: usize, out: usize, cap: i32, maxAbs: f64): i32 {
  let n = 0;
  let c = <u32>load<u8>(p);
  while (isSpace(c)) c = load<u8>(++p);
  while (true) {
    // Fast path for the usual embedding value, -?0.d{1,7} followed by ',' or ']', read from two 8-byte loads with no
    // byte-by-byte dependency between the sign, the digits and the delimiter (the general path below loads and
    // tests one byte after another, and that chain, not arithmetic, bounds its speed). Anything else falls through.
    const lo = load<u64>(p);
    const hi = load<u64>(p + 8);
    const minus = <u64>((lo & 0xff) == 0x2d);
    if (((lo >> (minus << 3)) & 0xffff) == 0x2e30) {
      // The 8 bytes after "0." (or "-0."); the shift is 16 or 24 bits, so both halves are well defined.
      const shift = (minus + 2) << 3;
      const chunk = (lo >> shift) | (hi << (64 - shift));
      const notDigit = nonDigitBytes(chunk);
      const k = <i32>(ctz(notDigit) >> 3); // 8 when all 8 bytes are digits (notDigit == 0)
      const delimiter = <u32>((chunk >> (<u64>k << 3)) & 0xff); // k < 8 wherever it is used
      if (<u32>(k - 1) < 7 && (delimiter == 0x2c || delimiter == 0x5d)) {
        const v = <f64>leadingDigitsValue(chunk, k) / unchecked(POW10[k]);
        if (!(v <= maxAbs) || n >= cap) return -1;
        store<f64>(out + (<usize>n << 3), minus ? -v : v);
        n++;
        p += <usize>minus + <usize>k + 3; // past the delimiter
        if (delimiter == 0x5d) {
          cursor = p;
          return n;
        }
        c = load<u8>(p);
        while (isSpace(c)) c = load<u8>(++p);
        continue;
      }
    }
    // Branch-free sign: signs are random in embeddings, and a mispredicted branch per value cost a third of the time.
    const negative = c == 0x2d;
    p += <usize>negative;
    c = load<u8>(p);
    // Integer part: "0" or [1-9][0-9]*.
    mantissa = 0;
    let digits = 0;
    if (c == 0x30) {
      p++;
    } else if (c - 0x31 < 9) {
      digits = readDigits(p);
      p += digits;
    } else return -1;
    c = load<u8>(p);
    let exponent: i32 = 0;
    // Fraction: '.' [0-9]+ (leading zeros of "0.000123" count as digits: conservative, never wrong).
    if (c == 0x2e) {
      const fractionDigits = readDigits(++p);
      if (fractionDigits == 0) return -1;
      p += fractionDigits;
      digits += fractionDigits;
      exponent = -fractionDigits;
      c = load<u8>(p);
    }
    // Exponent: [eE] [+-]? [0-9]+.
    if ((c | 0x20) == 0x65) {
      c = load<u8>(++p);
      let negativeExponent = false;
      if (c == 0x2b || c == 0x2d) {
        negativeExponent = c == 0x2d;
        c = load<u8>(++p);
      }
      if (!isDigit(c)) return -1;
      let e: i32 = 0;
      do {
        if (e < 100000) e = e * 10 + <i32>(c - 0x30);
        c = load<u8>(++p);
      } while (isDigit(c));
      exponent += negativeExponent ? -e : e;
    }
    // Clinger's fast path: an exact mantissa times or divided by an exact power of ten rounds correctly.
    if (digits > MAX_DIGITS || mantissa > MAX_EXACT_MANTISSA || exponent < -22 || exponent > 22) return INEXACT;
    let v = <f64>mantissa;
    v = exponent < 0 ? v / unchecked(POW10[-exponent]) : v * unchecked(POW10[exponent]);
    if (!(v <= maxAbs) || n >= cap) return -1;
    store<f64>(out + (<usize>n << 3), negative ? -v : v);
    n++;
    while (isSpace(c)) c = load<u8>(++p);
    if (c == 0x2c) {
      c = load<u8>(++p);
      while (isSpace(c)) c = load<u8>(++p);
      continue;
    }
    if (c != 0x5d) return -1;
    cursor = p + 1;
    return n;
  }
  return -1;
}

/** The first '"' in [p, end), or end: 16 bytes per step (base64 strings and prompt text are skipped quickly). */
function nextQuote(p: usize, end: usize): usize {
  const quotes = i8x16.splat(0x22);
  while (p + 16 <= end) {
    const hits = i8x16.bitmask(i8x16.eq(v128.load(p), quotes));
    if (hits != 0) return p + <usize>ctz(hits);
    p += 16;
  }
  while (p < end && load<u8>(p) != 0x22) p++;
  return p;
}

/**
 * Scans body bytes [src, src + len) (followed by a 0 byte and 16 more readable bytes) for `"embedding"` ws* ':' ws*
 * '[' and decodes each accepted array: values go to out (at most outCap f64s, at most maxDims per array, each
 * |v| <= maxAbs) and one span of SPAN_INTS i32s per array to spans (at most spanCap). Returns the number of spans.
 * It stops at the first value outside the fast path: clients format all their numbers alike, so the rest of such a
 * body would only be scanned in vain before JSON.parse reads it anyway.
 */
export function decodeEmbeddingArrays(
  src: usize, len: i32, out: usize, outCap: i32, spans: usize, spanCap: i32, maxDims: i32, maxAbs: f64,
): i32 {
  const end = src + <usize>len;
  let p = src;
  let count = 0;
  let used = 0;
  while (count < spanCap) {
    p = nextQuote(p, end);
    if (p + 11 >= end) break;
    if (!isEmbeddingKey(p)) {
      p++;
      continue;
    }
    let q = p + 11;
    while (isSpace(load<u8>(q))) q++;
    if (load<u8>(q) != 0x3a) {
      p = q;
      continue;
    }
    q++;
    while (isSpace(load<u8>(q))) q++;
    if (load<u8>(q) != 0x5b) {
      p = q;
      continue;
    }
    const n = parseArray(q + 1, out + (<usize>used << 3), min(maxDims, outCap - used), maxAbs);
    if (n == INEXACT) break;
    if (n > 0 && cursor <= end) {
      const span = spans + (<usize>(count * SPAN_INTS) << 2);
      store<i32>(span, <i32>(q - src));
      store<i32>(span, <i32>(cursor - src), 4);
      store<i32>(span, used, 8);
      store<i32>(span, n, 12);
      count++;
      used += n;
      p = cursor;
    } else {
      p = q + 1;
    }
  }
  return count;
}
