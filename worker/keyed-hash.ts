// Keyed hashes (HMAC-SHA-256) for what must be matched but must not be recoverable by guessing: prompt hashes,
// request fingerprints, user ids in logs. The deployment's secret HASH_SECRET is stretched into one key per tenant
// and purpose, so hashes never link across tenants or purposes.
//
// keyedHash(x) = HMAC(key(tenant, purpose), SHA-256(x)): the inner SHA-256 is what rows written before keyed
// hashing stored, so those rows can be re-keyed without the original text (docs/prompt-hashes.md).

import { hex, sha256Hex } from "./crypto.ts";

const encoder = new TextEncoder();

const fromHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));

const keys = new Map<string, Promise<CryptoKey>>();
const MAX_KEYS = 1024;

async function deriveKey(secret: string, tenant: string, purpose: string): Promise<CryptoKey> {
  const root = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const raw = await crypto.subtle.sign("HMAC", root, encoder.encode(`pref-edge/${purpose}/v1\u0000${tenant}`));
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/** The HMAC key of a tenant and purpose (derived once per isolate; bounded). */
function keyFor(secret: string, tenant: string, purpose: string): Promise<CryptoKey> {
  const id = `${purpose}\u0000${tenant}\u0000${secret}`;
  let key = keys.get(id);
  if (!key) {
    if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value as string);
    key = deriveKey(secret, tenant, purpose);
    keys.set(id, key);
  }
  return key;
}

/** HMAC of an already computed SHA-256 (hex): how a stored plain hash becomes the keyed one. */
export async function keyedFromSha256(secret: string, tenant: string, purpose: string, sha256Hex: string): Promise<string> {
  return hex(await crypto.subtle.sign("HMAC", await keyFor(secret, tenant, purpose), fromHex(sha256Hex)));
}

/** keyedHash(x) = HMAC(key(tenant, purpose), SHA-256(x)), hex. */
export async function keyedHash(secret: string, tenant: string, purpose: string, data: string): Promise<string> {
  return keyedFromSha256(secret, tenant, purpose, await sha256Hex(data));
}
