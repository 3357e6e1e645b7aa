// Request volume per tenant, day and kind (rank, chat, questions asked and declined) for the metrics route. Counted
// in the isolate and written behind, one upsert per counter per FLUSH_DELAY_MS, so the rank path keeps its single
// D1 read. Counts an isolate had not yet written when it was evicted are lost: the volume is approximate (docs).
import type { Db } from "../db/client.ts";
import { metricsRepo } from "../db/repos/metrics.ts";
import { dayOf } from "../limits/quota.ts";

export type UsageKind = "rank" | "chat" | "questions_asked" | "questions_declined";

const FLUSH_DELAY_MS = 1000;
const MAX_PENDING = 10_000;

const pending = new Map<string, number>();
let flushing: Promise<void> | null = null;

/** Counts one request; the returned promise (for waitUntil) writes the isolate's counts a moment later. */
export function countUsage(db: Db, tenantId: string, kind: UsageKind, now = Date.now()): Promise<void> {
  const id = `${tenantId}\u0000${dayOf(now)}\u0000${kind}`;
  if (pending.size < MAX_PENDING || pending.has(id)) pending.set(id, (pending.get(id) ?? 0) + 1);
  flushing ??= flush(db).finally(() => {
    flushing = null;
  });
  return flushing;
}

async function flush(db: Db): Promise<void> {
  await new Promise((r) => setTimeout(r, FLUSH_DELAY_MS));
  const batch = [...pending.entries()];
  pending.clear();
  if (batch.length === 0) return;
  const statements = batch.map(([id, n]) => {
    const [tenantId, day, kind] = id.split("\u0000");
    return metricsRepo.count(db, tenantId, Number(day), kind, n);
  });
  try {
    await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
  } catch {
    // Counted again next time: the counts are put back.
    for (const [id, n] of batch) pending.set(id, (pending.get(id) ?? 0) + n);
  }
}
