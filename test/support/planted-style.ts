// A toy embedding and a matching basis in which one preference is easy to plant: enthusiasm ("!" in the text).
// Used by the fake upstream's /v1/embeddings and by the chat tests, in Node and in workerd (no Node imports).
import { BASIS_FORMAT, type BasisArtifact } from "../../core/artifact.ts";

export const STYLE_D = 8;
export const STYLE_EMBEDDER_ID = `planted-style:${STYLE_D}`;

/** [enthusiasm, length, six small hash features]: deterministic, and texts differ even when their style is equal. */
export function styleEmbedding(text: string): number[] {
  const e = new Array<number>(STYLE_D).fill(0);
  e[0] = text.includes("!") ? 1 : -1;
  e[1] = Math.tanh(text.length / 80 - 1);
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  for (let j = 2; j < STYLE_D; j++) {
    h = Math.imul(h ^ (h >>> 15), 2246822519) >>> 0;
    e[j] = ((h % 1000) / 1000 - 0.5) * 0.2;
  }
  return e;
}

/** A basis whose base rewards read enthusiasm, length and the first hash feature; prior N(0, I). */
export function styleBasis(id: string): BasisArtifact {
  const J = 3;
  const W = Array.from({ length: J }, (_, j) => Array.from({ length: STYLE_D }, (_, i) => (i === j ? 1 : 0)));
  return {
    format: BASIS_FORMAT,
    id,
    created_at: new Date().toISOString(),
    embedder: { id: STYLE_EMBEDDER_ID, d: STYLE_D },
    J,
    W,
    mu0: [0, 0, 0],
    sigma0: W.map((_, i) => W.map((_, k) => (i === k ? 1 : 0))),
    labels: ["enthusiasm", "length", "noise"],
    training: { note: "test fixture: planted style basis" },
  };
}
