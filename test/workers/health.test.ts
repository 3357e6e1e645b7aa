import { describe, expect, it } from "vitest";
import { admin, call, makeBasis } from "./helpers.ts";

describe("GET /health", () => {
  it("instantiates the WASM core, queries D1 and reports the default basis", async () => {
    const res = await call("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "ok", version: expect.any(String), core: "wasm", db: "ok" });
    expect("basis" in res.body).toBe(true);

    const basis = makeBasis();
    expect((await admin("POST", "/admin/bases", basis)).status).toBe(201);
    expect((await admin("PUT", "/admin/default-basis", { basis: basis.id })).status).toBe(200);
    const after = await call("GET", "/health");
    expect(after.body.basis).toBe(basis.id);
  });
});
