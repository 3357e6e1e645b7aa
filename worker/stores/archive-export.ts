// The retraining export of a Durable-Object tenant: its R2 archive (archive.ts) in key order, which is archive
// time order, from a cursor (`after`, a line's seq). Reads objects, never the users: its cost follows the
// comparisons exported, not the size of the population. Leaves out comparisons of users deleted since (tombstones)
// and a comparison archived twice (a redelivery that raced a crash).
import type { ExportRow } from "../db/repos/feedback-export.ts";
import type { Bindings } from "../env.ts";
import { archiveHour, archivePrefix } from "./archive.ts";
import type { ExportPage } from "./user-store.ts";

const LIST_PAGE = 100;

interface ArchiveLine extends Omit<ExportRow, "hash_scheme"> {
  id: string;
}

export async function archiveExportPage(env: Bindings, tenantId: string, after: number, limit: number): Promise<ExportPage> {
  const prefix = archivePrefix(tenantId);
  const fromMs = Math.floor(after / 1000);
  let startAfter = after > 0 ? `${prefix}${archiveHour(fromMs)}/${String(fromMs).padStart(13, "0")}` : undefined;
  const tombstones = new Map(
    (await env.DB.prepare("select user_id, deleted_at from archive_tombstones where tenant_id = ?").bind(tenantId).all<{ user_id: string; deleted_at: number }>()).results.map(
      (t) => [t.user_id, t.deleted_at],
    ),
  );
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
