// The basis artifact: what `pref train` writes and what the Worker loads. One JSON document, versioned by
// `format`. A basis is only valid with the embedder it was trained on, so the embedder id and dimension travel
// with it and every consumer checks them.
//
// pref-basis/2 adds `population`: when not null, base `population.base` (always 0) is the pooled population reward
// w_pop . e and the prior mean is 1 on it and 0 elsewhere, so a user with no answers is scored by exactly the
// population model and the other bases are personal deviations from it. Serving needs nothing special: it is one
// more row of W. pref-basis/1 artifacts (no population row) still load, as `population: null`.
//
// pref-basis/3 adds `prompts`: the prompts the deviations were learned on (core/known-prompts.ts) and the weight a
// user's deviation gets on any other prompt, chosen in training on validation users' answers to new prompts.
// Without it (pref-basis/1 and /2) a deviation counts in full everywhere.
import { z } from "zod";
import { MAX_KNOWN_PROMPTS, decodeKnownPrompts } from "./known-prompts.ts";
import type { BasisMatrix } from "./types.ts";

export const BASIS_FORMAT = "pref-basis/3";
export const BASIS_FORMATS = ["pref-basis/1", "pref-basis/2", BASIS_FORMAT] as const;

function isKnownPromptsEncoding(s: string): boolean {
  try {
    decodeKnownPrompts(s);
    return true;
  } catch {
    return false;
  }
}

const finite = z.number().refine(Number.isFinite, "must be a finite number");

export const basisArtifactSchema = z
  .object({
    format: z.enum(BASIS_FORMATS),
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
    /** Which base is the pooled population reward (pref-basis/2; null or absent: none). */
    population: z
      .object({ base: z.literal(0), reg: finite.optional() })
      .nullable()
      .optional(),
    /** Where a user's deviation counts in full (pref-basis/3; absent: everywhere). */
    prompts: z
      .object({
        /** Sorted 8-byte keys of the known prompts (SHA-256 prefixes), concatenated, base64. */
        known: z
          .string()
          .max(Math.ceil((MAX_KNOWN_PROMPTS * 8) / 3) * 4)
          .refine(isKnownPromptsEncoding, "base64 of a whole number of 8-byte keys"),
        /** The weight w in (0, 1] of a user's deviation on prompts not in `known`. */
        new_prompt_weight: z.number().gt(0).max(1),
      })
      .optional(),
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
    if (a.population && a.format === "pref-basis/1") bad(["population"], "pref-basis/1 has no population row");
    if (a.prompts && a.format !== BASIS_FORMAT) bad(["prompts"], `only ${BASIS_FORMAT} carries known prompts`);
    if (a.population && a.mu0.some((v, j) => v !== (j === a.population!.base ? 1 : 0))) {
      bad(["mu0"], "with a population row the prior mean is 1 on it and 0 on every other base");
    }
  });

export type BasisArtifact = z.infer<typeof basisArtifactSchema>;

/** The artifact in the shapes the core works with. */
export interface LoadedBasis {
  artifact: BasisArtifact;
  matrix: BasisMatrix;
  mu0: Float64Array;
  sigma0: Float64Array; // J * J row-major
  /** The base that is the pooled population reward, or null (pref-basis/1, or trained without one). */
  populationBase: number | null;
  /** Prompts where a deviation counts in full, and its weight elsewhere; null: in full everywhere. */
  prompts: KnownPrompts | null;
}

export interface KnownPrompts {
  known: Set<string>;
  newPromptWeight: number;
}

export function knownPromptsOf(prompts: BasisArtifact["prompts"]): KnownPrompts | null {
  return prompts ? { known: decodeKnownPrompts(prompts.known), newPromptWeight: prompts.new_prompt_weight } : null;
}

export function loadBasisArtifact(json: unknown): LoadedBasis {
  const artifact = basisArtifactSchema.parse(json);
  const { J } = artifact;
  const d = artifact.embedder.d;
  const W = new Float64Array(J * d);
  artifact.W.forEach((row, j) => W.set(row, j * d));
  const sigma0 = new Float64Array(J * J);
  artifact.sigma0.forEach((row, j) => sigma0.set(row, j * J));
  return {
    artifact,
    matrix: { id: artifact.id, J, d, W },
    mu0: Float64Array.from(artifact.mu0),
    sigma0,
    populationBase: artifact.population ? artifact.population.base : null,
    prompts: knownPromptsOf(artifact.prompts),
  };
}

/** Inverse of loadBasisArtifact's array handling: typed arrays -> nested number arrays. */
export function rowsOf(flat: ArrayLike<number>, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => flat[r * cols + c]));
}
