// Training at scale: a planted data set in the service's log format (embedding-only comparisons, base64 float32,
// what `pref pull` writes), each user answering pairs drawn for them alone, as in real logs; then `pref train` on it
// as a child process, timed, with its peak memory. Prints the stage times, then one JSON line (last).
//   BENCH_USERS (10000), BENCH_PER_USER (20), BENCH_D (512), BENCH_J (8), BENCH_PROMPTS (users / 20),
//   BENCH_RESPONSES (16 per prompt), BENCH_DIR (.cache/bench-train), BENCH_KEEP=1 keeps the data file.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gaussian, makeRng } from "../cli/rng.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const users = env("BENCH_USERS", 10_000);
const perUser = env("BENCH_PER_USER", 20);
const d = env("BENCH_D", 512);
const J = env("BENCH_J", 8);
const prompts = env("BENCH_PROMPTS", Math.max(10, Math.round(users / 20)));
const responses = env("BENCH_RESPONSES", 16);
const dir = path.resolve(process.env.BENCH_DIR ?? path.join(root, ".cache/bench-train"));
const EMBEDDER = "planted:response";

/** Writes the data set; returns its path, the planted basis and the number of distinct pairs. */
async function generate(): Promise<{ file: string; W: Float64Array; pairs: number }> {
  const rng = makeRng(20261203);
  const W = Float64Array.from({ length: J * d }, () => gaussian(rng));
  const shared = Float64Array.from({ length: d }, () => gaussian(rng));
  const items = prompts * responses;
  const encoded: string[] = new Array(items);
  const rewards = new Float64Array(items * (J + 1)); // shared taste, then the J planted bases
  for (let i = 0; i < items; i++) {
    const e = Float32Array.from({ length: d }, () => gaussian(rng) / Math.sqrt(d));
    encoded[i] = Buffer.from(e.buffer).toString("base64");
    let s = 0;
    for (let k = 0; k < d; k++) s += shared[k] * e[k];
    rewards[i * (J + 1)] = s;
    for (let j = 0; j < J; j++) {
      let r = 0;
      for (let k = 0; k < d; k++) r += W[j * d + k] * e[k];
      rewards[i * (J + 1) + 1 + j] = r;
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `log-${users}x${perUser}-d${d}.jsonl`);
  const out = fs.createWriteStream(file);
  const write = (line: string) => (out.write(line) ? Promise.resolve() : new Promise<void>((resolve) => out.once("drain", () => resolve())));
  await write(`${JSON.stringify({ embedder: EMBEDDER })}\n`);
  const seen = new Set<number>();
  const lambda = new Float64Array(J);
  for (let u = 0; u < users; u++) {
    for (let j = 0; j < J; j++) lambda[j] = 0.7 * gaussian(rng);
    let chunk = "";
    for (let q = 0; q < perUser; q++) {
      const p = Math.floor(rng() * prompts);
      const a = p * responses + Math.floor(rng() * responses);
      const b = p * responses + ((a - p * responses + 1 + Math.floor(rng() * (responses - 1))) % responses);
      seen.add(Math.min(a, b) * items + Math.max(a, b));
      let m = rewards[a * (J + 1)] - rewards[b * (J + 1)];
      for (let j = 0; j < J; j++) m += lambda[j] * (rewards[a * (J + 1) + 1 + j] - rewards[b * (J + 1) + 1 + j]);
      const label = rng() < 1 / (1 + Math.exp(-m)) ? 1 : 0;
      chunk += `{"user":"u${u}","prompt_hash":"p${p}","a":{"embedding":"${encoded[a]}"},"b":{"embedding":"${encoded[b]}"},"label":${label}}\n`;
    }
    await write(chunk);
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  return { file, W, pairs: seen.size };
}

/** Runs `pref train`, sampling its peak resident memory (VmHWM) from /proc. */
function train(file: string, out: string): Promise<{ seconds: number; peakMb: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [path.join(root, "cli/bin/pref.js"), "train", "--data", file, "--out", out, "--bases", String(J), "--holdout", "0"], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    let peakKb = 0;
    const sample = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // the process just ended
      }
    }, 250);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearInterval(sample);
      if (code !== 0) reject(new Error(`pref train exited with ${code}`));
      else resolve({ seconds: (performance.now() - t0) / 1000, peakMb: Math.round(peakKb / 1024) });
    });
  });
}

const t0 = performance.now();
const { file, W, pairs } = await generate();
const generateSeconds = (performance.now() - t0) / 1000;
const bytes = fs.statSync(file).size;
process.stderr.write(`generated ${users * perUser} comparisons (${pairs} distinct pairs) by ${users} users, d = ${d}: ${(bytes / 1e9).toFixed(2)} GB in ${generateSeconds.toFixed(1)} s\n`);
const out = path.join(dir, `run-${users}x${perUser}-d${d}`);
const run = await train(file, out);
const basis = JSON.parse(fs.readFileSync(path.join(out, "basis.json"), "utf8"));
if (!process.env.BENCH_KEEP) fs.rmSync(file);

// How much of the planted space the deviation rows recovered (cosines of the principal angles, min and mean).
const Wd = (basis.W as number[][]).slice(basis.population ? 1 : 0);
const cosines = principalCosines(Wd, W);
const stages = basis.training.seconds as Record<string, number>;
process.stdout.write(
  `\n${users} users x ${perUser} comparisons (${pairs} distinct pairs), d = ${d}, J = ${J}\n` +
    `  pref train: ${run.seconds.toFixed(1)} s wall, peak memory ${run.peakMb} MB\n` +
    `  stages (s): ${Object.entries(stages).map(([k, v]) => `${k} ${v}`).join(", ")}\n` +
    `  planted space recovered: min cosine ${Math.min(...cosines).toFixed(3)}, mean ${(cosines.reduce((a, b) => a + b, 0) / cosines.length).toFixed(3)}\n`,
);
process.stdout.write(
  `${JSON.stringify({ users, comparisons: users * perUser, pairs, d, J, data_gb: Number((bytes / 1e9).toFixed(2)), train_seconds: Number(run.seconds.toFixed(1)), peak_mb: run.peakMb, stages, min_cosine: Number(Math.min(...cosines).toFixed(3)) })}\n`,
);

function principalCosines(A: number[][], B: Float64Array): number[] {
  const orth = (rows: Float64Array[]) => {
    const Q: Float64Array[] = [];
    for (const r of rows) {
      const v = Float64Array.from(r);
      for (const q of Q) {
        let c = 0;
        for (let k = 0; k < d; k++) c += q[k] * v[k];
        for (let k = 0; k < d; k++) v[k] -= c * q[k];
      }
      let n = 0;
      for (let k = 0; k < d; k++) n += v[k] * v[k];
      Q.push(v.map((x) => x / Math.sqrt(n)));
    }
    return Q;
  };
  const Qa = orth(A.map((r) => Float64Array.from(r)));
  const Qb = orth(Array.from({ length: J }, (_, j) => B.subarray(j * d, (j + 1) * d)));
  // Each planted direction's cosine with the learned span (a lower bound on the principal angles' spread).
  return Qb.map((b) => Math.sqrt(Qa.reduce((s, a) => s + a.reduce((t, x, k) => t + x * b[k], 0) ** 2, 0)));
}
