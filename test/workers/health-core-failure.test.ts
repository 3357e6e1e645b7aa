// /health names the WASM core when it cannot be instantiated, with the reason, and still reports D1. The bundled
// module cannot be broken from inside workerd, so the app is built with a core that fails to instantiate.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { loadConfig } from "../../worker/config.ts";

describe("GET /health when the core fails", () => {
  it("answers 503 naming the core, with the reason, while D1 is still reported ok", async () => {
    const app = createApp(loadConfig(env), { core: () => Promise.reject(new Error("WebAssembly.instantiate(): simulated failure")) });
    const res = await app.request("http://pref.test/health", {}, env);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { message: string } };
    expect(body).toMatchObject({ status: "error", core: "error", db: "ok", error: { code: "unavailable", field: "core" } });
    expect(body.error.message).toContain("simulated failure");
  });
});
