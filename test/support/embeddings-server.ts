// `pref serve-embeddings` in this process on a free port, for node tests: its base URL, a JSON POST to
// /v1/embeddings (with an optional AbortSignal), and close().
import type { AddressInfo } from "node:net";
import { createEmbeddingsServer } from "../../cli/commands/serve-embeddings.ts";

export interface LocalEmbeddingsServer {
  /** http://127.0.0.1:<port>/v1 */
  base: string;
  post(body: unknown, signal?: AbortSignal): Promise<Response>;
  close(): Promise<void>;
}

export async function startEmbeddingsServer(cacheDir: string): Promise<LocalEmbeddingsServer> {
  const server = createEmbeddingsServer({ cacheDir });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return {
    base,
    post: (body, signal) => fetch(`${base}/embeddings`, { method: "POST", body: JSON.stringify(body), signal }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
