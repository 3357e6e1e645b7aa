// The admin API as the metrics page uses it: same origin, the admin token as a bearer token, and every failure
// turned into a sentence an operator can act on (wrong token, unknown tenant, server down).
import { ApiProblem } from "../app/api.js";

export function createAdminApi(getToken) {
  async function get(path, notFound) {
    const token = getToken();
    if (!token) throw new ApiProblem("no-key", 0, "Enter the admin token first.");
    let res;
    try {
      res = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
    } catch {
      throw new ApiProblem("network", 0, `Network error: cannot reach the PReF Edge server at ${location.origin}. Is it running? (locally: npm start)`);
    }
    const data = await res.json().catch(() => null);
    if (res.status === 401)
      throw new ApiProblem("auth", 401, "The admin token was not accepted (401 unauthorized). Check it against the ADMIN_TOKEN secret; npm start prints the local one.", "unauthorized");
    if (res.status === 404 && notFound) throw new ApiProblem("http", 404, notFound, "not_found");
    if (!res.ok) {
      const err = data?.error;
      const detail = err?.message ? `${err.message}${err.field ? ` (field: ${err.field})` : ""}` : res.statusText || "no details";
      throw new ApiProblem("http", res.status, `The server answered ${res.status}: ${detail}`, err?.code, err?.message);
    }
    return data;
  }

  const gone = (tenant) => `Tenant “${tenant}” was not found (404). It may have been deleted: reload the tenant list.`;
  const tenantPath = (tenant) => `/admin/tenants/${encodeURIComponent(tenant)}`;

  return {
    tenants: async () => (await get("/admin/tenants")).tenants,
    tenant: (tenant) => get(tenantPath(tenant), gone(tenant)),
    /** query: { from, to, basis } (empty values left out); group: "count" | "day". */
    metrics: (tenant, group, query) => {
      const params = new URLSearchParams({ group });
      for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
      return get(`${tenantPath(tenant)}/metrics?${params}`, gone(tenant));
    },
  };
}
