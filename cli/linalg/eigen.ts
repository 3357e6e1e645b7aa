// Symmetric eigendecomposition by cyclic Jacobi rotations: simple, accurate, and fast enough for the sizes the
// offline tools need it at (users x users Gram matrices, J x J gauge fixes; n up to a few hundred).

export interface Eigen {
  /** Eigenvalues in descending order. */
  values: Float64Array;
  /** n x n row-major; column k is the unit eigenvector of values[k]. */
  vectors: Float64Array;
}

export function symmetricEigen(input: Float64Array, n: number, maxSweeps = 60): Eigen {
  const a = Float64Array.from(input);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i] ** 2;
      for (let j = i + 1; j < n; j++) off += a[i * n + j] ** 2;
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y] - a[x * n + x]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

/** A^(power) for symmetric positive semi-definite A (eigenvalues floored at `floor`). */
export function symmetricPower(a: Float64Array, n: number, power: number, floor = 1e-12): Float64Array {
  const { values, vectors } = symmetricEigen(a, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const f = Math.max(values[k], floor) ** power;
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k] * f;
      for (let j = 0; j < n; j++) out[i * n + j] += vik * vectors[j * n + k];
    }
  }
  return out;
}

/**
 * The k eigenpairs of largest eigenvalue of a symmetric n x n matrix (n large, k small) by block subspace iteration
 * with a Rayleigh-Ritz step: Jacobi on the whole matrix would cost n^3 per sweep. Iterates on `extra` more
 * directions than asked, which converges to the eigenvalues largest in magnitude; the Ritz step then orders them by
 * signed value, so a matrix with large negative eigenvalues needs enough extra directions to hold them.
 */
export function topEigen(a: Float64Array, n: number, k: number, o: { extra?: number; iterations?: number; seed?: number } = {}): Eigen {
  const m = Math.min(n, k + (o.extra ?? Math.max(8, k)));
  let state = (o.seed ?? 1) >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
  let V = Float64Array.from({ length: n * m }, uniform); // n x m, columns are the directions
  orthonormalizeColumns(V, n, m);
  const times = (X: Float64Array) => {
    const out = new Float64Array(n * m);
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < n; t++) {
        const ait = a[i * n + t];
        if (ait === 0) continue;
        for (let j = 0; j < m; j++) out[i * m + j] += ait * X[t * m + j];
      }
    }
    return out;
  };
  for (let it = 0; it < (o.iterations ?? 40); it++) {
    V = times(V);
    orthonormalizeColumns(V, n, m);
  }
  const AV = times(V);
  const small = new Float64Array(m * m); // V^T A V
  for (let x = 0; x < m; x++) for (let y = 0; y < m; y++) for (let i = 0; i < n; i++) small[x * m + y] += V[i * m + x] * AV[i * m + y];
  for (let x = 0; x < m; x++) for (let y = 0; y < x; y++) small[x * m + y] = small[y * m + x] = (small[x * m + y] + small[y * m + x]) / 2;
  const ritz = symmetricEigen(small, m);
  const kk = Math.min(k, m);
  const vectors = new Float64Array(n * kk);
  for (let i = 0; i < n; i++) for (let c = 0; c < kk; c++) for (let x = 0; x < m; x++) vectors[i * kk + c] += V[i * m + x] * ritz.vectors[x * m + c];
  return { values: ritz.values.slice(0, kk), vectors };
}

/** Modified Gram-Schmidt on the m columns of an n x m row-major matrix, in place (a dependent column becomes 0). */
export function orthonormalizeColumns(V: Float64Array, n: number, m: number): void {
  for (let c = 0; c < m; c++) {
    for (let p = 0; p < c; p++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += V[i * m + c] * V[i * m + p];
      for (let i = 0; i < n; i++) V[i * m + c] -= s * V[i * m + p];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += V[i * m + c] ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) V[i * m + c] = norm > 1e-300 ? V[i * m + c] / norm : 0;
  }
}
