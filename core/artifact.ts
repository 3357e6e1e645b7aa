// The basis artifact: what `pref train` writes and what the Worker loads. One JSON document, versioned by
// `format`. A basis is only valid with the embedder it was trained on, so the embedder id and dimension travel
// with it and every consumer checks them.
import { z } from "zod";
import type { BasisMatrix } from "./types.ts";

export const BASIS_FORMAT = "pref-basis/1";

const finite = z.number().refine(Number.isFinite, "must be a finite number");

export const basisArtifactSchema = z
  .object({
    format: z.literal(BASIS_FORMAT),
    id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, "1-128 chars of [A-Za-z0-9._:-]"),
    created_at: z.string(),
    embedder: z.object({
      /** Stable id of the embedding recipe (model + which text + windowing), e.g. "use-lite-512:response". */
      id: z.string().min(1).max(128),
      d: z.number().int().min(1).max(4096),
    }),
    J: z.number().int().min(1).max(64),
    /** J rows of d numbers: phi_j(x, y) = W[j] . e(x, y). */
    W: z.array(z.array(finite)),
    /** Population prior over a user's weights: a new user is scored with mu0 (the non-personalized model). */
    mu0: z.array(finite),
    sigma0: z.array(z.array(finite)),
    /** Human-readable names of the base rewards, when known (e.g. from correlation with known attributes). */
    labels: z.array(z.string()).nullable().optional(),
    training: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((a, ctx) => {
    const bad = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (a.embedder.d <= 0) return;
    if (a.W.length !== a.J) bad(["W"], `expected ${a.J} rows, got ${a.W.length}`);
    a.W.forEach((row, j) => row.length !== a.embedder.d && bad(["W", j], `expected ${a.embedder.d} columns, got ${row.length}`));
    if (a.mu0.length !== a.J) bad(["mu0"], `expected ${a.J} entries, got ${a.mu0.length}`);
    if (a.sigma0.length !== a.J) bad(["sigma0"], `expected ${a.J} rows, got ${a.sigma0.length}`);
    a.sigma0.forEach((row, j) => row.length !== a.J && bad(["sigma0", j], `expected ${a.J} columns, got ${row.length}`));
    if (a.labels && a.labels.length !== a.J) bad(["labels"], `expected ${a.J} labels, got ${a.labels.length}`);
  });

export type BasisArtifact = z.infer<typeof basisArtifactSchema>;

/** The artifact in the shapes the core works with. */
export interface LoadedBasis {
  artifact: BasisArtifact;
  matrix: BasisMatrix;
  mu0: Float64Array;
  sigma0: Float64Array; // J * J row-major
}

export function loadBasisArtifact(json: unknown): LoadedBasis {
  const artifact = basisArtifactSchema.parse(json);
  const { J } = artifact;
  const d = artifact.embedder.d;
  const W = new Float64Array(J * d);
  artifact.W.forEach((row, j) => W.set(row, j * d));
  const sigma0 = new Float64Array(J * J);
  artifact.sigma0.forEach((row, j) => sigma0.set(row, j * J));
  return { artifact, matrix: { id: artifact.id, J, d, W }, mu0: Float64Array.from(artifact.mu0), sigma0 };
}

/** Inverse of loadBasisArtifact's array handling: typed arrays -> nested number arrays. */
export function rowsOf(flat: ArrayLike<number>, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => flat[r * cols + c]));
}
