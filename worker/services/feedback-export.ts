// The export's lines: one JSON object per comparison, in the comparisons contract `pref train` reads (a = the chosen
// response, b = the rejected one, label 1, or 1/2 for a tie; both as base64 float32 embeddings), plus what the
// service knew: seq, basis, time, and the progressive-validation predictions. Users appear as keyed hashes
// (pseudonyms stable within the tenant) unless the raw ids are asked for explicitly.
import type { Bindings } from "../env.ts";
import { base64ToFloat64, floatsToBase64 } from "../encoding.ts";
import type { ExportRow } from "../db/repos/feedback-export.ts";
import { keyedHash } from "../keyed-hash.ts";
import { hashSecret, keyedForm } from "./hashes.ts";

const FLOAT32 = "F:";

/** The stored embedding as base64 float32: the stored text itself when it is already float32. */
function asFloat32Base64(stored: string): string {
  if (stored.startsWith(FLOAT32)) return stored.slice(FLOAT32.length);
  return floatsToBase64(Float32Array.from(base64ToFloat64(stored)));
}

export class ExportLines {
  private readonly pseudonyms = new Map<string, string>();

  constructor(
    private readonly env: Bindings,
    private readonly tenantId: string,
    private readonly rawUserIds: boolean,
  ) {}

  private async user(id: string): Promise<string> {
    if (this.rawUserIds) return id;
    let p = this.pseudonyms.get(id);
    if (!p) {
      p = `u_${(await keyedHash(hashSecret(this.env), this.tenantId, "export-user", id)).slice(0, 32)}`;
      if (this.pseudonyms.size > 100_000) this.pseudonyms.clear();
      this.pseudonyms.set(id, p);
    }
    return p;
  }

  /**
   * One line. The embeddings are base64 (no character JSON would escape), spliced in as they are: JSON.stringify
   * would scan the two longest strings of the line again.
   */
  async line(r: ExportRow): Promise<string> {
    const head = JSON.stringify({
      seq: r.seq,
      user: await this.user(r.user_id),
      prompt_hash: await keyedForm(this.env, this.tenantId, "prompt", r.prompt_hash, r.hash_scheme),
    });
    const tail = JSON.stringify({
      label: r.label,
      embedder: r.embedder_id,
      basis: r.basis_id,
      created_at: new Date(r.created_at).toISOString(),
      p_personal: r.p_personal,
      p_population: r.p_population,
      feedback_count: r.feedback_count_before,
    });
    const a = asFloat32Base64(r.chosen_embedding);
    const b = asFloat32Base64(r.rejected_embedding);
    return `${head.slice(0, -1)},"a":{"embedding":"${a}"},"b":{"embedding":"${b}"},${tail.slice(1)}`;
  }
}
