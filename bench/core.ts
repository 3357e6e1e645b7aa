// Core benchmark: the WASM core against the TypeScript reference on the serving operations, in one process,
// interleaved batch by batch so both see the same machine state. Prints a table, then one JSON line (last).
//   rank   = score(): mean + sd of N candidates, including copying the N x d embeddings in
//   update = fitPosterior(): full Laplace refit over n observations, from the prior
//   select = selectPair("pref"): best of all N(N-1)/2 pairs
//   decode = decodeEmbeddingArrays() on a rank body (N x d numbers, 6 significant digits, UTF-8 bytes), against
//            what the Worker does without it: TextDecoder + JSON.parse (the engine's own parser, not the reference)
import { performance } from "node:perf_hooks";
import { ReferenceCore, gaussianFromCovariance, Mulberry32, fillStandardNormals, type PrefCore } from "../core/index.ts";
import { loadWasmCoreNode } from "../core/node.ts";

const config = { J: 16, d: 512, N: 16, n: 200 };
const WARMUP_ROUNDS = 15;
const ROUNDS = 61;
const BATCH_MS = 2;

// ---- a realistic, reproducible problem ----
const rng = new Mulberry32(20250501);
const normals = (count: number, scale = 1): Float64Array => {
  const x = new Float64Array(count);
  fillStandardNormals(rng, x);
  for (let i = 0; i < count; i++) x[i] *= scale;
  return x;
};
const { J, d, N, n } = config;
// phi = W e is O(1) for unit-norm e, like the base rewards of a trained basis.
const basis = { id: "bench", J, d, W: normals(J * d) };
// Unit-norm embeddings, like the sentence encoders'.
const embeddings = (count: number): Float64Array => {
  const E = normals(count * d);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += E[i * d + k] ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let k = 0; k < d; k++) E[i * d + k] *= inv;
  }
  return E;
};
// Population prior N(mu0, Sigma0) with a non-diagonal Sigma0 = A A^T / J + 0.5 I.
const A = normals(J * J);
const Sigma0 = new Float64Array(J * J);
for (let i = 0; i < J; i++)
  for (let k = 0; k < J; k++) {
    let s = 0;
    for (let r = 0; r < J; r++) s += A[i * J + r] * A[k * J + r];
    Sigma0[i * J + k] = s / J + (i === k ? 0.5 : 0);
  }
const prior = gaussianFromCovariance(normals(J, 0.3), Sigma0);

const wasm = await loadWasmCoreNode();
const ts = new ReferenceCore();
wasm.loadBasis(basis);
ts.loadBasis(basis);

// Observations: pairs of candidates' phi differences, labels drawn from a hidden user.
const trueLambda = normals(J);
const pool = ts.project(basis.id, embeddings(64), 64);
const z = new Float64Array(n * J);
const label = new Float64Array(n);
const weight = new Float64Array(n).fill(1);
for (let i = 0; i < n; i++) {
  const a = rng.nextU32() % 64;
  const b = (a + 1 + (rng.nextU32() % 63)) % 64;
  let m = 0;
  for (let j = 0; j < J; j++) {
    z[i * J + j] = pool[a * J + j] - pool[b * J + j];
    m += trueLambda[j] * z[i * J + j];
  }
  const u = rng.nextU32() / 4294967296;
  label[i] = i % 10 === 9 ? 0.5 : u < 1 / (1 + Math.exp(-m)) ? 1 : 0;
}
const obs = { n, z, label, weight };
const posterior = ts.fitPosterior(prior, obs).posterior;
const E = embeddings(N);
const phi = ts.project(basis.id, E, N);

const rankBody = new TextEncoder().encode(
  JSON.stringify({ user: "u", prompt: "p", candidates: Array.from({ length: N }, (_, i) => ({ embedding: Array.from(E.subarray(i * d, (i + 1) * d), (x) => Number(x.toPrecision(6))) })) }),
);
const utf8 = new TextDecoder();
const decodeLimits = { maxDims: 4096, maxAbs: 1e9 };

/** Each op: [the WASM core's call, its TypeScript baseline]. */
const on = (op: (core: PrefCore) => unknown): [() => unknown, () => unknown] => [() => op(wasm), () => op(ts)];
const ops: Record<string, [() => unknown, () => unknown]> = {
  rank: on((core) => core.score(basis.id, posterior, E, N)),
  update: on((core) => core.fitPosterior(prior, obs)),
  select: on((core) => core.selectPair(posterior, phi, N, "pref")),
  decode: [() => wasm.decodeEmbeddingArrays(rankBody, decodeLimits), () => JSON.parse(utf8.decode(rankBody))],
};

// ---- timing ----
let sink = 0;
const timeBatch = (fn: () => unknown, calls: number): number => {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) sink += fn() === null ? 0 : 1;
  return ((performance.now() - t0) * 1000) / calls; // microseconds per call
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : 0.5 * (s[mid - 1] + s[mid]);
};
const callsPerBatch = (fn: () => unknown): number => {
  const us = timeBatch(fn, 20);
  return Math.max(1, Math.round((BATCH_MS * 1000) / Math.max(us, 0.05)));
};

interface Result { wasm_us: number; ts_us: number; ratio: number }
const results: Record<string, Result> = {};
for (const [name, [w, t]] of Object.entries(ops)) {
  for (let r = 0; r < WARMUP_ROUNDS; r++) { timeBatch(w, 20); timeBatch(t, 20); }
  const kw = callsPerBatch(w);
  const kt = callsPerBatch(t);
  const ws: number[] = [];
  const tss: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which goes first so neither always runs on a just-warmed cache.
    if (r % 2 === 0) { ws.push(timeBatch(w, kw)); tss.push(timeBatch(t, kt)); }
    else { tss.push(timeBatch(t, kt)); ws.push(timeBatch(w, kw)); }
  }
  const wasm_us = median(ws);
  const ts_us = median(tss);
  results[name] = { wasm_us: round(wasm_us), ts_us: round(ts_us), ratio: round(ts_us / wasm_us) };
}
function round(x: number): number {
  return Math.round(x * 100) / 100;
}

// The goals (decode has none: it is measured because the Worker uses it on every large body).
const goals: Record<string, number | undefined> = { rank: 60, update: 300, select: 50 };
console.log(`core benchmark  J=${J} d=${d} N=${N} n=${n}  (median of ${ROUNDS} interleaved batches, microseconds per call)`);
console.log("op       wasm_us    ts_us   ratio   goal (wasm < us, ratio >= 2)");
for (const [name, r] of Object.entries(results)) {
  const goal = goals[name];
  const ok = goal === undefined ? "" : r.wasm_us < goal && r.ratio >= 2 ? "met" : "MISSED";
  console.log(
    `${name.padEnd(8)}${r.wasm_us.toFixed(2).padStart(8)}${r.ts_us.toFixed(2).padStart(9)}${r.ratio.toFixed(2).padStart(8)}   ${String(goal ?? "-").padStart(4)}  ${ok}`,
  );
}
if (sink < 0) console.log(sink);
console.log(JSON.stringify({ config, ops: results }));
