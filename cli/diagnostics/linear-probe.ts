// Diagnostic: how linearly decodable is each benchmark attribute from an embedding recipe? Ridge of each attribute's
// standardised score on the embedding (both centred within prompt), trained on 4/5 of the prompts, R^2 on the rest.
//   npx tsx cli/diagnostics/linear-probe.ts .cache/attrs.jsonl.gz use-lite-512:response use-lite-512:response:head+tail64
import { embeddedCandidates } from "./within-prompt.ts";
import { ridgeRows } from "./ridge-rows.ts";

const [dataFile, ...embedders] = process.argv.slice(2);
for (const id of embedders) {
  const c = await embeddedCandidates(dataFile, id);
  const A = c.scores[0].length;
  const test = (r: number) => c.promptOf[r] % 5 === 0;
  const rows = c.scores.map((_, r) => r);
  for (const alpha of [1, 10]) {
    const B = ridgeRows(c.centred, c.d, rows.filter((r) => !test(r)), (r) => c.scores[r], A, alpha);
    const r2 = Array.from({ length: A }, (_, a) => {
      let residual = 0;
      let total = 0;
      for (const r of rows.filter(test)) {
        let p = 0;
        for (let k = 0; k < c.d; k++) p += c.centred[r * c.d + k] * B[k * A + a];
        residual += (c.scores[r][a] - p) ** 2;
        total += c.scores[r][a] ** 2;
      }
      return 1 - residual / total;
    });
    console.log(`${id} alpha ${alpha}: ${c.judge.sidecar.attributes.map((at, a) => `${at.name} ${r2[a].toFixed(2)}`).join(", ")}`);
  }
}
