// What the local HTTP stand-ins (the tests' fake upstream, the benchmarks' upstream and embeddings servers) share.
import type { IncomingMessage, Server } from "node:http";

/** The whole request body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Stops at once: open keep-alive connections are closed, not waited for. */
export async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
