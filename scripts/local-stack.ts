// The product on this machine, offline: the local embeddings server (USE-lite, OpenAI-compatible), the Worker under
// `wrangler dev` with a migrated local D1, and a seeded `dev` tenant using the shipped default basis.
// Used by `npm start`, `npm run bench:api`, the chat and playground end-to-end tests.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bin, freePort, offlineEnv, projectRoot, runToEnd, startService, waitForHttp, type Service } from "./processes.ts";
import { DEV_TENANT, seedDevTenant } from "./seed.ts";

export const DEFAULT_BASIS_PATH = path.join(projectRoot, "basis", "default", "basis.json");
/** Well-known local-only credentials (override with PREF_DEV_KEY / PREF_ADMIN_TOKEN). Never valid anywhere else. */
export const DEFAULT_DEV_KEY = "pk_dev_local_only_0000000000000000";
export const DEFAULT_ADMIN_TOKEN = "dev-admin-token-local-only";
/** Key of the keyed hashes in local D1 (stable across restarts: stored hashes must keep matching). */
export const DEFAULT_HASH_SECRET = "dev-hash-secret-local-only";
export { DEV_TENANT };

export interface LocalStackOptions {
  /** Worker port; default a free one. */
  port?: number;
  /** Embeddings server port; default a free one. */
  embeddingsPort?: number;
  /** Local D1 state; default a fresh temporary folder, removed by stop() (npm start passes .wrangler/state to keep data). */
  persistDir?: string;
  adminToken?: string;
  devKey?: string;
  /** HASH_SECRET of the Worker (default DEFAULT_HASH_SECRET). */
  hashSecret?: string;
  /** Start the local embeddings server and give the dev tenant the default basis's text embedder (default true). */
  embeddings?: boolean;
  /** Seed the dev tenant, its key and the default basis (default true). */
  seed?: boolean;
  /** Basis artifact to seed (default basis/default/basis.json). */
  basisPath?: string;
  /** Extra Worker vars, e.g. UPSTREAM_URL. */
  vars?: Record<string, string>;
  /** Silence the services' own output (tests); default false. */
  quiet?: boolean;
  /**
   * Keep wrangler's config (and its dev registry) inside the state folder (tests, benchmarks): another `wrangler dev`
   * starting or stopping on this machine then cannot make this one reload its Worker mid-request.
   */
  isolated?: boolean;
  /** Run the Worker of another checkout (with its own node_modules and build/): benchmarks compare against it. */
  root?: string;
}

export interface LocalStack {
  url: string;
  embeddingsUrl: string | null;
  adminToken: string;
  devKey: string;
  tenant: string;
  basisId: string | null;
  /** Process id of `wrangler dev` (its descendants run the Worker: benchmarks read their CPU and memory). */
  serverPid: number;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const adminToken = options.adminToken ?? DEFAULT_ADMIN_TOKEN;
  const devKey = options.devKey ?? DEFAULT_DEV_KEY;
  const persistDir = options.persistDir ?? mkdtempSync(path.join(tmpdir(), "pref-d1-"));
  const useEmbeddings = options.embeddings ?? true;
  const quiet = options.quiet ?? false;
  const services: Service[] = [];
  const stop = async () => {
    await Promise.all(services.map((s) => s.stop()));
    if (!options.persistDir) rmSync(persistDir, { recursive: true, force: true });
  };

  const env = offlineEnv(options.isolated ? { XDG_CONFIG_HOME: path.join(persistDir, "config") } : {});

  try {
    if (!existsSync(path.join(projectRoot, "build", "core.wasm"))) await runToEnd("npm", ["run", "--silent", "build:wasm"], { quiet });
    await runToEnd(options.root ? path.join(options.root, "node_modules", ".bin", "wrangler") : bin("wrangler"), ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir], { quiet: true, env, cwd: options.root });

    let embeddingsUrl: string | null = null;
    if (useEmbeddings) {
      const port = options.embeddingsPort ?? (await freePort());
      const server = startService("embeddings server", process.execPath, [path.join(projectRoot, "cli", "bin", "pref.js"), "serve-embeddings", "--port", String(port)], { quiet });
      services.push(server);
      embeddingsUrl = `http://127.0.0.1:${port}/v1/embeddings`;
      await waitForHttp(`http://127.0.0.1:${port}/v1/models`, 60_000, server);
    }

    const port = options.port ?? (await freePort());
    const seed = options.seed ?? true;
    const vars: Record<string, string> = {
      ADMIN_TOKEN: adminToken,
      HASH_SECRET: options.hashSecret ?? DEFAULT_HASH_SECRET,
      // /health also checks the dev tenant's embedder (the local embeddings server).
      ...(embeddingsUrl ? { EMBEDDINGS_URL: embeddingsUrl, ...(seed ? { HEALTH_TENANT: DEV_TENANT } : {}) } : {}),
      ...options.vars,
    };
    const worker = startService(
      "wrangler dev",
      options.root ? path.join(options.root, "node_modules", ".bin", "wrangler") : bin("wrangler"),
      [
        "dev",
        "--ip", "127.0.0.1",
        "--port", String(port),
        "--inspector-port", String(await freePort()),
        "--persist-to", persistDir,
        "--show-interactive-dev-session=false",
        "--live-reload=false",
        "--log-level", quiet ? "error" : "info",
        ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
      ],
      { quiet, env, cwd: options.root },
    );
    services.push(worker);
    const url = `http://127.0.0.1:${port}`;
    // Up when it answers at all: /health itself may say 503 until the dev tenant (its embedder check) exists.
    await waitForHttp(`${url}/openapi.json`, 90_000, worker);

    let basisId: string | null = null;
    if (seed) {
      const basis = JSON.parse(readFileSync(options.basisPath ?? DEFAULT_BASIS_PATH, "utf8")) as { id: string; embedder: { id: string; d: number } };
      basisId = await seedDevTenant({ url, adminToken, devKey, basis, textEmbedder: embeddingsUrl !== null });
      await waitForHttp(`${url}/health`, 60_000, worker);
    }
    return { url, embeddingsUrl, adminToken, devKey, tenant: DEV_TENANT, basisId, serverPid: worker.child.pid!, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
