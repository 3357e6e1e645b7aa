// `npm start`: the whole product on this machine, offline, in one command. Local D1 persists under
// .wrangler/state between runs. Honours PREF_PORT, PREF_DEV_KEY, PREF_ADMIN_TOKEN and, for chat,
// PREF_UPSTREAM_URL / PREF_UPSTREAM_KEY / PREF_UPSTREAM_MODEL, PREF_USER_STORE (d1 or durable-objects), PREF_BASIS (another basis artifact to seed)
// and PREF_STATE_DIR (where the local D1 lives). Ctrl-C stops everything it started.
import path from "node:path";
import { DEFAULT_ADMIN_TOKEN, DEFAULT_DEV_KEY, startLocalStack, type LocalStack } from "./local-stack.ts";
import { projectRoot } from "./processes.ts";

const env = process.env;
const upstreamVars: Record<string, string> = {};
if (env.PREF_UPSTREAM_URL) upstreamVars.UPSTREAM_URL = env.PREF_UPSTREAM_URL;
if (env.PREF_UPSTREAM_KEY) upstreamVars.UPSTREAM_API_KEY = env.PREF_UPSTREAM_KEY;
if (env.PREF_UPSTREAM_MODEL) upstreamVars.UPSTREAM_MODEL = env.PREF_UPSTREAM_MODEL;
// PREF_USER_STORE=durable-objects: tenants without their own store setting (the dev tenant) keep their users in
// Durable Objects (SQLite, under the state dir), archived through the local queue to the local R2 (docs/scale.md).
if (env.PREF_USER_STORE) upstreamVars.PREF_USER_STORE = env.PREF_USER_STORE;

let stack: LocalStack | undefined;
let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await stack?.stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
process.on("SIGHUP", () => void shutdown(0));
// If whoever started us (npm, a shell) dies without passing a signal on, don't leave the services running.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && void shutdown(0), 1_000).unref();

try {
  stack = await startLocalStack({
    port: env.PREF_PORT ? Number(env.PREF_PORT) : 8787,
    persistDir: env.PREF_STATE_DIR || path.join(projectRoot, ".wrangler", "state"),
    adminToken: env.PREF_ADMIN_TOKEN || DEFAULT_ADMIN_TOKEN,
    devKey: env.PREF_DEV_KEY || DEFAULT_DEV_KEY,
    basisPath: env.PREF_BASIS || undefined,
    vars: upstreamVars,
  });
} catch (err) {
  console.error(`npm start failed: ${err instanceof Error ? err.message : err}`);
  await shutdown(1);
}

if (stack) {
  const { url, devKey, adminToken, embeddingsUrl, basisId } = stack;
  const chat = upstreamVars.UPSTREAM_URL
    ? `chat:        POST ${url}/v1/chat/completions (upstream ${upstreamVars.UPSTREAM_URL})`
    : "chat:        set PREF_UPSTREAM_URL (+ PREF_UPSTREAM_MODEL, PREF_UPSTREAM_KEY) to enable /v1/chat/completions";
  console.log(`
PReF Edge is running (Ctrl-C stops it).
  playground:  ${url}/
  API docs:    ${url}/docs   (OpenAPI: ${url}/openapi.json)
  health:      ${url}/health
  dev API key: ${devKey}   (tenant "dev", basis ${basisId})
  admin token: ${adminToken}
  embeddings:  ${embeddingsUrl}
  ${chat}

Try it:
  curl -s ${url}/v1/rank -H 'authorization: Bearer ${devKey}' -H 'content-type: application/json' \\
    -d '{"user":"alice","prompt":"How do I boil an egg?","candidates":["Boil it for 8 minutes.","Great question! Place the egg in boiling water for about 8 minutes, then cool it in ice water. Would you like tips for a soft yolk?"]}'
`);
}
