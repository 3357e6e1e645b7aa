// `pref move-tenant`: drives POST /admin/tenants/{t}/user-store/move page by page until every user is copied and
// verified, then finishes (switches the tenant and re-copies what D1 received meanwhile). Re-running after an
// interruption is safe: the service merges by comparison id. --after resumes from a user id.
import { AdminClient, expectStatus } from "./admin-client.ts";

export interface MoveOptions {
  url: string;
  adminToken: string;
  tenant: string;
  pageSize: number;
  after?: string;
  onPage?: (p: { users: number; added: number; next: string | null }) => void;
}

export interface MoveSummary {
  users: number;
  added: number;
  verified: number;
}

export async function moveTenant(o: MoveOptions): Promise<MoveSummary> {
  const client = new AdminClient(o.url.replace(/\/+$/, ""), o.adminToken);
  const route = `/admin/tenants/${encodeURIComponent(o.tenant)}/user-store/move`;
  const since = Date.now();
  const total: MoveSummary = { users: 0, added: 0, verified: 0 };
  let after: string | null = o.after ?? "";
  while (after !== null) {
    const res = expectStatus("POST", route, await client.request("POST", route, { to: "durable-objects", after, limit: o.pageSize }), [200]);
    const step = res.body as { users: number; added: number; verified: number; next: string | null };
    total.users += step.users;
    total.added += step.added;
    total.verified += step.verified;
    o.onPage?.(step);
    after = step.next;
  }
  let more: string | null = "";
  while (more !== null) {
    const res = expectStatus("POST", route, await client.request("POST", route, { to: "durable-objects", finish: true, since, after: more, limit: o.pageSize }), [200]);
    const step = res.body as { added: number; next: string | null };
    total.added += step.added;
    more = step.next;
  }
  return total;
}
