// `npm run bench:embed`: the offline embedder's throughput (USE-lite windows per second) with TF.js's own kernels on
// one thread, and with ours (use-lite-matmul.ts) on one thread and on two, in the same run: the same windows (real
// AlpacaEval answers, head + tail64 + chunks windows, each at most 128 tokens) embedded in alternating rounds, so
// load from elsewhere on the machine hits all alike. Nothing is cached.
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

// Three pools: TF.js's own kernels on one thread (the before), ours on one thread, ours on two.
const configs = [
  { name: "library kernels, 1 thread", pool: new UseLitePool(1, { kernels: "library" }) },
  { name: "1 thread", pool: new UseLitePool(1) },
  { name: "2 threads", pool: new UseLitePool(2) },
];
// Warm-up: every thread loaded and past its first windows.
await Promise.all(configs.map((c) => Promise.all(sample.slice(0, 8).map((w) => c.pool.embed(w)))));

const seconds: number[][] = configs.map(() => []);
const load = [os.loadavg()[0]];
for (let r = 0; r < ROUNDS; r++) {
  const order = configs.map((_, i) => i);
  if (r % 2 === 1) order.reverse();
  for (const i of order) {
    const t0 = performance.now();
    await Promise.all(sample.map((w) => configs[i].pool.embed(w)));
    seconds[i].push((performance.now() - t0) / 1000);
  }
}
load.push(os.loadavg()[0]);
await Promise.all(configs.map((c) => c.pool.close()));

const rate = (i: number) => (WINDOWS * seconds[i].length) / seconds[i].reduce((a, b) => a + b, 0);
const [library, one, two] = [0, 1, 2].map(rate);
const result = {
  windows_per_round: WINDOWS,
  rounds: ROUNDS,
  mean_tokens: Number(meanTokens.toFixed(1)),
  library_one_thread_wps: Number(library.toFixed(2)),
  one_thread_wps: Number(one.toFixed(2)),
  two_threads_wps: Number(two.toFixed(2)),
  kernels_speedup: Number((one / library).toFixed(2)),
  speedup: Number((two / one).toFixed(2)),
  cores: os.availableParallelism(),
  load_avg_1m: load.map((l) => Number(l.toFixed(2))),
};
console.log(`| pool | windows/s | ms per window |\n|---|---:|---:|`);
configs.forEach((c, i) => console.log(`| ${c.name} | ${rate(i).toFixed(2)} | ${(1000 / rate(i)).toFixed(1)} |`));
console.log(
  `our kernels ${result.kernels_speedup}x the library's on one thread; two threads ${result.speedup}x one ` +
    `(${WINDOWS} windows of ${result.mean_tokens} tokens on average, ${ROUNDS} rounds each; load average ${result.load_avg_1m.join(" -> ")} on ${result.cores} cores)`,
);
console.log(JSON.stringify(result));
