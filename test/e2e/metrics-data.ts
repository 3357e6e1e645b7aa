// Data for the metrics page test, made through the real API only: a tenant on the shipped basis (embedder
// "vectors", so no embeddings server is needed), simulated users whose tastes differ from the population prior
// (so personalization has something to win), enough comparisons per user to fill every feedback-count bucket,
// and a little question and rank traffic for the usage figures.
import { readFileSync } from "node:fs";
import { BASIS_FORMAT } from "../../core/artifact.ts";
import { Mulberry32 } from "../../core/prng.ts";

interface Basis {
  id: string;
  embedder: { id: string; d: number };
  J: number;
  W: number[][];
  mu0: number[];
}

export interface MetricsTenant {
  tenant: string;
  key: string;
  /** The basis every comparison was made under, then the one activated after them (no comparisons). */
  servedBasis: string;
  laterBasis: string;
  comparisons: number;
}

export async function adminCall(url: string, token: string, method: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} -> ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Standard normal draws (Box-Muller) from a seeded generator: the same data on every run. */
function gaussian(rng: Mulberry32): () => number {
  const uniform = () => (rng.nextU32() + 0.5) / 4294967296;
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

export async function makeMetricsTenant(o: { url: string; adminToken: string; basisPath: string; users: number; perUser: number }): Promise<MetricsTenant> {
  const basis = JSON.parse(readFileSync(o.basisPath, "utf8")) as Basis;
  const admin = (method: string, route: string, body?: unknown) => adminCall(o.url, o.adminToken, method, route, body);
  const tenant = (await admin("POST", "/admin/tenants", { name: "Metrics e2e", embedder: { kind: "vectors", id: basis.embedder.id }, basis: basis.id })).id as string;
  const key = (await admin("POST", `/admin/tenants/${tenant}/keys`, { name: "metrics e2e" })).key as string;
  const user = async (route: string, body: unknown) => {
    const res = await fetch(`${o.url}${route}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST ${route} -> ${res.status} ${await res.text()}`);
    return res.json();
  };

  const normal = gaussian(new Mulberry32(20261203));
  const embedding = () => Array.from({ length: basis.embedder.d }, () => Number(normal().toFixed(5)));
  const rewards = (e: number[]) => basis.W.map((row) => row.reduce((sum, w, i) => sum + w * e[i], 0));
  let comparisons = 0;
  for (let u = 0; u < o.users; u++) {
    // Each user's taste: the population's mean turned around plus a personal part, so the prior predicts poorly.
    const taste = basis.mu0.map((m) => -m + 2 * normal());
    const id = `metrics-e2e-user-${u}`;
    for (let i = 0; i < o.perUser; i++) {
      const [a, b] = [embedding(), embedding()];
      const score = (e: number[]) => rewards(e).reduce((sum, r, j) => sum + r * taste[j], 0);
      const [chosen, rejected] = score(a) >= score(b) ? [a, b] : [b, a];
      // One tie per user: ties count as comparisons but not in the accuracies (the table's "decided").
      await user("/v1/feedback", { user: id, prompt: `prompt ${i}`, chosen: { embedding: chosen }, rejected: { embedding: rejected }, tie: i === 7 });
      comparisons++;
    }
  }
  const candidates = [embedding(), embedding(), embedding()].map((e) => ({ embedding: e }));
  await user("/v1/rank", { user: "metrics-e2e-user-0", prompt: "rank me", candidates });
  await user("/v1/rank", { user: "metrics-e2e-newcomer", prompt: "rank me", candidates });
  await user("/v1/questions/next", { user: "metrics-e2e-newcomer", prompt: "ask me", candidates });

  // A second basis (same embedder), activated after all the comparisons: the history gets an entry and the basis
  // filter has a basis with no comparisons.
  const later = `metrics-e2e-later-${tenant}`;
  const J = 2;
  await admin("POST", "/admin/bases", {
    format: BASIS_FORMAT,
    id: later,
    created_at: new Date().toISOString(),
    embedder: basis.embedder,
    J,
    W: Array.from({ length: J }, () => Array.from({ length: basis.embedder.d }, () => Number((normal() / Math.sqrt(basis.embedder.d)).toFixed(6)))),
    mu0: [0, 0],
    sigma0: [[1, 0], [0, 1]],
    labels: null,
    training: { note: "metrics e2e: a basis activated after the comparisons" },
  });
  await admin("PUT", `/admin/tenants/${tenant}/basis`, { basis: later });
  return { tenant, key, servedBasis: basis.id, laterBasis: later, comparisons };
}
