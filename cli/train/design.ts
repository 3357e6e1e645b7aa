// The comparisons' design matrix without ever forming it: row p is the embedding difference e(lo_p) - e(hi_p) of a
// response pair. Products go through the items instead: X V^T = (E V^T)[lo] - (E V^T)[hi] and
// X^T G = E^T (scatter of G onto the items), so memory and time grow with the distinct responses x d, never with
// pairs x d (in real logs almost every comparison is a different pair, and a pairs x d matrix would not fit).
import type { LinearMap } from "../linalg/linear-map.ts";
import type { PairObservations } from "./pairs.ts";

/** Item embeddings, row-major float32 (what embedders produce; half the memory of float64). */
export interface ItemEmbeddings {
  n: number;
  d: number;
  vectors: Float32Array;
}

export interface PairDesign {
  d: number;
  P: number;
  /** The items this design touches (indices into the embeddings), so products skip the others. */
  items: Int32Array;
  /** Pair endpoints as positions in `items`. */
  lo: Int32Array;
  hi: Int32Array;
  embeddings: ItemEmbeddings;
}

export function pairDesign(obs: PairObservations, embeddings: ItemEmbeddings): PairDesign {
  const local = new Map<number, number>();
  const items: number[] = [];
  const at = (item: number) => {
    let i = local.get(item);
    if (i === undefined) {
      i = items.length;
      local.set(item, i);
      items.push(item);
    }
    return i;
  };
  const lo = new Int32Array(obs.P);
  const hi = new Int32Array(obs.P);
  for (let p = 0; p < obs.P; p++) {
    lo[p] = at(obs.lo[p]);
    hi[p] = at(obs.hi[p]);
  }
  return { d: embeddings.d, P: obs.P, items: Int32Array.from(items), lo, hi, embeddings };
}

/** E V^T over the design's items: V is k x d, the result items x k. */
function projectItems(x: PairDesign, V: Float64Array, k: number): Float64Array {
  const { d, items } = x;
  const E = x.embeddings.vectors;
  const out = new Float64Array(items.length * k);
  const k4 = k - (k % 4);
  for (let i = 0; i < items.length; i++) {
    const e = items[i] * d;
    const o = i * k;
    // Four rows of V per sweep: each embedding value is loaded once for four products.
    for (let j = 0; j < k4; j += 4) {
      const v0 = j * d;
      const v1 = v0 + d;
      const v2 = v1 + d;
      const v3 = v2 + d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0; t < d; t++) {
        const x = E[e + t];
        s0 += x * V[v0 + t];
        s1 += x * V[v1 + t];
        s2 += x * V[v2 + t];
        s3 += x * V[v3 + t];
      }
      out[o + j] = s0;
      out[o + j + 1] = s1;
      out[o + j + 2] = s2;
      out[o + j + 3] = s3;
    }
    for (let j = k4; j < k; j++) {
      const v = j * d;
      let s = 0;
      for (let t = 0; t < d; t++) s += E[e + t] * V[v + t];
      out[o + j] = s;
    }
  }
  return out;
}

/** X V^T: every pair's difference projected on the k rows of V (P x k). */
export function projectPairs(x: PairDesign, V: Float64Array, k: number): Float64Array {
  const Y = projectItems(x, V, k);
  const out = new Float64Array(x.P * k);
  for (let p = 0; p < x.P; p++) {
    const a = x.lo[p] * k;
    const b = x.hi[p] * k;
    const o = p * k;
    for (let j = 0; j < k; j++) out[o + j] = Y[a + j] - Y[b + j];
  }
  return out;
}

/** X^T G for G (P x k): sum_p G[p] (e_lo - e_hi), returned k x d. */
export function backprojectPairs(x: PairDesign, G: Float64Array, k: number): Float64Array {
  const { d, items } = x;
  const E = x.embeddings.vectors;
  const onItems = new Float64Array(items.length * k);
  for (let p = 0; p < x.P; p++) {
    const a = x.lo[p] * k;
    const b = x.hi[p] * k;
    const g = p * k;
    for (let j = 0; j < k; j++) {
      onItems[a + j] += G[g + j];
      onItems[b + j] -= G[g + j];
    }
  }
  // Accumulated as d x k (each embedding value read once, k contiguous updates), transposed at the end.
  const acc = new Float64Array(d * k);
  for (let i = 0; i < items.length; i++) {
    const c = i * k;
    let any = false;
    for (let j = 0; j < k; j++) any ||= onItems[c + j] !== 0;
    if (!any) continue;
    const e = items[i] * d;
    if (k === 1) {
      const c0 = onItems[c];
      for (let t = 0; t < d; t++) acc[t] += c0 * E[e + t];
      continue;
    }
    for (let t = 0; t < d; t++) {
      const x = E[e + t];
      const o = t * k;
      for (let j = 0; j < k; j++) acc[o + j] += onItems[c + j] * x;
    }
  }
  const out = new Float64Array(k * d);
  for (let t = 0; t < d; t++) for (let j = 0; j < k; j++) out[j * d + t] = acc[t * k + j];
  return out;
}

/** The design as a linear map for one direction at a time (the pooled and per-user logistic regressions). */
export function designMap(x: PairDesign): LinearMap {
  return {
    rows: x.P,
    cols: x.d,
    apply: (v) => projectPairs(x, v, 1),
    applyT: (r) => backprojectPairs(x, r, 1),
  };
}
