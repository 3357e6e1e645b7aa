// A worker thread of the USE-lite pool: loads the model once, then embeds one window per message, in order.
// Messages in: { id, tokens: Int32Array }; out: { id, vector: Float32Array } or { id, error }.
import { parentPort } from "node:worker_threads";
import { embedTokens, loadUseLiteModel } from "./use-lite-model.ts";

if (!parentPort) throw new Error("use-lite-thread runs as a worker thread");
const port = parentPort;

// Start loading at once: the first window should not wait for the weights more than it must.
void loadUseLiteModel().catch(() => undefined);

port.on("message", async (message: { id: number; tokens: Int32Array }) => {
  try {
    const vector = await embedTokens(message.tokens);
    port.postMessage({ id: message.id, vector }, [vector.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({ id: message.id, error: (error as Error).message ?? String(error) });
  }
});
