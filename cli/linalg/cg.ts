// Conjugate gradients for H x = b with H symmetric positive definite and available only as a product v -> H v
// (a truncated-Newton inner solver: it stops at a relative residual or an iteration cap, whichever comes first).

export interface CgResult {
  x: Float64Array;
  iterations: number;
  relativeResidual: number;
}

export function conjugateGradient(
  apply: (v: Float64Array) => Float64Array,
  b: Float64Array,
  maxIterations: number,
  relativeTolerance: number,
  precondition: (r: Float64Array) => Float64Array = (r) => r,
): CgResult {
  const n = b.length;
  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  let z = precondition(r);
  const p = Float64Array.from(z);
  let rz = dot(r, z);
  const bNorm = Math.sqrt(dot(b, b));
  if (bNorm === 0) return { x, iterations: 0, relativeResidual: 0 };
  let it = 0;
  let res = 1;
  for (; it < maxIterations; it++) {
    const hp = apply(p);
    const php = dot(p, hp);
    if (!(php > 0)) break; // lost positive curvature to round-off: keep what we have
    const alpha = rz / php;
    for (let i = 0; i < n; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * hp[i];
    }
    res = Math.sqrt(dot(r, r)) / bNorm;
    if (res < relativeTolerance) {
      it++;
      break;
    }
    z = precondition(r);
    const rzNew = dot(r, z);
    const beta = rzNew / rz;
    rz = rzNew;
    for (let i = 0; i < n; i++) p[i] = z[i] + beta * p[i];
  }
  return { x, iterations: it, relativeResidual: res };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
