// What this isolate last wrote for a user, per API key: lets POST /v1/feedback skip its read (one D1 round trip
// instead of two) when the same isolate saw the user's previous comparison.
//
// An entry is only a guess. The write built on it is guarded in SQL by everything the read would have checked
// (db/repos/users.ts, guardedUserWrite with `checkSession`): the key is live and still the tenant's, the tenant's
// embedder and effective basis are unchanged, and the user's row is still the one written here (its version and
// newest log seq). A stale entry therefore costs one aborted batch and the usual read; it can never produce a wrong
// write.
import type { Written } from "../db/repos/users.ts";
import type { PosteriorState, TenantInfo } from "../domain.ts";

/** The state as written (posterior, observations, count) and the row it was written as (version, log head). */
export interface WrittenUser extends PosteriorState, Written {
  /** The tenant as the key resolved to when this was written (upstream settings not included). */
  tenant: TenantInfo;
  /** The API key's id (its limits apply to the write built on this). */
  keyId: string;
}

const MAX_USERS = 4096;
const MAX_BYTES = 16 << 20;

const entries = new Map<string, WrittenUser>();
let bytes = 0;

const keyOf = (keyHash: string, userId: string) => `${keyHash}\u0000${userId}`;
const sizeOf = (u: WrittenUser) => u.mean.byteLength + u.precisionChol.byteLength + u.observations.byteLength;

function drop(key: string): void {
  const old = entries.get(key);
  if (!old) return;
  entries.delete(key);
  bytes -= sizeOf(old);
}

export const writtenUsers = {
  /** The last state this isolate wrote for the user through this key, if it still has it. */
  get(keyHash: string, userId: string): WrittenUser | undefined {
    const key = keyOf(keyHash, userId);
    const entry = entries.get(key);
    if (entry) {
      entries.delete(key); // most recently used last
      entries.set(key, entry);
    }
    return entry;
  },

  /** Records a state that a guarded write has just stored. An older version never replaces a newer one. */
  remember(keyHash: string, userId: string, state: WrittenUser): void {
    const key = keyOf(keyHash, userId);
    const old = entries.get(key);
    if (old && old.version >= state.version) return;
    drop(key);
    if (sizeOf(state) > MAX_BYTES / 8) return; // a user with a huge log is not worth the memory
    entries.set(key, state);
    bytes += sizeOf(state);
    for (const oldest of entries.keys()) {
      if (entries.size <= MAX_USERS && bytes <= MAX_BYTES) break;
      drop(oldest);
    }
  },

  /** Forgets a user under every key (after a delete in this isolate: the next write must not expect the old row). */
  forget(tenantId: string, userId: string): void {
    for (const [key, entry] of entries) if (entry.tenant.id === tenantId && key.slice(key.indexOf("\u0000") + 1) === userId) drop(key);
  },

  get size(): number {
    return entries.size;
  },

  /** Writes built on a remembered state: landed, or handed to the read path (the guard refused the state, or an
   * error may have come from the remembered tenant being out of date). */
  outcomes: { landed: 0, reread: 0 },
};
