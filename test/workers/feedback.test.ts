// Feedback: idempotency, optimistic concurrency, and the stored posterior equal to an exact refit of the log.
import { describe, expect, it } from "vitest";
import { createReferenceCore, gaussianFromCovariance } from "../../core/index.ts";
import type { BasisArtifact } from "../../core/artifact.ts";
import { call, makeBasis, phiOf, setupTenant, storedCounts, unique, vectors } from "./helpers.ts";

const d = 8;

/** The Laplace posterior over the exported log, refitted from the prior with the plain-TS reference core. */
function refitFromExport(basis: BasisArtifact, exported: any) {
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

describe("idempotency", () => {
  it("the same key twice stores once and answers duplicate: true", async () => {
    const t = await setupTenant();
    const [a, b] = vectors(2, d, 31).map((embedding) => ({ embedding }));
    const body = { user: "u", prompt: "p", chosen: a, rejected: b, idempotency_key: "order-123" };
    const first = await call("POST", "/v1/feedback", { key: t.key, body });
    const second = await call("POST", "/v1/feedback", { key: t.key, body });
    expect(first.body).toEqual({ user: { feedback_count: 1, version: 1 }, duplicate: false });
    expect(second.body).toEqual({ user: { feedback_count: 1, version: 1 }, duplicate: true });
    expect(await storedCounts(t.tenant)).toEqual({ users: 1, feedback: 1 });

    // Reusing the key for a different comparison is refused, and stores nothing.
    const reuse = await call("POST", "/v1/feedback", { key: t.key, body: { ...body, tie: true } });
    expect(reuse.status).toBe(409);
    expect(reuse.body.error).toMatchObject({ code: "idempotency_conflict", field: "idempotency_key" });
    expect(await storedCounts(t.tenant)).toEqual({ users: 1, feedback: 1 });
  });

  it("the same key sent concurrently stores once", async () => {
    const t = await setupTenant();
    const [a, b] = vectors(2, d, 32).map((embedding) => ({ embedding }));
    const body = { user: "u", prompt: "p", chosen: a, rejected: b, idempotency_key: "burst" };
    const results = await Promise.all(Array.from({ length: 8 }, () => call("POST", "/v1/feedback", { key: t.key, body })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => !r.body.duplicate)).toHaveLength(1);
    expect(await storedCounts(t.tenant)).toEqual({ users: 1, feedback: 1 });
  });
});

describe("concurrency", () => {
  it("50 feedback requests for one user at once: count 50, posterior = full refit of the log", async () => {
    const basis = makeBasis({ d, J: 4, seed: 9, mu0: [0.2, -0.1, 0.4, 0] });
    const t = await setupTenant({ basis });
    const user = unique("busy");
    const pool = vectors(20, d, 33).map((embedding) => ({ embedding }));
    const requests = Array.from({ length: 50 }, (_, i) =>
      call("POST", "/v1/feedback", {
        key: t.key,
        body: { user, prompt: `p${i % 3}`, chosen: pool[i % 20], rejected: pool[(i * 7 + 3) % 20], tie: i % 10 === 0 },
      }),
    );
    const results = await Promise.all(requests);
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200);
    // Every request saw a distinct version: each write was applied exactly once, in some order.
    expect(new Set(results.map((r) => r.body.user.version)).size).toBe(50);

    const exported = (await call("GET", `/v1/users/${user}/export`, { key: t.key })).body;
    expect(exported.state.feedback_count).toBe(50);
    expect(exported.state.version).toBe(50);
    expect(exported.feedback).toHaveLength(50);
    expect((await storedCounts(t.tenant)).feedback).toBe(50);

    const { fit, z } = refitFromExport(basis, exported);
    // The observation cache is the log, in log order.
    exported.state.observations.forEach((o: any, i: number) => {
      expect(o.label).toBe(exported.feedback[i].label);
      o.z.forEach((v: number, j: number) => expect(v).toBeCloseTo(z[i * basis.J + j], 12));
    });
    exported.state.mean.forEach((m: number, j: number) => expect(m).toBeCloseTo(fit.posterior.mean[j], 8));
    exported.state.precision_chol.flat().forEach((v: number, k: number) => expect(v).toBeCloseTo(fit.posterior.precisionChol[k], 8));
  });
});
