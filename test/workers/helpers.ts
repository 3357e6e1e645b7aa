// Test helpers: call the Worker over fetch, make small bases, set up tenants with keys, read D1 directly.
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { Mulberry32 } from "../../core/prng.ts";
import { BASIS_FORMAT, type BasisArtifact } from "../../core/artifact.ts";
import { createReferenceCore, gaussianFromCovariance } from "../../core/index.ts";

export const ADMIN_TOKEN = "test-admin-token";
export const ORIGIN = "http://pref.test";

export interface CallOptions {
  body?: unknown;
  /** Raw body text (sent as is). */
  raw?: string;
  key?: string | null;
  headers?: Record<string, string>;
}

export interface CallResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(method: string, path: string, o: CallOptions = {}): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.key) headers.authorization = `Bearer ${o.key}`;
  let body: string | undefined;
  if (o.raw !== undefined) body = o.raw;
  else if (o.body !== undefined) body = JSON.stringify(o.body);
  if (body !== undefined && !("content-type" in headers)) headers["content-type"] = "application/json";
  const res = await exports.default.fetch(new Request(`${ORIGIN}${path}`, { method, headers, body }));
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export const admin = <T = any>(method: string, path: string, body?: unknown) => call<T>(method, path, { body, key: ADMIN_TOKEN });

const uniform = (rng: Mulberry32) => rng.nextU32() / 4294967296;

let counter = 0;
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;

export interface BasisOptions {
  id?: string;
  d?: number;
  J?: number;
  embedderId?: string;
  seed?: number;
  labels?: string[] | null;
  priorVariance?: number;
  mu0?: number[];
}

/** A random basis: W with N(0, 1/d) entries, prior N(0, priorVariance * I). */
export function makeBasis(o: BasisOptions = {}): BasisArtifact {
  const d = o.d ?? 8;
  const J = o.J ?? 3;
  const rng = new Mulberry32(o.seed ?? 1);
  const W = Array.from({ length: J }, () => Array.from({ length: d }, () => (uniform(rng) * 2 - 1) * Math.sqrt(3 / d)));
  const v = o.priorVariance ?? 1;
  return {
    format: BASIS_FORMAT,
    id: o.id ?? unique("basis"),
    created_at: new Date().toISOString(),
    embedder: { id: o.embedderId ?? `test-embedder:${d}`, d },
    J,
    W,
    mu0: o.mu0 ?? Array.from({ length: J }, () => 0),
    sigma0: Array.from({ length: J }, (_, i) => Array.from({ length: J }, (_, k) => (i === k ? v : 0))),
    labels: o.labels === undefined ? Array.from({ length: J }, (_, j) => `base${j}`) : o.labels,
    training: { note: "test fixture" },
  };
}

/** Deterministic pseudo-random vectors. */
export function vectors(n: number, d: number, seed: number): number[][] {
  const rng = new Mulberry32(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => uniform(rng) * 2 - 1));
}

export interface TenantSetup {
  tenant: string;
  key: string;
  keyId: string;
  basis: BasisArtifact;
}

/** Uploads a basis (unless given an existing one), creates a tenant on it and an API key. */
export async function setupTenant(
  o: { basis?: BasisArtifact; upload?: boolean; embedder?: { kind: string; id?: string; model?: string }; store?: "d1" | "durable-objects" } = {},
): Promise<TenantSetup> {
  const basis = o.basis ?? makeBasis();
  if (o.upload !== false) {
    const up = await admin("POST", "/admin/bases", basis);
    if (up.status !== 201 && up.status !== 409) throw new Error(`basis upload: ${up.status} ${JSON.stringify(up.body)}`);
  }
  const embedder = { kind: "vectors", id: basis.embedder.id, ...(o.embedder ?? {}) };
  const t = await admin("POST", "/admin/tenants", { name: unique("tenant"), embedder, basis: basis.id, ...(o.store ? { user_store: o.store } : {}) });
  if (t.status !== 201) throw new Error(`tenant: ${t.status} ${JSON.stringify(t.body)}`);
  const k = await admin("POST", `/admin/tenants/${t.body.id}/keys`, { name: "test" });
  if (k.status !== 201) throw new Error(`key: ${k.status} ${JSON.stringify(k.body)}`);
  return { tenant: t.body.id, key: k.body.key, keyId: k.body.id, basis };
}

/** Row counts of everything stored for a tenant (to prove a rejected request stored nothing). */
export async function storedCounts(tenant: string): Promise<{ users: number; feedback: number }> {
  const [u, f] = await env.DB.batch<{ n: number }>([
    env.DB.prepare("select count(*) as n from users where tenant_id = ?").bind(tenant),
    env.DB.prepare("select count(*) as n from feedback where tenant_id = ?").bind(tenant),
  ]);
  return { users: u.results[0].n, feedback: f.results[0].n };
}

export { env };

/** phi = W e for a basis artifact (plain JS, for checking answers). */
export function phiOf(basis: BasisArtifact, e: number[]): number[] {
  return basis.W.map((row) => row.reduce((s, w, i) => s + w * e[i], 0));
}
export const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** The Laplace posterior over the exported log, refitted from the prior with the plain-TS reference core. */
export function refitFromExport(basis: BasisArtifact, exported: any) {
  const J = basis.J;
  const n = exported.feedback.length;
  const z = new Float64Array(n * J);
  const label = new Float64Array(n);
  exported.feedback.forEach((f: any, i: number) => {
    const a = phiOf(basis, f.chosen.embedding);
    const b = phiOf(basis, f.rejected.embedding);
    for (let j = 0; j < J; j++) z[i * J + j] = a[j] - b[j];
    label[i] = f.label;
  });
  const prior = gaussianFromCovariance(Float64Array.from(basis.mu0), Float64Array.from(basis.sigma0.flat()));
  const fit = createReferenceCore().fitPosterior(prior, { n, z, label, weight: new Float64Array(n).fill(1) });
  return { fit, z };
}

/** The exported state is the exact Laplace refit of the exported log (8 decimals: the core's iteration tolerance). */
export function expectRefitted(basis: BasisArtifact, exported: any): void {
  const { fit } = refitFromExport(basis, exported);
  (exported.state.mean as number[]).forEach((m, j) => expect(m).toBeCloseTo(fit.posterior.mean[j], 8));
  (exported.state.precision_chol.flat() as number[]).forEach((v, k) => expect(v).toBeCloseTo(fit.posterior.precisionChol[k], 8));
}
