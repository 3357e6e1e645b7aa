// docs/deploy.md's "Deleting a tenant" statements, run as written on the real schema: every row that names the
// tenant is gone (in any table with a tenant_id, so a table added later fails this until the doc covers it), its
// key is refused, and another tenant is untouched.
import { describe, expect, it } from "vitest";
import deployDoc from "../../docs/deploy.md?raw";
import { admin, call, env, setupTenant, vectors } from "./helpers.ts";

function documentedStatements(tenant: string): string[] {
  const block = /<!-- delete-tenant:begin[^>]*-->([\s\S]*?)<!-- delete-tenant:end -->/.exec(deployDoc)?.[1];
  if (!block) throw new Error("docs/deploy.md has no delete-tenant block");
  return block
    .split("\n")
    .map((line) => line.replace(/"$/, "").trim())
    .filter((line) => /^DELETE FROM/.test(line))
    .map((line) => line.replaceAll("$T", tenant));
}

async function rowsNaming(tenant: string): Promise<Record<string, number>> {
  const tables = await env.DB.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' and name != 'd1_migrations'").all<{ name: string }>();
  const counts: Record<string, number> = {};
  for (const { name } of tables.results) {
    const columns = await env.DB.prepare(`select name from pragma_table_info('${name}')`).all<{ name: string }>();
    const column = name === "tenants" ? "id" : columns.results.some((c) => c.name === "tenant_id") ? "tenant_id" : null;
    if (column) counts[name] = (await env.DB.prepare(`select count(*) as n from ${name} where ${column} = ?`).bind(tenant).first<{ n: number }>())!.n;
  }
  return counts;
}

async function giveUserFeedback(key: string, d: number): Promise<void> {
  const [a, b] = vectors(2, d, 7);
  const res = await call("POST", "/v1/feedback", { key, body: { user: "alice", prompt: "hi", chosen: { embedding: a }, rejected: { embedding: b } } });
  expect(res.status).toBe(200);
}

describe("deleting a tenant as docs/deploy.md says", () => {
  it("removes every row of the tenant and nothing of another", async () => {
    const doomed = await setupTenant();
    const kept = await setupTenant({ basis: doomed.basis, upload: false });
    const d = doomed.basis.embedder.d;
    await giveUserFeedback(doomed.key, d);
    await giveUserFeedback(kept.key, d);
    expect(await rowsNaming(doomed.tenant)).toMatchObject({ tenants: 1, api_keys: 1, users: 1, feedback: 1 });
    const keptBefore = await rowsNaming(kept.tenant);

    const statements = documentedStatements(doomed.tenant);
    expect(statements).toHaveLength(8);
    for (const sql of statements) await env.DB.prepare(sql).run(); // in the documented order, as `d1 execute` runs them

    expect(Object.values(await rowsNaming(doomed.tenant))).toEqual(Object.values(keptBefore).map(() => 0));
    expect(await rowsNaming(kept.tenant)).toEqual(keptBefore);
    expect((await call("POST", "/v1/rank", { key: doomed.key, body: { user: "alice", prompt: "hi", candidates: vectors(2, d, 1).map((e) => ({ embedding: e })) } })).status).toBe(401);
    expect((await admin("GET", `/admin/tenants/${doomed.tenant}`)).status).toBe(404);
    expect((await call("GET", "/v1/users/alice", { key: kept.key })).status).toBe(200);
  });
});
