// `pref deploy` end to end without a Cloudflare account: a stand-in `wrangler` first on PATH plays the account
// (test/support/fake-wrangler), and a local stack (the real Worker under wrangler dev, real local D1) plays the
// deployed Worker for the admin, seeding and health steps. The tests run in order on one account: a first
// deploy, a repeat, a fresh checkout, operator changes, then failures. The first deploy and the terminal run start
// `pref` as its own process, as an operator does; the others call the same CLI entry in this process (faster).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack.ts";
import { projectRoot } from "../../scripts/processes.ts";
import { createFakeAccount, runDeploy as runDeployProcess, runDeployInProcess, runDeployOnTerminal, type DeployRun, type FakeAccount } from "../support/fake-wrangler/harness.ts";

const ADMIN_TOKEN = "adm_deploy_test_token_0123456789";
const UPSTREAM_KEY = "sk-upstream-test-key-do-not-leak";
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const basisPath = path.join("basis", "default", "basis.json");
const basis = JSON.parse(readFileSync(path.join(projectRoot, basisPath), "utf8")) as { id: string; embedder: { id: string; d: number } };
const projectConfig = readFileSync(path.join(projectRoot, "wrangler.toml"), "utf8");

let stack: LocalStack;
let account: FakeAccount;
/** Seconds per run: the whole process, and the deploy's own steps (its summary line), for the report. */
const times: Record<string, string> = {};
const timed = (name: string, run: DeployRun) => {
  const steps = /Deployed pref-edge-staging in ([\d.]+) s/.exec(run.stdout)?.[1] ?? "-";
  times[name] = `${run.seconds.toFixed(1)} (steps ${steps})`;
};

beforeAll(async () => {
  // The deployed Worker's stand-in: the Worker as wrangler dev runs it, with the ADMIN_TOKEN the deploy will set.
  stack = await startLocalStack({ seed: false, embeddings: false, adminToken: ADMIN_TOKEN, quiet: true });
  account = createFakeAccount(stack.url);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (account) rmSync(account.dir, { recursive: true, force: true });
  console.log(`deploy run times (s): ${JSON.stringify(times)}`);
});

const first = [
  "whoami --json",
  "d1 create pref-edge-staging --config CONFIG",
  "d1 list --json --config CONFIG",
  "d1 migrations apply DB --remote --env staging --config CONFIG",
  "deploy --env staging --config CONFIG",
  "secret list --env staging --config CONFIG --format json",
  "secret put ADMIN_TOKEN --env staging --config CONFIG",
  "secret put HASH_SECRET --env staging --config CONFIG",
  "secret put UPSTREAM_API_KEY --env staging --config CONFIG",
];
const repeat = [
  "whoami --json",
  "d1 list --json --config CONFIG",
  "d1 migrations apply DB --remote --env staging --config CONFIG",
  "deploy --env staging --config CONFIG",
  "secret list --env staging --config CONFIG --format json",
];
const vectorsDeploy = ["--basis", basisPath, "--embedder", "vectors"];

const runDeploy = runDeployInProcess;
const stagingId = () => account.state().databases.find((d) => d.name === "pref-edge-staging")?.uuid;
const admin = async (route: string) => (await fetch(`${stack.url}${route}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
const printedKeys = (run: DeployRun) => run.stdout.match(/pk_[A-Za-z0-9_-]+/g) ?? [];

describe("pref deploy against a stand-in account", () => {
  it("refuses the shipped offline basis before touching the account, and says what to do", async () => {
    const run = await runDeploy(account, [], { PREF_ADMIN_TOKEN: ADMIN_TOKEN });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`was trained on embedder "${basis.embedder.id}"`);
    expect(run.stderr).toContain("npx pref production-basis --embedder workers-ai");
    expect(run.stderr).toContain("--embedder vectors");
    expect(run.calls).toEqual([]);
  });

  it("refuses to start without an admin token when nobody can be asked", async () => {
    const run = await runDeploy(account, vectorsDeploy, {});
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("set PREF_ADMIN_TOKEN");
    expect(run.calls).toEqual([]);
  });

  it("first deploy: creates and records the database, migrates, deploys, sets secrets, seeds, checks health", async () => {
    const run = await runDeployProcess(account, vectorsDeploy, { PREF_ADMIN_TOKEN: ADMIN_TOKEN, PREF_UPSTREAM_KEY: UPSTREAM_KEY });
    timed("first", run);
    expect(run.stderr + run.stdout).not.toContain("deploy stopped");
    expect(run.code).toBe(0);
    expect(run.calls).toEqual(first);

    // The id is written over the staging placeholder only: the rest of wrangler.toml is untouched.
    const id = stagingId()!;
    const config = readFileSync(account.config, "utf8");
    const changed = config.split("\n").filter((line, i) => line !== projectConfig.split("\n")[i]);
    expect(changed).toEqual([`database_id = "${id}"`]);
    expect(config.split("\n").length).toBe(projectConfig.split("\n").length);

    // Migrations reached the database, the secrets are the values given (the account keeps digests only).
    const state = account.state();
    expect(state.databases[0].applied).toEqual(readdirSync(path.join(projectRoot, "migrations")).filter((f) => f.endsWith(".sql")).sort());
    const worker = state.workers["pref-edge-staging"];
    expect(worker).toEqual({ deployments: 1, secrets: { ADMIN_TOKEN: sha256(ADMIN_TOKEN), HASH_SECRET: expect.any(String), UPSTREAM_API_KEY: sha256(UPSTREAM_KEY) } });
    // The hash key was generated for this Worker, never shown.
    expect(run.stdout + run.stderr).not.toMatch(/[0-9a-f]{64}/);

    // The key is printed once, and works: a rank with vectors of the basis's dimension.
    const keys = printedKeys(run);
    expect(keys).toHaveLength(1);
    const d = basis.embedder.d;
    const vector = (k: number) => Array.from({ length: d }, (_, i) => Math.sin(i * (k + 1)) / 10);
    const rank = await fetch(`${stack.url}/v1/rank`, {
      method: "POST",
      headers: { authorization: `Bearer ${keys[0]}`, "content-type": "application/json" },
      body: JSON.stringify({ user: "alice", prompt: "hi", candidates: [{ embedding: vector(1) }, { embedding: vector(2) }] }),
    });
    expect(rank.status).toBe(200);
    expect(((await rank.json()) as { basis: string }).basis).toBe(basis.id);

    const tenant = (await admin("/admin/tenants/main")) as { embedder: { kind: string; id: string }; basis: string; keys: unknown[] };
    expect(tenant).toMatchObject({ embedder: { kind: "vectors", id: basis.embedder.id }, basis: basis.id });
    expect(tenant.keys).toHaveLength(1);
    expect(((await (await fetch(`${stack.url}/health`)).json()) as { basis: string }).basis).toBe(basis.id);
    expect(run.stdout).toContain(`Deployed pref-edge-staging in`);
    expect(run.stdout).toContain(stack.url);

    // No secret value was written anywhere the deploy touched.
    for (const file of readdirSync(account.dir)) {
      const full = path.join(account.dir, file);
      if (!statSync(full).isFile()) continue;
      const text = readFileSync(full, "utf8");
      expect(text).not.toContain(ADMIN_TOKEN);
      expect(text).not.toContain(UPSTREAM_KEY);
    }
    expect(readFileSync(path.join(projectRoot, "wrangler.toml"), "utf8")).toBe(projectConfig);
  }, 120_000);

  it("a second run changes nothing: no new database, secret, tenant or key", async () => {
    const config = readFileSync(account.config, "utf8");
    const run = await runDeploy(account, vectorsDeploy, { PREF_ADMIN_TOKEN: ADMIN_TOKEN, PREF_UPSTREAM_KEY: UPSTREAM_KEY });
    timed("repeat", run);
    expect(run.code).toBe(0);
    expect(run.calls).toEqual(repeat);
    expect(readFileSync(account.config, "utf8")).toBe(config);
    expect(printedKeys(run)).toEqual([]);
    expect(run.stderr).toContain(`basis ${basis.id} is already there`);
    expect(run.stderr).toContain("UPSTREAM_API_KEY: already set on pref-edge-staging, left as it is");
    const state = account.state();
    expect(state.databases).toHaveLength(1);
    expect(state.workers["pref-edge-staging"].deployments).toBe(2);
    expect(((await admin("/admin/tenants/main")) as { keys: unknown[] }).keys).toHaveLength(1);
    expect(((await admin("/admin/bases")) as { bases: unknown[] }).bases).toHaveLength(1);
  }, 120_000);

  it("a fresh checkout keeps what an operator changed: the database (found by d1 create's 'already exists'), a rotated secret, a revoked key, the tenant's basis", async () => {
    account.resetConfig(); // the placeholder id again, as in a checkout where nobody committed the recorded id
    account.setState((s) => (s.workers["pref-edge-staging"].secrets.UPSTREAM_API_KEY = sha256("rotated-by-hand")));
    const tenant = (await admin("/admin/tenants/main")) as { keys: { id: string }[] };
    await fetch(`${stack.url}/admin/tenants/main/keys/${tenant.keys[0].id}`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
    const operatorBasis = { ...JSON.parse(readFileSync(path.join(projectRoot, basisPath), "utf8")), id: "operator-basis-1" };
    expect((await fetch(`${stack.url}/admin/bases`, { method: "POST", headers, body: JSON.stringify(operatorBasis) })).status).toBe(201);
    const put = await fetch(`${stack.url}/admin/tenants/main/basis`, { method: "PUT", headers, body: JSON.stringify({ basis: "operator-basis-1" }) });
    expect(put.status).toBe(200);

    const run = await runDeploy(account, vectorsDeploy, { PREF_ADMIN_TOKEN: ADMIN_TOKEN, PREF_UPSTREAM_KEY: UPSTREAM_KEY });
    timed("freshCheckout", run);
    expect(run.code).toBe(0);
    expect(run.calls.slice(0, 3)).toEqual(first.slice(0, 3));
    expect(run.stderr).toContain("A database with that name already exists");
    expect(readFileSync(account.config, "utf8")).toContain(`database_id = "${stagingId()}"`);
    expect(account.state().databases).toHaveLength(1);
    expect(account.state().workers["pref-edge-staging"].secrets.UPSTREAM_API_KEY).toBe(sha256("rotated-by-hand"));
    expect((await admin("/admin/tenants/main")) as { basis: string | null }).toMatchObject({ basis: "operator-basis-1" });
    expect(run.stdout).toContain(`note: tenant main does not use basis ${basis.id}; to switch it: curl -X PUT`);
    // The only key was revoked by the operator: it stays so, and the summary says how to create one.
    expect(printedKeys(run)).toEqual([]);
    expect(run.stdout).toContain("note: tenant main has no live API key (all 1 revoked)");

    const update = await runDeploy(account, [...vectorsDeploy, "--update-secrets"], { PREF_ADMIN_TOKEN: ADMIN_TOKEN, PREF_UPSTREAM_KEY: UPSTREAM_KEY });
    timed("updateSecrets", update);
    expect(update.code).toBe(0);
    expect(update.calls).toContain("secret put UPSTREAM_API_KEY --env staging --config CONFIG");
    expect(account.state().workers["pref-edge-staging"].secrets.UPSTREAM_API_KEY).toBe(sha256(UPSTREAM_KEY));
  }, 180_000);

  it("a failing step stops the deploy with its name, wrangler's error and a non-zero exit; later steps do not run", async () => {
    const error = "\n✘ [ERROR] Migration 0001_example.sql failed with the following errors:\n  no such table: users: SQLITE_ERROR [code: 7500]\n";
    account.setState((s) => (s.fail = { match: "d1 migrations apply", stderr: error }));
    const run = await runDeploy(account, vectorsDeploy, { PREF_ADMIN_TOKEN: ADMIN_TOKEN });
    timed("failing", run);
    account.setState((s) => delete s.fail);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("deploy stopped at step 3/8 (apply migrations (remote))");
    expect(run.stderr).toContain("no such table: users: SQLITE_ERROR [code: 7500]");
    expect(run.stderr).toContain("safe to repeat");
    expect(run.stderr).not.toContain("npm run build:wasm");
    expect(run.calls).toEqual(repeat.slice(0, 3));
    expect(account.state().workers["pref-edge-staging"].deployments).toBe(4);
  }, 120_000);

  it("a wrong admin token is named as such (the Worker's secret is kept, not overwritten)", async () => {
    const run = await runDeploy(account, vectorsDeploy, { PREF_ADMIN_TOKEN: "adm_not_the_real_token_000000" });
    timed("wrongToken", run);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("deploy stopped at step 7/8");
    expect(run.stderr).toContain("the admin token given is not pref-edge-staging's ADMIN_TOKEN (401)");
    expect(run.calls).not.toContain("secret put ADMIN_TOKEN --env staging --config CONFIG");
    expect(account.state().workers["pref-edge-staging"].secrets.ADMIN_TOKEN).toBe(sha256(ADMIN_TOKEN));
  }, 120_000);

  it("on a terminal it asks for the admin token without echoing it; without a login it stops at step 1 and says how to log in", async () => {
    account.setState((s) => (s.loggedIn = false));
    const before = account.calls().length;
    const typed = "adm_typed_on_the_terminal_42";
    const { code, screen } = await runDeployOnTerminal(account, vectorsDeploy, "ADMIN_TOKEN of pref-edge-staging", typed);
    account.setState((s) => (s.loggedIn = true));
    expect(screen).toContain("empty = generate one");
    expect(screen).not.toContain(typed);
    expect(code).toBe(1);
    expect(screen).toContain("deploy stopped at step 1/8 (wrangler login)");
    expect(screen).toContain("npx wrangler login");
    expect(account.calls().slice(before)).toEqual(["whoami --json"]);
  });
});
