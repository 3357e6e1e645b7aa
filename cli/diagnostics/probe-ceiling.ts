// Diagnostic: the ceiling of any linear reward on an embedding recipe for prompts a basis never saw. Each simulated
// user's *true, noise-free* utility of every candidate of the training prompts is regressed (ridge) on the
// embeddings; accuracy is measured on the held-out prompts' comparisons of the benchmark (ties excluded). A basis
// learnt from noisy comparisons of other users cannot beat this.
//   npx tsx cli/diagnostics/probe-ceiling.ts .cache/attrs.jsonl.gz RUN/split.json use-lite-512:response:head+tail64
import fs from "node:fs";
import { utility } from "../attributes/users.ts";
import { loadDataset } from "../data/dataset.ts";
import { ridgeRows } from "./ridge-rows.ts";
import { embeddedCandidates } from "./within-prompt.ts";

const [dataFile, splitFile, ...embedders] = process.argv.slice(2);
const heldout = new Set<string>(JSON.parse(fs.readFileSync(splitFile, "utf8")).prompts.heldout);
const data = await loadDataset(dataFile);
for (const id of embedders) {
  const c = await embeddedCandidates(dataFile, id);
  const users = [...c.judge.users.values()];
  const index = new Map(c.texts.map((t, r) => [`${c.prompts[c.promptOf[r]]}\u0000${t}`, r]));
  const train = c.scores.map((_, r) => r).filter((r) => !heldout.has(c.prompts[c.promptOf[r]]));
  const target = (r: number) => users.map((u) => utility(u, c.scores[r]));
  for (const alpha of [1, 3]) {
    const B = ridgeRows(c.centred, c.d, train, target, users.length, alpha);
    let right = 0;
    let total = 0;
    for (let i = 0; i < data.n; i++) {
      const prompt = data.prompts[data.prompt[i]];
      if (!heldout.has(prompt)) continue;
      const u = users.findIndex((x) => x.id === data.users[data.user[i]]);
      const a = index.get(`${prompt}\u0000${data.items[data.a[i]].text}`)!;
      const b = index.get(`${prompt}\u0000${data.items[data.b[i]].text}`)!;
      const truth = Math.sign(target(a)[u] - target(b)[u]);
      if (truth === 0) continue;
      let m = 0;
      for (let k = 0; k < c.d; k++) m += (c.raw[a * c.d + k] - c.raw[b * c.d + k]) * B[k * users.length + u];
      total++;
      if (Math.sign(m) === truth) right++;
    }
    console.log(`${id} alpha ${alpha}: linear-probe ceiling on unseen prompts ${(right / total).toFixed(3)} (${total} comparisons)`);
  }
}
