// The operator's loop, end to end against a real Worker (wrangler dev, local D1): simulated users whose preferences
// lie in directions the tenant's basis does not span answer questions through the API; `pref pull` -> `pref train`
// -> `pref push --if-better --activate` (which runs `pref eval --compare`); new users onboarded under the new basis
// then predict their own answers much better (progressive validation, /metrics), with a lift whose interval excludes
// zero; a push that is not better is refused; a rollback restores the old basis and the users' old posteriors.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../../cli/main.ts";
import { gaussian, makeRng } from "../../cli/rng.ts";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack.ts";

const ADMIN_TOKEN = "loop-admin-token-for-tests";
const d = 12;
const J_TRUE = 2;
const CANDIDATES = 6;
const ANSWERS = 16;
const rng = makeRng(20261203);
const randn = () => gaussian(rng);

// The plant: the users' true bases, and an old basis orthogonal to them (it cannot express any user's taste).
const W_TRUE = Array.from({ length: J_TRUE }, () => Array.from({ length: d }, randn));
function orthogonalTo(rows: number[][], count: number): number[][] {
  const basis = rows.map((r) => r.slice());
  const out: number[][] = [];
  while (out.length < count) {
    const v = Array.from({ length: d }, randn);
    for (const q of [...basis, ...out]) {
      const c = q.reduce((s, x, k) => s + x * v[k], 0) / q.reduce((s, x) => s + x * x, 0);
      for (let k = 0; k < d; k++) v[k] -= c * q[k];
    }
    out.push(v);
  }
  return out;
}
const OLD_BASIS = {
  format: "pref-basis/2",
  id: "old-orthogonal-basis",
  created_at: new Date().toISOString(),
  embedder: { id: "planted:12", d },
  J: 3,
  W: [Array.from({ length: d }, () => 0.01 * randn()), ...orthogonalTo(W_TRUE, 2)],
  mu0: [1, 0, 0],
  sigma0: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  population: { base: 0 },
  labels: null,
};

interface PlantedUser {
  id: string;
  lambda: number[];
  /** Each user draws from their own stream: users answer concurrently, and the run must not depend on timing. */
  rng: () => number;
}
const newUser = (prefix: string, i: number): PlantedUser => {
  const own = makeRng(prefix === "old" ? 10_000 + i : 20_000 + i);
  return { id: `${prefix}-${i}`, lambda: Array.from({ length: J_TRUE }, () => 2 * gaussian(own)), rng: own };
};
const utility = (u: PlantedUser, e: number[]) => W_TRUE.reduce((s, row, j) => s + u.lambda[j] * row.reduce((t, w, k) => t + w * e[k], 0), 0);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

let stack: LocalStack;
let dir: string;
let key: string;
const TENANT = "loop-tenant";
/** Bayes accuracy of the plant on every comparison asked (the most any model could predict). */
const bayes: number[] = [];

async function api(method: string, route: string, body: unknown, auth: string) {
  const res = await fetch(`${stack.url}${route}`, { method, headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A user answers ANSWERS questions: the service picks the pair (questions/next), the plant picks the answer. */
async function onboard(u: PlantedUser) {
  for (let q = 0; q < ANSWERS; q++) {
    const candidates = Array.from({ length: CANDIDATES }, () => Array.from({ length: d }, () => gaussian(u.rng) / Math.sqrt(d)));
    const prompt = `${u.id}/q${q}`;
    const question = await api("POST", "/v1/questions/next", { user: u.id, prompt, candidates: candidates.map((embedding) => ({ embedding })) }, key);
    expect(question.status).toBe(200);
    const [a, b] = question.body.ask ? [question.body.a, question.body.b] : [0, 1];
    const p = sigmoid(utility(u, candidates[a]) - utility(u, candidates[b]));
    bayes.push(Math.max(p, 1 - p));
    const [chosen, rejected] = u.rng() < p ? [a, b] : [b, a];
    const fb = await api("POST", "/v1/feedback", { user: u.id, prompt, chosen: { embedding: candidates[chosen] }, rejected: { embedding: candidates[rejected] } }, key);
    expect(fb.status).toBe(200);
  }
}

async function onboardAll(users: PlantedUser[]) {
  for (let i = 0; i < users.length; i += 8) await Promise.all(users.slice(i, i + 8).map(onboard));
}

const metrics = async (basis: string) => (await api("GET", `/admin/tenants/${TENANT}/metrics?group=count&basis=${basis}`, undefined, ADMIN_TOKEN)).body;
/** Personal accuracy over users who had already answered 5 to 19 questions. */
function learnedAccuracy(m: { groups: { key: string; decided: number; personal: { accuracy: number } }[] }) {
  const late = m.groups.filter((g) => g.key === "5-9" || g.key === "10-19");
  const n = late.reduce((s, g) => s + g.decided, 0);
  return late.reduce((s, g) => s + g.personal.accuracy * g.decided, 0) / n;
}
const profileState = async (user: string) => {
  expect((await api("GET", `/v1/users/${user}`, undefined, key)).status).toBe(200); // re-fits under the active basis
  return (await api("GET", `/v1/users/${user}/export`, undefined, key)).body.state;
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pref-loop-"));
  stack = await startLocalStack({ seed: false, embeddings: false, adminToken: ADMIN_TOKEN, quiet: true, isolated: true });
  expect((await api("POST", "/admin/bases", OLD_BASIS, ADMIN_TOKEN)).status).toBe(201);
  const tenant = await api("POST", "/admin/tenants", { id: TENANT, name: "loop", embedder: { kind: "vectors", id: "planted:12" }, basis: OLD_BASIS.id }, ADMIN_TOKEN);
  expect(tenant.status).toBe(201);
  expect((await api("PUT", `/admin/tenants/${TENANT}/limits`, { rate_limit_plan: "unlimited" }, ADMIN_TOKEN)).status).toBe(200);
  key = (await api("POST", `/admin/tenants/${TENANT}/keys`, { name: "loop" }, ADMIN_TOKEN)).body.key;
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
}, 180_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await stack?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("measure, export, retrain, compare, roll out, roll back", () => {
  it("learns what the tenant's users want, proves it live, and can be undone", async () => {
    const service = ["--url", stack.url, "--admin-token", ADMIN_TOKEN, "--tenant", TENANT];
    // 1. Users answer under the old basis, which cannot express their tastes.
    await onboardAll(Array.from({ length: 100 }, (_, i) => newUser("old", i)));
    const before = await profileState("old-0");

    // 2. Export (resumable: a second pull adds nothing), train on the tenant's own log, compare, push.
    const log = path.join(dir, "log.jsonl.gz");
    expect(await runCli(["pull", ...service, "--out", log, "--page-size", "700"])).toBe(0);
    // A pull stopped while appending a page leaves a partial gzip member after what the cursor vouches for.
    fs.appendFileSync(log, zlib.gzipSync('{"seq":999999}\n').subarray(0, 12));
    expect(await runCli(["pull", ...service, "--out", log])).toBe(0);
    const cursor = JSON.parse(fs.readFileSync(`${log}.cursor.json`, "utf8"));
    expect(cursor.comparisons).toBe(100 * ANSWERS);
    const seqs = zlib.gunzipSync(fs.readFileSync(log)).toString("utf8").trim().split("\n").map((l) => JSON.parse(l).seq);
    expect(seqs).toHaveLength(100 * ANSWERS);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1])).toBe(true);
    const run = path.join(dir, "run");
    expect(await runCli(["train", "--data", log, "--out", run, "--bases", String(J_TRUE), "--holdout", "0.3"])).toBe(0);
    const trained = JSON.parse(fs.readFileSync(path.join(run, "basis.json"), "utf8"));
    expect(trained.embedder.id).toBe("planted:12");

    // A candidate that is not better is refused, and nothing is activated.
    const worse = path.join(dir, "worse");
    fs.mkdirSync(worse);
    for (const f of ["split.json", "population.json"]) fs.copyFileSync(path.join(run, f), path.join(worse, f));
    fs.writeFileSync(path.join(worse, "basis.json"), JSON.stringify({ ...OLD_BASIS, id: "another-orthogonal-basis", W: [OLD_BASIS.W[0], ...orthogonalTo(W_TRUE, 2)] }));
    expect(await runCli(["push", ...service, "--basis", path.join(worse, "basis.json"), "--activate", "--if-better", "--margin", "0.01"])).toBe(3);
    expect((await api("GET", `/admin/tenants/${TENANT}`, undefined, ADMIN_TOKEN)).body.active_basis).toBe(OLD_BASIS.id);

    expect(await runCli(["push", ...service, "--basis", path.join(run, "basis.json"), "--activate", "--if-better", "--margin", "0.01"])).toBe(0);
    const tenant = (await api("GET", `/admin/tenants/${TENANT}`, undefined, ADMIN_TOKEN)).body;
    expect(tenant.active_basis).toBe(trained.id);
    expect(tenant.basis_history[0]).toMatchObject({ basis: trained.id, previous: OLD_BASIS.id, rolled_back_at: null });

    // 3. New users under the new basis: their own answers are predicted far better than the old basis managed.
    await onboardAll(Array.from({ length: 50 }, (_, i) => newUser("new", i)));
    const oldMetrics = await metrics(OLD_BASIS.id);
    const newMetrics = await metrics(trained.id);
    const ceiling = bayes.reduce((a, b) => a + b, 0) / bayes.length;
    // Half of the plant's learnable margin (its Bayes accuracy above chance): no tuned constant.
    const margin = (ceiling - 0.5) / 2;
    expect(learnedAccuracy(newMetrics)).toBeGreaterThan(learnedAccuracy(oldMetrics) + margin);
    // Over everyone who had answered at least once, the lift over the population model is clearly positive.
    const answered = newMetrics.groups.filter((g: { key: string }) => g.key !== "0");
    const liftOfLate = answered.at(-1).lift;
    expect(liftOfLate.low).toBeGreaterThan(0);
    expect(newMetrics.total.lift.low).toBeGreaterThan(0);

    // 4. Roll back: the old basis again, and an old user's posterior exactly as it was.
    expect((await profileState("old-0")).basis).toBe(trained.id);
    expect(await runCli(["rollback", ...service])).toBe(0);
    expect((await api("GET", `/admin/tenants/${TENANT}`, undefined, ADMIN_TOKEN)).body.active_basis).toBe(OLD_BASIS.id);
    const after = await profileState("old-0");
    expect(after.basis).toBe(OLD_BASIS.id);
    expect(after.mean).toEqual(before.mean);
    expect(after.precision_chol).toEqual(before.precision_chol);
  }, 600_000);
});
