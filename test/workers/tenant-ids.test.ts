// One limit for tenant ids: every id POST /admin/tenants accepts can be managed by every /admin/tenants/{tenant}
// route (it used to accept 128 characters and manage only 64).
import { describe, expect, it } from "vitest";
import { admin, makeBasis, unique } from "./helpers.ts";

describe("tenant ids", () => {
  it("a tenant created with the longest id (and a 100-character one) can be managed by every route", async () => {
    const basis = makeBasis();
    expect((await admin("POST", "/admin/bases", basis)).status).toBe(201);
    for (const length of [100, 128]) {
      const id = `t-${unique("x")}`.padEnd(length, "x");
      const created = await admin("POST", "/admin/tenants", { id, name: "long", embedder: { kind: "vectors", id: basis.embedder.id } });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const at = `/admin/tenants/${id}`;
      expect((await admin("GET", at)).status).toBe(200);
      const key = await admin("POST", `${at}/keys`, { name: "k" });
      expect(key.status).toBe(201);
      expect((await admin("PUT", `${at}/basis`, { basis: basis.id })).status).toBe(200);
      expect((await admin("PUT", `${at}/upstream`, { model: "m" })).status).toBe(200);
      expect((await admin("DELETE", `${at}/keys/${key.body.id}`)).status).toBe(204);
    }
  });

  it("refuses on creation what no route could address: too long, or a dot segment", async () => {
    for (const id of ["x".repeat(129), ".", ".."]) {
      const res = await admin("POST", "/admin/tenants", { id, name: "bad", embedder: { kind: "vectors", id: "e" } });
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe("id");
    }
    expect((await admin("GET", `/admin/tenants/${"x".repeat(129)}`)).status).toBe(400);
  });
});
