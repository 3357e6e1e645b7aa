// /health names the WASM core when it cannot be instantiated, and still reports D1. The bundled module cannot be
// broken from inside workerd, so the app is built with a core that fails to instantiate. /health is public: the
// reason goes to the logs, with the request id, not to the caller.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../worker/app.ts";
import { loadConfig } from "../../worker/config.ts";
import { captureLogs } from "./logs.ts";

afterEach(() => vi.restoreAllMocks());

describe("GET /health when the core fails", () => {
  it("answers 503 naming the core while D1 is still reported ok; the reason is logged", async () => {
    const logs = captureLogs();
    const app = createApp(loadConfig(env), { core: () => Promise.reject(new Error("WebAssembly.instantiate(): simulated failure")) });
    const res = await app.request("http://pref.test/health", {}, env);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { message: string; request_id: string } };
    expect(body).toMatchObject({ status: "error", core: "error", db: "ok", error: { code: "unavailable", field: "core" } });
    expect(body.error.message).not.toContain("simulated failure");
    expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
    const line = logs.lines().find((l) => l.event === "health");
    expect(line).toMatchObject({ level: "error", field: "core", request_id: body.error.request_id });
    expect(line?.detail).toContain("simulated failure");
  });
});
