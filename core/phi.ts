// A comparison's features: z = phi(a) - phi(b), the difference of two rows of phi = W e (n x J). The
// Bradley-Terry likelihood of "a over b" sees a user's weights only through lambda . z.

/** z = phi(a) - phi(b) for rows a and b of phi (n x J), written to out[at .. at + J). */
export function phiDifference(phi: Float64Array, J: number, a: number, b: number, out: Float64Array = new Float64Array(J), at = 0): Float64Array {
  for (let j = 0; j < J; j++) out[at + j] = phi[a * J + j] - phi[b * J + j];
  return out;
}
