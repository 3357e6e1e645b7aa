// The product on this machine, offline: the local embeddings server (USE-lite, OpenAI-compatible), the Worker under
// `wrangler dev` with a migrated local D1, and a seeded `dev` tenant using the shipped default basis.
// Used by `npm start`, `npm run bench:api`, the chat and playground end-to-end tests.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bin, freePort, offlineEnv, projectRoot, runToEnd, startService, waitForHttp, type Service } from "./processes.ts";

export const DEFAULT_BASIS_PATH = path.join(projectRoot, "basis", "default", "basis.json");
/** Well-known local-only credentials (override with PREF_DEV_KEY / PREF_ADMIN_TOKEN). Never valid anywhere else. */
export const DEFAULT_DEV_KEY = "pk_dev_local_only_0000000000000000";
export const DEFAULT_ADMIN_TOKEN = "dev-admin-token-local-only";
export const DEV_TENANT = "dev";

export interface LocalStackOptions {
  /** Worker port; default a free one. */
  port?: number;
  /** Embeddings server port; default a free one. */
  embeddingsPort?: number;
  /** Local D1 state; default a fresh temporary folder, removed by stop() (npm start passes .wrangler/state to keep data). */
  persistDir?: string;
  adminToken?: string;
  devKey?: string;
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
}

export interface LocalStack {
  url: string;
  embeddingsUrl: string | null;
  adminToken: string;
  devKey: string;
  tenant: string;
  basisId: string | null;
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

  try {
    if (!existsSync(path.join(projectRoot, "build", "core.wasm"))) await runToEnd("npm", ["run", "--silent", "build:wasm"], { quiet });
    await runToEnd(bin("wrangler"), ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir], { quiet: true });

    let embeddingsUrl: string | null = null;
    if (useEmbeddings) {
      const port = options.embeddingsPort ?? (await freePort());
      const server = startService("embeddings server", process.execPath, [path.join(projectRoot, "cli", "bin", "pref.js"), "serve-embeddings", "--port", String(port)], { quiet });
      services.push(server);
      embeddingsUrl = `http://127.0.0.1:${port}/v1/embeddings`;
      await waitForHttp(`http://127.0.0.1:${port}/v1/models`, 60_000, server);
    }

    const port = options.port ?? (await freePort());
    const vars: Record<string, string> = {
      ADMIN_TOKEN: adminToken,
      ...(embeddingsUrl ? { EMBEDDINGS_URL: embeddingsUrl } : {}),
      ...options.vars,
    };
    const worker = startService(
      "wrangler dev",
      bin("wrangler"),
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
      { quiet, env: offlineEnv() },
    );
    services.push(worker);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/health`, 90_000, worker);

    let basisId: string | null = null;
    if (options.seed ?? true) basisId = await seedDevTenant(url, adminToken, devKey, embeddingsUrl !== null, options.basisPath ?? DEFAULT_BASIS_PATH);
    return { url, embeddingsUrl, adminToken, devKey, tenant: DEV_TENANT, basisId, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Idempotent: safe on a persisted D1 that was seeded by an earlier run. Returns the active basis id. */
async function seedDevTenant(url: string, adminToken: string, devKey: string, textEmbedder: boolean, basisPath: string): Promise<string> {
  const basis = JSON.parse(readFileSync(basisPath, "utf8")) as { id: string; embedder: { id: string; d: number } };
  const admin = async (method: string, route: string, body?: unknown, okStatuses: number[] = [200, 201]) => {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!okStatuses.includes(res.status)) throw new Error(`seeding: ${method} ${route} -> ${res.status} ${await res.text()}`);
    return res;
  };

  await admin("POST", "/admin/bases", basis, [201, 409]);
  // Also the service-wide default, so /health reports it and any new local tenant starts from it.
  await admin("PUT", "/admin/default-basis", { basis: basis.id });
  const embedder = textEmbedder
    ? { kind: "openai", id: basis.embedder.id, model: basis.embedder.id }
    : { kind: "vectors", id: basis.embedder.id, model: null };
  const existing = await admin("GET", `/admin/tenants/${DEV_TENANT}`, undefined, [200, 404]);
  if (existing.status === 404) {
    await admin("POST", "/admin/tenants", { id: DEV_TENANT, name: "Local development", embedder, basis: basis.id });
  } else {
    const tenant = (await existing.json()) as { basis: string | null; embedder: { id: string } };
    if (tenant.basis !== basis.id && tenant.embedder.id === basis.embedder.id) await admin("PUT", `/admin/tenants/${DEV_TENANT}/basis`, { basis: basis.id });
  }
  await admin("POST", `/admin/tenants/${DEV_TENANT}/keys`, { name: "local dev key", key: devKey }, [201, 409]);
  return basis.id;
}
