// Deleting a user of a Durable-Object tenant removes them from their object at once and leaves a tombstone for the
// archive (archive.ts), whose export skips their lines from then on. Compaction removes those lines from R2 itself:
// it rewrites each archive object that holds a deleted user's comparison (archived before the deletion) without it,
// or deletes the object when nothing is left. Bounded work per call, resumable by the last key it visited.
import type { Bindings } from "../env.ts";
import { archivePrefix, putArchiveObject } from "./archive.ts";
import { archiveTombstones } from "./archive-export.ts";

export interface CompactionStep {
  /** Pass back as `cursor` to go on; null when the whole archive has been visited. */
  next: string | null;
  objects: number;
  rewritten: number;
  deleted: number;
  /** Lines removed. */
  dropped: number;
}

export async function compactArchive(env: Bindings, tenantId: string, cursor: string | undefined, maxObjects: number): Promise<CompactionStep> {
  const step: CompactionStep = { next: null, objects: 0, rewritten: 0, deleted: 0, dropped: 0 };
  const tombstones = await archiveTombstones(env, tenantId);
  if (tombstones.size === 0) return step;
  const listed = await env.ARCHIVE.list({ prefix: archivePrefix(tenantId), startAfter: cursor, limit: maxObjects });
  for (const object of listed.objects) {
    step.objects++;
    const body = await env.ARCHIVE.get(object.key);
    if (body) {
      const lines = (await body.text()).split("\n").filter(Boolean);
      const kept = lines.filter((text) => {
        const line = JSON.parse(text) as { user_id: string; created_at: number };
        const deletedAt = tombstones.get(line.user_id);
        return deletedAt === undefined || line.created_at > deletedAt;
      });
      if (kept.length === 0) {
        await env.ARCHIVE.delete(object.key);
        step.deleted++;
      } else if (kept.length < lines.length) {
        await putArchiveObject(env, object.key, kept);
        step.rewritten++;
      }
      step.dropped += lines.length - kept.length;
    }
    step.next = object.key;
  }
  if (!listed.truncated) step.next = null;
  return step;
}
