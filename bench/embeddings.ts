// `npm run bench:embed`: the offline embedder's throughput (USE-lite windows per second) with one thread and with
// two, in the same run: the same windows (real AlpacaEval answers, head + tail64 + chunks windows, each at most 128
// tokens) embedded in alternating rounds, so load from elsewhere on the machine hits both alike. Nothing is cached.
// BENCH_WINDOWS (default 96) per round, BENCH_ROUNDS (default 6) rounds of each. Prints a table and, last, JSON.
import os from "node:os";
import path from "node:path";
import { readPromptResponses } from "../cli/data/alpaca.ts";
import { USE_LITE_MAX_TOKENS } from "../cli/embedders/recipe.ts";
import { UseLitePool } from "../cli/embedders/use-lite-pool.ts";
import { useLiteTokenizer } from "../cli/embedders/use-lite-tokenizer.ts";
import { projectRoot } from "../scripts/processes.ts";

const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 96);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const data = process.env.BENCH_DATA ?? path.join(projectRoot, "..", "shared", "data", "alpacaeval-responses.jsonl.gz");

const tok = useLiteTokenizer();
const windows: number[][] = [];
for (const p of await readPromptResponses(data)) {
  for (const r of p.responses) {
    if (r.text.trim() === "") continue;
    windows.push(tok.head(r.text, USE_LITE_MAX_TOKENS), tok.tail(r.text, 64));
    const all = tok.all(r.text);
    for (let s = USE_LITE_MAX_TOKENS; s < all.length; s += USE_LITE_MAX_TOKENS) windows.push(all.slice(s, s + USE_LITE_MAX_TOKENS));
  }
  if (windows.length >= WINDOWS * 4) break;
}
const sample = windows.slice(0, WINDOWS);
const meanTokens = sample.reduce((n, w) => n + w.length, 0) / sample.length;

const pools = { 1: new UseLitePool(1), 2: new UseLitePool(2) };
// Warm-up: every thread loaded and past its first windows.
await Promise.all([1, 2].map((n) => Promise.all(sample.slice(0, 8).map((w) => pools[n as 1 | 2].embed(w)))));

const seconds: Record<1 | 2, number[]> = { 1: [], 2: [] };
const load = [os.loadavg()[0]];
for (let r = 0; r < ROUNDS; r++) {
  for (const n of r % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const)) {
    const t0 = performance.now();
    await Promise.all(sample.map((w) => pools[n].embed(w)));
    seconds[n].push((performance.now() - t0) / 1000);
  }
}
load.push(os.loadavg()[0]);
await Promise.all([pools[1].close(), pools[2].close()]);

const rate = (n: 1 | 2) => (WINDOWS * seconds[n].length) / seconds[n].reduce((a, b) => a + b, 0);
const result = {
  windows_per_round: WINDOWS,
  rounds: ROUNDS,
  mean_tokens: Number(meanTokens.toFixed(1)),
  one_thread_wps: Number(rate(1).toFixed(2)),
  two_threads_wps: Number(rate(2).toFixed(2)),
  speedup: Number((rate(2) / rate(1)).toFixed(2)),
  cores: os.availableParallelism(),
  load_avg_1m: load.map((l) => Number(l.toFixed(2))),
};
console.log(`| threads | windows/s | ms per window |\n|---:|---:|---:|`);
for (const n of [1, 2] as const) console.log(`| ${n} | ${rate(n).toFixed(2)} | ${(1000 / rate(n)).toFixed(1)} |`);
console.log(`speed-up ${result.speedup}x (${WINDOWS} windows of ${result.mean_tokens} tokens on average, ${ROUNDS} rounds each; load average ${result.load_avg_1m.join(" -> ")} on ${result.cores} cores)`);
console.log(JSON.stringify(result));
