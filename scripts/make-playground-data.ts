// Writes public/data/prompts.json: a small derived subset of the AlpacaEval responses data set (docs/data.md) that
// the playground ships (prompts from the end of the file, with their 24 responses). Re-run to regenerate:
//   node --import tsx scripts/make-playground-data.ts [--data ../shared/data/alpacaeval-responses.jsonl.gz] [--count 20]
import { createReadStream, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";

interface Row {
  id: number;
  dataset: string;
  prompt: string;
  responses: { generator: string; text: string }[];
}

const root = path.resolve(import.meta.dirname, "..");
const dataFlag = process.argv.indexOf("--data");
const source = dataFlag >= 0 ? path.resolve(process.argv[dataFlag + 1]) : path.resolve(root, "..", "shared", "data", "alpacaeval-responses.jsonl.gz");
const countFlag = process.argv.indexOf("--count");
const count = countFlag >= 0 ? Number(process.argv[countFlag + 1]) : 20;

const rows: Row[] = [];
for await (const line of createInterface({ input: createReadStream(source).pipe(createGunzip()) })) {
  if (line.trim()) rows.push(JSON.parse(line) as Row);
}
// The last prompts of the file: the offline trainer uses the first ones, so the playground shows prompts
// the default basis did not see, as in production.
const picked = rows
  .slice(-count * 2)
  .filter((r) => r.prompt.length <= 600)
  .slice(-count)
  .map((r) => ({
    id: r.id,
    prompt: r.prompt,
    responses: r.responses.filter((x) => x.text.trim().length > 0).map((x) => ({ generator: x.generator, text: x.text })),
  }));
const out = path.join(root, "public", "data", "prompts.json");
writeFileSync(
  out,
  JSON.stringify({
    source: "AlpacaEval (tatsu-lab/alpaca_eval, commit cd543a149df8), results/<model>/model_outputs.json",
    license: "CC BY-NC 4.0 (data); responses keep their providers' terms",
    prompts: picked,
  }),
);
console.log(`wrote ${picked.length} prompts to ${path.relative(root, out)}`);
