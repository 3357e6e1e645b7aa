// The keyed hashes a tenant's rows store (keyed-hash.ts), and their plain SHA-256 for matching rows written
// before keyed hashing that have not been re-keyed yet (hash_scheme 0; docs/prompt-hashes.md).
import type { Bindings } from "../env.ts";
import { ApiError } from "../errors.ts";
import { sha256Hex } from "../crypto.ts";
import { keyedFromSha256 } from "../keyed-hash.ts";

export interface TextHashes {
  /** What new rows store (hash_scheme 1). */
  keyed: string;
  /** What rows from before keyed hashing store (hash_scheme 0). */
  sha256: string;
}

export type HashPurpose = "prompt" | "request";

/** The HASH_SECRET secret; without it nothing that stores or matches hashes can run. */
export function hashSecret(env: Bindings): string {
  const secret = env.HASH_SECRET;
  if (!secret) throw new ApiError(503, "unavailable", "the service cannot store or match feedback right now (contact the service operator)").withDetail("the HASH_SECRET secret is not set (wrangler secret put HASH_SECRET)");
  return secret;
}

/** A text's hashes for one request, each computed at most once and only when first asked for. */
export interface LazyTextHashes {
  sha256(): Promise<string>;
  /** Both forms; a 503 without HASH_SECRET, like textHashes. */
  both(): Promise<TextHashes>;
}

export function lazyTextHashes(env: Bindings, tenantId: string, purpose: HashPurpose, text: string): LazyTextHashes {
  let sha256: Promise<string> | undefined;
  let both: Promise<TextHashes> | undefined;
  const self: LazyTextHashes = {
    sha256: () => (sha256 ??= sha256Hex(text)),
    both: () =>
      (both ??= (async () => {
        const secret = hashSecret(env);
        const sha = await self.sha256();
        return { sha256: sha, keyed: await keyedFromSha256(secret, tenantId, purpose, sha) };
      })()),
  };
  return self;
}

export const textHashes = (env: Bindings, tenantId: string, purpose: HashPurpose, text: string): Promise<TextHashes> =>
  lazyTextHashes(env, tenantId, purpose, text).both();

/** The keyed form of a stored hash, whatever its scheme (exports show only the keyed form). */
export async function keyedForm(env: Bindings, tenantId: string, purpose: HashPurpose, stored: string, scheme: number): Promise<string> {
  if (scheme !== 0 || stored === "") return stored;
  return keyedFromSha256(hashSecret(env), tenantId, purpose, stored);
}

/** Whether a stored hash (of its scheme) is the hash of this text. */
export const matches = (stored: string, scheme: number, h: TextHashes) => stored === (scheme === 0 ? h.sha256 : h.keyed);
