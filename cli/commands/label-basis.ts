// `pref label-basis`: names a basis's base rewards after the benchmark attribute each one tracks (from the judging
// sidecar) and writes them into basis.json's `labels`. Naming only: W, mu0 and Sigma0 are untouched.
import fs from "node:fs";
import type { Command } from "commander";
import { basisArtifactSchema, loadBasisArtifact } from "../../core/artifact.ts";
import { MAX_CANDIDATES } from "../../core/types.ts";
import { labelBases } from "../attributes/label-bases.ts";
import { loadJudge, sidecarPathFor } from "../attributes/sidecar.ts";
import { loadCore } from "../core.ts";
import { assertReadableFile, writeFileAtomic } from "../data/jsonl.ts";
import { embedItems } from "../embedders/embed-items.ts";
import { createEmbedder } from "../embedders/index.ts";
import { CliError } from "../errors.ts";
import { note } from "../progress.ts";

export function registerLabelBasis(program: Command): void {
  program
    .command("label-basis")
    .description("name each base reward after the benchmark attribute it correlates with most, and write the labels into basis.json")
    .requiredOption("--basis <file>", "basis.json to label (rewritten in place)")
    .requiredOption("--data <file>", "benchmark comparisons file whose judging sidecar is beside it")
    .option("--cache-dir <dir>", "embedding cache directory (env PREF_CACHE_DIR)")
    .action(async (o: { basis: string; data: string; cacheDir?: string }) => {
      assertReadableFile(o.basis, "basis");
      const json = JSON.parse(fs.readFileSync(o.basis, "utf8"));
      const basis = loadBasisArtifact(json);
      const sidecarFile = sidecarPathFor(o.data);
      if (!fs.existsSync(sidecarFile)) throw new CliError(`no judging sidecar beside ${o.data} (expected ${sidecarFile})`);
      const judge = loadJudge(sidecarFile);
      const embedder = createEmbedder(basis.artifact.embedder.id, o);
      const items = judge.sidecar.prompts.flatMap((p) => p.responses.map((r) => ({ prompt: p.prompt, text: r.text })));
      const { vectors, d } = await embedItems(embedder, items, "embedding candidates");
      const { J } = basis.matrix;
      const core = await loadCore();
      core.loadBasis(basis.matrix);
      const phi = new Float64Array(items.length * J);
      for (let s = 0; s < items.length; s += MAX_CANDIDATES) {
        const m = Math.min(MAX_CANDIDATES, items.length - s);
        phi.set(core.project(basis.matrix.id, vectors.subarray(s * d, (s + m) * d), m), s * J);
      }
      const labels = labelBases(judge, phi, J);
      // The population row is everyone's pooled reward, whatever attribute it leans to.
      if (basis.populationBase !== null) labels[basis.populationBase].label = `population (everyone's pooled reward; ${labels[basis.populationBase].label})`;
      const updated = basisArtifactSchema.parse({ ...json, labels: labels.map((l) => l.label) });
      writeFileAtomic(o.basis, JSON.stringify(updated));
      labels.forEach((l, j) => note(`base ${j + 1}: ${l.label}   [${judge.sidecar.attributes.map((a, i) => `${a.name} ${l.correlations[i]}`).join(", ")}]`));
    });
}
