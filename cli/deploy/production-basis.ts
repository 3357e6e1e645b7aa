// `pref production-basis`: a basis for the embedder a deployed Worker uses (Workers AI, or an OpenAI-compatible
// API), trained on the shipped benchmark exactly as the default basis is, with the same commands a person would
// type (make-attributes, train --holdout 0, label-basis), only with the production embedder. Workers AI is reached
// through its OpenAI-compatible REST endpoint, so the offline trainer needs nothing new; the deployed tenant then
// embeds with the AI binding, the same model on the response text alone.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { embedRemote } from "../embedders/openai.ts";
import { CliError } from "../errors.ts";
import { note } from "../progress.ts";
import { projectRoot } from "./paths.ts";

export const WORKERS_AI_DEFAULT_MODEL = "@cf/baai/bge-base-en-v1.5";
export const OPENAI_DEFAULT_MODEL = "text-embedding-3-small";

export interface ProductionBasisOptions {
  embedder: "workers-ai" | "openai";
  model?: string;
  embedUrl?: string;
  data: string;
  out: string;
  workDir: string;
  prompts: number;
  bases: number;
  cacheDir?: string;
}

export interface Endpoint {
  baseUrl: string;
  apiKey: string | undefined;
  model: string;
}

/** Where the training embeds, from flags and the environment; says what is missing rather than guessing. */
export function resolveEndpoint(o: Pick<ProductionBasisOptions, "embedder" | "model" | "embedUrl">, env: NodeJS.ProcessEnv): Endpoint {
  if (o.embedder === "workers-ai") {
    const model = o.model ?? WORKERS_AI_DEFAULT_MODEL;
    if (!model.startsWith("@cf/")) throw new CliError(`Workers AI models are named "@cf/...", not "${model}"`);
    const apiKey = env.PREF_EMBED_KEY || env.CLOUDFLARE_API_TOKEN;
    let baseUrl = o.embedUrl;
    if (!baseUrl) {
      if (!env.CLOUDFLARE_ACCOUNT_ID) throw new CliError("set CLOUDFLARE_ACCOUNT_ID (npx wrangler whoami shows it): Workers AI's REST endpoint is per account");
      const api = (env.CLOUDFLARE_API_BASE_URL || "https://api.cloudflare.com/client/v4").replace(/\/+$/, "");
      baseUrl = `${api}/accounts/${env.CLOUDFLARE_ACCOUNT_ID}/ai/v1`;
    }
    if (!apiKey) throw new CliError("set CLOUDFLARE_API_TOKEN to an API token with the Workers AI permission (docs/deploy.md, \"Embedder and basis\")");
    return { baseUrl: baseUrl.replace(/\/+$/, ""), apiKey, model };
  }
  const baseUrl = o.embedUrl || env.PREF_EMBED_URL || env.OPENAI_BASE_URL || "https://api.openai.com/v1";
  return { baseUrl: baseUrl.replace(/\/+$/, ""), apiKey: env.PREF_EMBED_KEY || env.OPENAI_API_KEY, model: o.model ?? OPENAI_DEFAULT_MODEL };
}

/** The embedder id the basis records; the deploy derives the tenant's embedder from it. */
export const embedderIdFor = (endpoint: Endpoint) => `openai:${endpoint.model}:response`;

function pref(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  note(`$ pref ${args.join(" ")}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, "cli", "bin", "pref.js"), ...args], { cwd: projectRoot, env, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new CliError(`pref ${args[0]} exited with ${code} (its message is above)`, 1))));
  });
}

export async function runProductionBasis(options: ProductionBasisOptions, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  // The steps run from the project root: paths given relative to where the operator is are made absolute first.
  const o = { ...options, data: path.resolve(options.data), out: path.resolve(options.out), workDir: path.resolve(options.workDir), cacheDir: options.cacheDir && path.resolve(options.cacheDir) };
  if (!existsSync(o.data)) throw new CliError(`no benchmark data at ${o.data}: pass --data <prompts with responses, JSONL> (the AlpacaEval data set or one in its format: docs/data.md)`);
  const endpoint = resolveEndpoint(o, env);
  const embedder = embedderIdFor(endpoint);
  // One text first: a wrong URL, key or model fails here in a second, not after the benchmark is built.
  const [probe] = await embedRemote(endpoint, endpoint.model, ["Hello! How can I help you today?"]);
  note(`${endpoint.baseUrl} embeds with ${endpoint.model}: d = ${probe.length}`);

  mkdirSync(o.workDir, { recursive: true });
  const attrs = path.join(o.workDir, `attrs-${o.prompts}.jsonl.gz`);
  const childEnv = { ...env, PREF_EMBED_URL: endpoint.baseUrl, PREF_EMBED_KEY: endpoint.apiKey ?? "", ...(o.cacheDir ? { PREF_CACHE_DIR: o.cacheDir } : {}) };
  if (existsSync(attrs)) note(`${attrs} exists: reusing the benchmark`);
  else await pref(["make-attributes", "--data", o.data, "--out", attrs, "--prompts", String(o.prompts)], childEnv);
  // The key travels in the environment, not in arguments (which other users of the machine can list).
  await pref(["train", "--data", attrs, "--out", o.out, "--holdout", "0", "--bases", String(o.bases), "--embedder", embedder], childEnv);
  const basisFile = path.join(o.out, "basis.json");
  await pref(["label-basis", "--basis", basisFile, "--data", attrs], childEnv);
  return basisFile;
}
