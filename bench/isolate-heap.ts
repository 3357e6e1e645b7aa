// The JS heap of a Worker's isolate, read through workerd's DevTools inspector (Runtime.getHeapUsage): the memory
// Cloudflare limits (128 MB an isolate), which a process's RSS does not show (workerd's own allocations grow it too).

interface Target {
  id: string;
  webSocketDebuggerUrl: string;
}

export interface HeapReader {
  /** The isolate's used heap in MB (live objects plus garbage not collected yet). */
  usedMb(): Promise<number>;
  close(): void;
}

/** Connects to the inspector on `port` and the first user Worker (target "core:user:..."). */
export async function isolateHeap(port: number): Promise<HeapReader> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Target[];
  const target = targets.find((t) => t.id.startsWith("core:user:"));
  if (!target) throw new Error(`no user Worker among the inspector's targets: ${targets.map((t) => t.id).join(", ")}`);
  // Node 22 has WebSocket built in; Node 20 without a flag does not: then the `ws` package (miniflare's dependency).
  const WS = ((globalThis as { WebSocket?: typeof WebSocket }).WebSocket ?? ((await import("ws" as string)) as { default: typeof WebSocket }).default) as typeof WebSocket;
  const ws = new WS(target.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", () => reject(new Error(`cannot connect to ${target.webSocketDebuggerUrl}`)));
  });
  let nextId = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.addEventListener("message", (ev: MessageEvent) => {
    const m = JSON.parse(String(ev.data)) as { id?: number; result?: unknown };
    if (m.id !== undefined) pending.get(m.id)?.(m.result);
  });
  return {
    async usedMb() {
      const id = ++nextId;
      const result = await new Promise<{ usedSize: number }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("Runtime.getHeapUsage: no answer")), 5_000);
        pending.set(id, (r) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(r as { usedSize: number });
        });
        ws.send(JSON.stringify({ id, method: "Runtime.getHeapUsage", params: {} }));
      });
      return Math.round(result.usedSize / 1e5) / 10;
    },
    close: () => ws.close(),
  };
}
