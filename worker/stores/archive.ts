// The archive queue's consumer: every comparison stored in a user's Durable Object reaches
//   - R2, as NDJSON objects per tenant and hour: archive/<tenant>/<YYYY-MM-DDTHH>/<ms>-<hash>.ndjson, one line per
//     comparison with an export cursor `seq` (ms * 1000 + line), which the tenant's export reads (archive-export.ts);
//   - the tenant's metrics rollup rows in D1 (feedback_metrics, the same rows the D1 store writes).
// Idempotent by comparison id (archive_seen): a redelivered message is skipped, and the rollup increment is guarded
// by the same row in the same D1 transaction, so it is counted once. Deletions become tombstones (the export leaves
// the user's earlier comparisons out).
import type { Bindings } from "../env.ts";
import type { ArchiveMessage, ComparisonMessage } from "./archive-message.ts";

/** How long a comparison id is remembered (far beyond the queue's redelivery window). */
export const ARCHIVE_SEEN_DAYS = 14;
const IN_CHUNK = 90;

export const archiveHour = (ms: number) => new Date(ms).toISOString().slice(0, 13);
export const archivePrefix = (tenantId: string) => `archive/${tenantId}/`;
export const archiveKey = (tenantId: string, ms: number, tag: string) => `${archivePrefix(tenantId)}${archiveHour(ms)}/${String(ms).padStart(13, "0")}-${tag}.ndjson`;
/** The archive time (ms) in an archive key: its lines' seqs start at ms * 1000. */
export const archiveKeyMs = (key: string) => Number(key.slice(key.lastIndexOf("/") + 1).split("-")[0]);

/** Writes one archive object: NDJSON lines, with their count (the export counts what is left from a listing alone). */
export function putArchiveObject(env: Bindings, key: string, lines: string[]): Promise<R2Object> {
  return env.ARCHIVE.put(key, `${lines.join("\n")}\n`, {
    httpMetadata: { contentType: "application/x-ndjson" },
    customMetadata: { lines: String(lines.length) },
  });
}

const METRICS_SQL = `insert into feedback_metrics (tenant_id, day, bucket, basis_id, comparisons, decided, personal_correct, population_correct,
    personal_log_loss, population_log_loss, lift_squares)
  select ?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9, ?10 where not exists (select 1 from archive_seen where id = ?11)
  on conflict (tenant_id, day, bucket, basis_id) do update set comparisons = comparisons + 1, decided = decided + excluded.decided,
    personal_correct = personal_correct + excluded.personal_correct, population_correct = population_correct + excluded.population_correct,
    personal_log_loss = personal_log_loss + excluded.personal_log_loss, population_log_loss = population_log_loss + excluded.population_log_loss,
    lift_squares = lift_squares + excluded.lift_squares`;

async function tag(ids: string[]): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(ids.join("\n")));
  return Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The archive line of a comparison (the export's row, before pseudonymization: archive-export.ts). */
export const archiveLine = (m: ComparisonMessage, seq: number) =>
  JSON.stringify({
    seq,
    id: m.id,
    user_id: m.userId,
    prompt_hash: m.promptHash,
    chosen_embedding: m.chosen,
    rejected_embedding: m.rejected,
    label: m.label,
    embedder_id: m.embedderId,
    basis_id: m.basisId,
    created_at: m.createdAt,
    p_personal: m.pPersonal,
    p_population: m.pPopulation,
    feedback_count_before: m.feedbackCountBefore,
  });

async function alreadySeen(db: D1Database, ids: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const chunk = ids.slice(i, i + IN_CHUNK);
    const rows = await db.prepare(`select id from archive_seen where id in (${chunk.map(() => "?").join(",")})`).bind(...chunk).all<{ id: string }>();
    for (const r of rows.results) seen.add(r.id);
  }
  return seen;
}

/** Archives one batch; throws (the whole batch is retried) if R2 or D1 fails. */
export async function archiveBatch(messages: readonly ArchiveMessage[], env: Bindings, now = Date.now()): Promise<void> {
  const db = env.DB;
  const comparisons = messages.filter((m): m is ComparisonMessage => m.kind === "comparison");
  const seen = await alreadySeen(db, comparisons.map((m) => m.id));
  const fresh = [...new Map(comparisons.filter((m) => !seen.has(m.id)).map((m) => [m.id, m])).values()];
  const byTenant = new Map<string, ComparisonMessage[]>();
  for (const m of fresh) byTenant.set(m.tenantId, [...(byTenant.get(m.tenantId) ?? []), m]);
  // R2 first: a crash after it redelivers the batch, which (same messages) rewrites the same object.
  for (const [tenantId, list] of byTenant) {
    list.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    await putArchiveObject(env, archiveKey(tenantId, now, await tag(list.map((m) => m.id))), list.map((m, i) => archiveLine(m, now * 1000 + i)));
  }
  const statements: D1PreparedStatement[] = [];
  const today = Math.floor(now / 86_400_000);
  for (const m of fresh) {
    if (m.metrics) {
      const inc = m.metrics.increment;
      statements.push(
        db.prepare(METRICS_SQL).bind(m.tenantId, m.metrics.day, inc.bucket, m.basisId, inc.decided, inc.personalCorrect, inc.populationCorrect, inc.personalLogLoss, inc.populationLogLoss, inc.liftSquares, m.id),
      );
    }
    statements.push(db.prepare("insert into archive_seen (id, tenant_id, day) values (?, ?, ?) on conflict do nothing").bind(m.id, m.tenantId, today));
  }
  for (const m of messages)
    if (m.kind === "delete")
      statements.push(
        db.prepare("insert into archive_tombstones (tenant_id, user_id, deleted_at) values (?, ?, ?) on conflict do update set deleted_at = max(deleted_at, excluded.deleted_at)").bind(m.tenantId, m.userId, m.at),
      );
  statements.push(db.prepare("delete from archive_seen where day < ?").bind(today - ARCHIVE_SEEN_DAYS));
  await db.batch(statements);
}
