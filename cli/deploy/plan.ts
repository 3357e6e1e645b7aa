// The deploy's plan, made before anything remote: the environment as wrangler reads it, the basis file, the tenant's
// embedder (refused here if a Worker could not compute its vectors), and the admin token (given, asked, or made).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { AskSecret } from "./ask.ts";
import { PRODUCTION_BASIS, projectRoot } from "./paths.ts";
import type { BasisFile } from "./seed.ts";
import { DeployError } from "./steps.ts";
import { chooseTenantEmbedder, type EmbedderKind, type TenantEmbedder } from "./tenant-embedder.ts";
import { readEnvironment, type EnvironmentConfig } from "./wrangler-config.ts";

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

export interface Plan {
  cfg: EnvironmentConfig;
  basis: BasisFile;
  embedder: TenantEmbedder;
  adminToken: string;
  adminTokenGenerated: boolean;
  version: string;
}

/** Everything that can be checked without the account, checked before the first remote call. */
export async function preflight(o: DeployOptions, io: DeployIo): Promise<Plan> {
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
