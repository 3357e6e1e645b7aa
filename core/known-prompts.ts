// The prompts a basis's personal deviations were learned on. A user's deviation from the population carries to
// answers of those prompts; on any other prompt it is trusted only to the basis's `new_prompt_weight`
// (docs/model.md). Prompts are kept as the first 8 bytes of SHA-256 of the prompt string as the training data gave
// it (a text, or the keyed prompt hash of an exported log), sorted and base64-encoded in the artifact.

/** At most this many prompts travel with a basis (the most compared first): 128 KiB of hashes. */
export const MAX_KNOWN_PROMPTS = 16_384;

const encoder = new TextEncoder();

/** The 8-byte key of a prompt string, as 16 hex digits. */
export async function promptKey(prompt: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(prompt)));
  let s = "";
  for (let i = 0; i < 8; i++) s += digest[i].toString(16).padStart(2, "0");
  return s;
}

/** Sorted, de-duplicated keys -> the artifact's base64 string. */
export function encodeKnownPrompts(keys: Iterable<string>): string {
  const sorted = [...new Set(keys)].sort();
  const bytes = new Uint8Array(sorted.length * 8);
  sorted.forEach((k, i) => {
    for (let b = 0; b < 8; b++) bytes[i * 8 + b] = parseInt(k.slice(2 * b, 2 * b + 2), 16);
  });
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** The artifact's base64 string -> the set of keys; throws on a length that is not a whole number of keys. */
export function decodeKnownPrompts(encoded: string): Set<string> {
  const bin = atob(encoded);
  if (bin.length % 8 !== 0) throw new Error(`known prompts: ${bin.length} bytes is not a whole number of 8-byte keys`);
  const keys = new Set<string>();
  for (let i = 0; i < bin.length; i += 8) {
    let s = "";
    for (let b = 0; b < 8; b++) s += bin.charCodeAt(i + b).toString(16).padStart(2, "0");
    keys.add(s);
  }
  return keys;
}
