// `pref deploy` (npm run deploy): from a logged-in wrangler to a serving tenant, in named steps that are safe to
// repeat. Everything that can be checked without the account (the config, the basis and its embedder, the admin
// token) is checked before the first remote call. docs/deploy.md explains each step.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { AdminClient, AdminError } from "./admin-client.ts";
import type { AskSecret } from "./ask.ts";
import { ensureDatabase } from "./database.ts";
import { checkHealth } from "./health.ts";
import { PRODUCTION_BASIS, projectRoot } from "./paths.ts";
import { buildCore, deployWorker } from "./publish.ts";
import { ensureSecrets, type WantedSecret } from "./secrets.ts";
import { seed, type BasisFile } from "./seed.ts";
import { DeployError, step } from "./steps.ts";
import { chooseTenantEmbedder, type EmbedderKind, type TenantEmbedder } from "./tenant-embedder.ts";
import { D1_BINDING, readEnvironment, type EnvironmentConfig } from "./wrangler-config.ts";
import { WranglerError, wranglerRunner, type Wrangler } from "./wrangler-cli.ts";

export interface DeployOptions {
  env: string;
  config: string;
  basis?: string;
  embedder?: EmbedderKind;
  tenant: string;
  tenantName?: string;
  /** The Worker's public URL when wrangler does not name one (a custom domain or route). */
  url?: string;
  updateSecrets: boolean;
  /** How long to wait for a fresh deployment to be served (seconds). */
  wait: number;
}

export interface DeployIo {
  log: (line: string) => void;
  out: (text: string) => void;
  ask: AskSecret;
  env: NodeJS.ProcessEnv;
}

const SHIPPED_BASIS = path.join("basis", "default", "basis.json");
const STEPS = 8;

function defaultBasisPath(): string {
  const production = path.join(projectRoot, PRODUCTION_BASIS);
  return existsSync(production) ? production : path.join(projectRoot, SHIPPED_BASIS);
}

function readBasis(given: string): BasisFile {
  const full = path.resolve(given);
  const file = path.relative(process.cwd(), full) || full; // as the operator would write it
  if (!existsSync(full)) throw new DeployError(`no basis at ${file} (train one: npx pref production-basis --help)`);
  const text = readFileSync(full, "utf8");
  let json: { id?: unknown; embedder?: { id?: unknown } };
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DeployError(`${file} is not JSON: ${(err as Error).message}`);
  }
  if (typeof json.id !== "string" || typeof json.embedder?.id !== "string") throw new DeployError(`${file} is not a basis artifact (no "id" and "embedder.id")`);
  return { path: file, text, id: json.id, embedderId: json.embedder.id };
}

interface Plan {
  cfg: EnvironmentConfig;
  basis: BasisFile;
  embedder: TenantEmbedder;
  adminToken: string;
  adminTokenGenerated: boolean;
  version: string;
}

async function preflight(o: DeployOptions, io: DeployIo): Promise<Plan> {
  const cfg = readEnvironment(path.resolve(o.config), o.env);
  const version = cfg.vars.PREF_VERSION;
  if (!version) throw new DeployError(`[env.${o.env}.vars] in ${cfg.configPath} has no PREF_VERSION (the health check compares it)`);
  const basis = readBasis(o.basis ?? defaultBasisPath());
  const embedder = chooseTenantEmbedder(basis.embedderId, o.embedder, { basisFile: basis.path, env: o.env, vars: cfg.vars, hasAiBinding: cfg.hasAiBinding });
  let adminToken = io.env.PREF_ADMIN_TOKEN || (await io.ask(`ADMIN_TOKEN of ${cfg.workerName} (the bearer token of its /admin routes; empty = generate one, for a first deploy):`));
  let adminTokenGenerated = false;
  if (adminToken === null)
    throw new DeployError(
      `no admin token: set PREF_ADMIN_TOKEN (in CI, from a secret) or run from a terminal to be asked. ` +
        `On a first deploy it becomes the Worker's ADMIN_TOKEN secret; later deploys need the same value.`,
    );
  if (adminToken === "") {
    adminToken = `adm_${randomBytes(24).toString("base64url")}`;
    adminTokenGenerated = true;
  }
  if (adminToken.length < 16) throw new DeployError("the admin token is shorter than 16 characters: anyone who guesses it owns every tenant");
  return { cfg, basis, embedder, adminToken, adminTokenGenerated, version };
}

async function checkLogin(wrangler: Wrangler, io: DeployIo): Promise<void> {
  let who: { loggedIn?: boolean; email?: string; authType?: string; accounts?: { id: string; name: string }[] };
  let stdout: string;
  try {
    stdout = (await wrangler(["whoami", "--json"], { echo: false })).stdout;
  } catch (err) {
    // Not logged in: wrangler answers {"loggedIn": false} and exits 1. Anything else is its own error, shown as is.
    if (!(err instanceof WranglerError) || !/"loggedIn":\s*false/.test(err.output)) throw err;
    stdout = '{"loggedIn": false}';
  }
  try {
    who = JSON.parse(stdout);
  } catch {
    throw new DeployError(`wrangler whoami --json did not answer JSON:\n${stdout.slice(0, 500)}`);
  }
  if (!who.loggedIn)
    throw new DeployError("wrangler is not logged in: run `npx wrangler login`, or set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID (docs/deploy.md, \"Prerequisites\")");
  const accounts = who.accounts ?? [];
  const chosen = io.env.CLOUDFLARE_ACCOUNT_ID;
  if (accounts.length > 1 && !chosen)
    throw new DeployError(`this login sees ${accounts.length} accounts (${accounts.map((a) => `${a.name} ${a.id}`).join(", ")}): set CLOUDFLARE_ACCOUNT_ID to the one to deploy to`);
  const account = accounts.find((a) => a.id === chosen) ?? accounts[0];
  io.log(`logged in${who.email ? ` as ${who.email}` : ""} (${who.authType ?? "?"})${account ? `, account ${account.name} (${account.id})` : ""}`);
}

function wantedSecrets(plan: Plan, env: NodeJS.ProcessEnv): WantedSecret[] {
  const secrets: WantedSecret[] = [{ name: "ADMIN_TOKEN", value: plan.adminToken, purpose: "bearer token of the /admin routes", required: true }];
  if (plan.embedder.kind === "openai")
    secrets.push({ name: "EMBEDDINGS_API_KEY", value: env.PREF_EMBED_KEY || null, purpose: `key of ${plan.cfg.vars.EMBEDDINGS_URL}, from PREF_EMBED_KEY`, required: false });
  secrets.push({ name: "UPSTREAM_API_KEY", value: env.PREF_UPSTREAM_KEY || null, purpose: "key of the chat LLM (UPSTREAM_URL), from PREF_UPSTREAM_KEY", required: false });
  return secrets;
}

export async function runDeploy(o: DeployOptions, io: DeployIo): Promise<void> {
  const started = performance.now();
  const plan = await preflight(o, io);
  const { cfg } = plan;
  io.log(
    `Deploying ${cfg.workerName} (environment ${o.env}, ${cfg.configPath}): D1 ${cfg.database.name}, basis ${plan.basis.id} (${plan.basis.path}), ` +
      `tenant ${o.tenant} on embedder ${plan.embedder.kind} ${plan.embedder.id}`,
  );
  const wrangler = wranglerRunner(io.log);
  const log = io.log;

  await step(log, 1, STEPS, "wrangler login", () => checkLogin(wrangler, io));
  const database = await step(log, 2, STEPS, `D1 database ${cfg.database.name}`, () => ensureDatabase(wrangler, cfg, log));
  await step(log, 3, STEPS, "apply migrations (remote)", () =>
    wrangler(["d1", "migrations", "apply", D1_BINDING, "--remote", "--env", o.env, "--config", cfg.configPath]),
  );
  await step(log, 4, STEPS, "build the WASM core", () => buildCore(log));
  const deployedUrl = await step(log, 5, STEPS, `deploy ${cfg.workerName}`, () => deployWorker(wrangler, cfg));
  const url = (o.url ?? deployedUrl)?.replace(/\/+$/, "");
  if (!url) throw new DeployError(`wrangler named no URL for ${cfg.workerName} (workers_dev off, routes only?): pass --url https://<its domain>`);
  log(`URL: ${url}`);
  const secrets = await step(log, 6, STEPS, "secrets", async () => {
    const outcome = await ensureSecrets(wrangler, cfg, wantedSecrets(plan, io.env), { update: o.updateSecrets, ask: io.ask, log });
    if (plan.adminTokenGenerated && outcome.kept.includes("ADMIN_TOKEN"))
      throw new DeployError(`ADMIN_TOKEN is already set on ${cfg.workerName}: give its value in PREF_ADMIN_TOKEN (or rotate it: npx wrangler secret put ADMIN_TOKEN --env ${o.env})`);
    return outcome;
  });
  const seeded = await step(log, 7, STEPS, "basis, tenant and key (admin API)", async () => {
    const admin = new AdminClient(url, plan.adminToken);
    const deadline = Date.now() + o.wait * 1000;
    try {
      await admin.until("GET", "/admin/bases", deadline, secrets.put.includes("ADMIN_TOKEN"));
    } catch (err) {
      if (err instanceof AdminError && err.response.status === 401)
        throw new DeployError(`the admin token given is not ${cfg.workerName}'s ADMIN_TOKEN (401): set PREF_ADMIN_TOKEN to it, or rotate it with npx wrangler secret put ADMIN_TOKEN --env ${o.env}`);
      throw err;
    }
    return seed(admin, { basis: plan.basis, tenant: { id: o.tenant, name: o.tenantName ?? o.tenant, embedder: plan.embedder } }, log);
  });
  const health = await step(log, 8, STEPS, `GET ${url}/health`, () => checkHealth(url, plan.version, Date.now() + o.wait * 1000));
  log(`health: ${health.status}, version ${health.version}, core ${health.core}, db ${health.db}, default basis ${health.basis}`);

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const lines = [
    "",
    `Deployed ${cfg.workerName} in ${seconds} s: ${url}`,
    `  D1 ${cfg.database.name} (${database.id})${database.created ? ", created" : ""}${database.recorded ? `; its id is now in ${path.relative(process.cwd(), cfg.configPath) || cfg.configPath}: commit it` : ""}`,
    `  secrets set: ${secrets.put.join(", ") || "none"}; kept: ${secrets.kept.join(", ") || "none"}; not set: ${secrets.skipped.join(", ") || "none"}`,
    `  tenant ${o.tenant}${seeded.tenantCreated ? " (created)" : ""}, basis ${plan.basis.id}${seeded.basisUploaded ? " (uploaded)" : ""}`,
    ...seeded.notes.map((n) => `  note: ${n}`),
  ];
  if (plan.adminTokenGenerated) lines.push(`  admin token (generated; shown once, store it now): ${plan.adminToken}`);
  if (seeded.key) lines.push(`  API key of tenant ${o.tenant} (shown once, store it now): ${seeded.key}`);
  const candidates = plan.embedder.kind === "vectors" ? '[{"embedding":[...]},{"embedding":[...]}]' : '["Hello!","Hi there, how can I help?"]';
  lines.push(`  try: curl -s ${url}/v1/rank -H "authorization: Bearer <API key>" -H "content-type: application/json" -d '{"user":"alice","prompt":"Hi","candidates":${candidates}}'`);
  io.out(`${lines.join("\n")}\n`);
}
