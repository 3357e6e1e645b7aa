// Daily quotas per API key. Every isolate counts the requests it admits and adds them to D1 (key_usage) a moment
// later, in the background (one small write per key per FLUSH_DELAY_MS, not one per request); the request's own
// D1 read brings the count stored so far. So a key can overshoot its quota by what other isolates admitted but
// have not written yet (a fraction of a second of its traffic), never by more.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { keyUsage } from "../db/schema.ts";

const DAY_MS = 86_400_000;
const FLUSH_DELAY_MS = 200;
const MAX_ENTRIES = 10_000;

/** Days since 1970-01-01 (UTC). */
export const dayOf = (now = Date.now()) => Math.floor(now / DAY_MS);
export const secondsToMidnight = (now = Date.now()) => Math.max(1, Math.ceil(((dayOf(now) + 1) * DAY_MS - now) / 1000));

interface Usage {
  keyId: string;
  day: number;
  /** The count in D1 as last seen (read, or after our own write landed). */
  stored: number;
  /** Admitted here, not yet written. */
  pending: number;
  flushing: boolean;
}

const usage = new Map<string, Usage>();

function entry(keyId: string, day: number): Usage {
  const id = `${keyId}\u0000${day}`;
  let e = usage.get(id);
  if (!e) {
    if (usage.size >= MAX_ENTRIES) {
      // Forget entries with nothing left to write, oldest first, down to half.
      for (const [k, v] of usage) {
        if (usage.size < MAX_ENTRIES / 2) break;
        if (v.pending === 0 && !v.flushing) usage.delete(k);
      }
    }
    usage.set(id, (e = { keyId, day, stored: 0, pending: 0, flushing: false }));
  }
  return e;
}

/**
 * Admits one request of the key against its quota; false when the quota is used up. `stored`: the count the
 * request's D1 read saw (undefined when the request did not read: the last one seen here is used).
 */
export function admitQuota(keyId: string, day: number, quota: number, stored?: number): boolean {
  const e = entry(keyId, day);
  if (stored !== undefined && stored > e.stored) e.stored = stored;
  if (e.stored + e.pending >= quota) return false;
  e.pending++;
  return true;
}

/** Writes the key's pending count (after a short delay that gathers the requests arriving meanwhile). */
export async function flushUsage(db: Db, keyId: string, day: number): Promise<void> {
  const e = entry(keyId, day);
  if (e.flushing) return;
  e.flushing = true;
  try {
    await new Promise((r) => setTimeout(r, FLUSH_DELAY_MS));
    while (e.pending > 0) {
      const n = e.pending;
      e.pending = 0;
      try {
        await db
          .insert(keyUsage)
          .values({ keyId, day, count: n })
          .onConflictDoUpdate({ target: [keyUsage.keyId, keyUsage.day], set: { count: sql`${keyUsage.count} + excluded.count` } })
          .run();
        e.stored += n;
      } catch (err) {
        e.pending += n; // the next flush tries again
        throw err;
      }
    }
  } finally {
    e.flushing = false;
  }
}
