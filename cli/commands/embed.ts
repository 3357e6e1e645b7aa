// `pref embed`: fills the embedding cache for a dataset (and its judging sidecar's candidates) ahead of training,
// so long embedding runs can happen once, in the background, and every later run reuses them.
import fs from "node:fs";
import type { Command } from "commander";
import { loadJudge, sidecarPathFor } from "../attributes/sidecar.ts";
import { loadDataset } from "../data/dataset.ts";
import { embedItems, type ItemText } from "../embedders/embed-items.ts";
import { type EmbedderFlags, addEmbedderFlags } from "../embedders/flags.ts";
import { createEmbedder } from "../embedders/index.ts";
import { note } from "../progress.ts";

export function registerEmbed(program: Command): void {
  addEmbedderFlags(
    program
      .command("embed")
      .description("embed every (prompt, response) of a comparisons file (and its sidecar's candidates) into the cache")
      .requiredOption("--data <file>", "comparisons JSONL (may be gzipped)")
      .option("--no-sidecar", "skip the judging sidecar's candidate responses"),
  ).action(async (o: EmbedderFlags & { data: string; sidecar: boolean }) => {
    const embedder = createEmbedder(o.embedder, o);
    const data = await loadDataset(o.data);
    const items: ItemText[] = data.items.map((it) => ({ prompt: data.prompts[it.prompt], text: it.text }));
    const sidecarFile = sidecarPathFor(o.data);
    if (o.sidecar && fs.existsSync(sidecarFile)) {
      for (const p of loadJudge(sidecarFile).sidecar.prompts) for (const r of p.responses) items.push({ prompt: p.prompt, text: r.text });
    }
    const result = await embedItems(embedder, items, "embed");
    note(`${items.length} items embedded with ${embedder.id} (d = ${result.d}); cache hits need no model`);
  });
}
