// The retraining export of a Durable-Object tenant: its R2 archive (archive.ts) in key order, which is archive
// time order, from a cursor (`after`, a line's seq). Reads objects, never the users: its cost follows the
// comparisons exported, not the size of the population. Leaves out comparisons of users deleted since (tombstones)
// and a comparison archived twice (a redelivery that raced a crash).
import type { ExportRow } from "../db/repos/feedback-export.ts";
import type { Bindings } from "../env.ts";
import { archiveHour, archiveKeyMs, archivePrefix } from "./archive.ts";
import type { ExportPage } from "./user-store.ts";

const LIST_PAGE = 100;

interface ArchiveLine extends Omit<ExportRow, "hash_scheme"> {
  id: string;
}

/** The tenant's deleted users and when: their lines archived up to then are left out (and compacted away). */
export async function archiveTombstones(env: Bindings, tenantId: string): Promise<Map<string, number>> {
  const rows = await env.DB.prepare("select user_id, deleted_at from archive_tombstones where tenant_id = ?").bind(tenantId).all<{ user_id: string; deleted_at: number }>();
  return new Map(rows.results.map((t) => [t.user_id, t.deleted_at]));
}

/** The first archive key that can hold a line after the cursor `after` is listed after this one. */
function listFrom(prefix: string, after: number): string | undefined {
  const fromMs = Math.floor(after / 1000);
  return after > 0 ? `${prefix}${archiveHour(fromMs)}/${String(fromMs).padStart(13, "0")}` : undefined;
}

export async function archiveExportPage(env: Bindings, tenantId: string, after: number, limit: number): Promise<ExportPage> {
  const prefix = archivePrefix(tenantId);
  let startAfter = listFrom(prefix, after);
  const tombstones = await archiveTombstones(env, tenantId);
  const ids = new Set<string>();
  const rows: ExportRow[] = [];
  for (;;) {
    const listed = await env.ARCHIVE.list({ prefix, startAfter, limit: LIST_PAGE });
    for (const object of listed.objects) {
      const body = await env.ARCHIVE.get(object.key);
      if (!body) continue; // removed since the listing
      for (const text of (await body.text()).split("\n")) {
        if (!text) continue;
        const { id, ...line } = JSON.parse(text) as ArchiveLine;
        if (line.seq <= after || ids.has(id)) continue;
        const deletedAt = tombstones.get(line.user_id);
        if (deletedAt !== undefined && line.created_at <= deletedAt) continue;
        ids.add(id);
        rows.push({ ...line, hash_scheme: 1 });
        if (rows.length === limit) return { rows, next: line.seq };
      }
      startAfter = object.key;
    }
    if (!listed.truncated) return { rows, next: null };
  }
}

/**
 * Lines after the cursor, from the listing's line counts, without reading the objects: an upper bound of what the
 * export returns (deleted users' and twice-archived lines are counted). Only an object of the cursor's own millisecond
 * (it may hold lines on both sides of it) and an object without a count (archived before counts were kept) are read.
 */
export async function archiveRemaining(env: Bindings, tenantId: string, after: number): Promise<number> {
  const prefix = archivePrefix(tenantId);
  const fromMs = Math.floor(after / 1000);
  let startAfter = listFrom(prefix, after);
  let remaining = 0;
  for (;;) {
    // `include` is in the runtime API, not in this workers-types release.
    const listed = await env.ARCHIVE.list({ prefix, startAfter, limit: 1000, include: ["customMetadata"] } as R2ListOptions);
    for (const object of listed.objects) {
      const lines = Number(object.customMetadata?.lines);
      if (Number.isInteger(lines) && !(after > 0 && archiveKeyMs(object.key) === fromMs)) remaining += lines;
      else {
        const text = (await (await env.ARCHIVE.get(object.key))?.text()) ?? "";
        for (const line of text.split("\n")) if (line && (JSON.parse(line) as { seq: number }).seq > after) remaining++;
      }
      startAfter = object.key;
    }
    if (!listed.truncated) return remaining;
  }
}
