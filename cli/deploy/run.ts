// `pref deploy` (npm run deploy): from a logged-in wrangler to a serving tenant, in named steps that are safe to
// repeat, after a plan checked without the account (plan.ts). docs/deploy.md explains each step.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { AdminClient, AdminError } from "../service/admin-client.ts";
import { ensureDatabase } from "./database.ts";
import { checkHealth } from "./health.ts";
import { checkLogin } from "./login.ts";
import { preflight, type DeployIo, type DeployOptions, type Plan } from "./plan.ts";
import { buildCore, deployWorker } from "./publish.ts";
import { ensureSecrets, type WantedSecret } from "./secrets.ts";
import { seed } from "./seed.ts";
import { DeployError, step } from "./steps.ts";
import { D1_BINDING } from "./wrangler-config.ts";
import { wranglerRunner } from "./wrangler-cli.ts";

export type { DeployIo, DeployOptions } from "./plan.ts";

const STEPS = 8;

function wantedSecrets(plan: Plan, env: NodeJS.ProcessEnv): WantedSecret[] {
  const secrets: WantedSecret[] = [
    { name: "ADMIN_TOKEN", value: plan.adminToken, purpose: "bearer token of the /admin routes", required: true },
    // Keys the prompt and user hashes (docs/prompt-hashes.md): generated once, kept by every later run.
    { name: "HASH_SECRET", value: env.PREF_HASH_SECRET || null, purpose: "key of the stored prompt and user hashes, from PREF_HASH_SECRET", required: true, generate: () => randomBytes(32).toString("hex") },
  ];
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

  await step(log, 1, STEPS, "wrangler login", () => checkLogin(wrangler, io.env, log));
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
