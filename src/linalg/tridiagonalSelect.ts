/**
 * Selected eigenpairs of a symmetric tridiagonal matrix in float64 (LAPACK's stebz + stein): eigenvalues by
 * bisection on Sturm counts, eigenvectors by inverse iteration with the pivoted LU of T − λI, clusters
 * reorthogonalised. The same algorithm as the WebGPU kernels (shaders/tridiagonal/eigen.wgsl), which run it
 * in double-float; this is their reference. d[0..n), e[0..n−1) (e[i] = T[i+1][i]).
 */
import { EPS, TridiagonalLU } from './tridiagonalEigen';

/** Eigenvalues of T below σ (negative pivots of T − σI = LDLᵀ; pivots kept ≥ pivmin away from 0). */
export function sturmCount(d: ArrayLike<number>, e2: ArrayLike<number>, n: number, sigma: number, pivmin: number): number {
  let count = 0;
  let q = 1;
  for (let i = 0; i < n; i++) {
    q = d[i] - sigma - (i > 0 ? e2[i - 1] / q : 0);
    if (Math.abs(q) < pivmin) q = -pivmin;
    if (q < 0) count++;
  }
  return count;
}

export interface TridiagonalBounds {
  /** Gershgorin interval holding every eigenvalue (widened for rounding). */
  lower: number;
  upper: number;
  /** ‖T‖₁ (never 0). */
  norm: number;
  /** Smallest pivot magnitude of the Sturm sequence (LAPACK's pivmin). */
  pivmin: number;
}

export function tridiagonalBounds(d: ArrayLike<number>, e: ArrayLike<number>, n: number): TridiagonalBounds {
  let lower = Infinity;
  let upper = -Infinity;
  let norm = 0;
  let e2max = 0;
  for (let i = 0; i < n; i++) {
    const r = (i > 0 ? Math.abs(e[i - 1]) : 0) + (i + 1 < n ? Math.abs(e[i]) : 0);
    lower = Math.min(lower, d[i] - r);
    upper = Math.max(upper, d[i] + r);
    norm = Math.max(norm, Math.abs(d[i]) + r);
    if (i + 1 < n) e2max = Math.max(e2max, e[i] * e[i]);
  }
  norm = Math.max(norm, Number.MIN_VALUE);
  const pivmin = Math.max(1, e2max) * 1e-290;
  const margin = 2 * EPS * n * norm + 2 * pivmin;
  return { lower: lower - margin, upper: upper + margin, norm, pivmin };
}

/** λ_k (0-based, ascending) by bisection, to ~2ε·|λ| (or ε·‖T‖/4 near 0). */
export function bisectEigenvalue(d: ArrayLike<number>, e2: ArrayLike<number>, n: number, k: number, bounds: TridiagonalBounds): number {
  let a = bounds.lower;
  let b = bounds.upper;
  for (let round = 0; round < 2200; round++) {
    const tol = Math.max(2 * EPS * Math.max(Math.abs(a), Math.abs(b)), 0.25 * EPS * bounds.norm, bounds.pivmin);
    if (b - a <= tol) break;
    const mid = a + 0.5 * (b - a);
    if (mid <= a || mid >= b) break;
    if (sturmCount(d, e2, n, mid, bounds.pivmin) > k) b = mid;
    else a = mid;
  }
  return a + 0.5 * (b - a);
}

/** The start vector's entry i for eigenvalue k: the integer hash the WebGPU kernel uses, in [−1, 1). */
export function startEntry(k: number, i: number): number {
  let h = (Math.imul(k, 0x9e3779b9) ^ Math.imul(i, 0x85ebca6b) ^ 0x2545f491) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return (h >>> 8) / 8388608 - 1;
}

export interface SelectedEigenpairs {
  /** λ_lo … λ_{hi−1}, ascending. */
  values: Float64Array;
  /** n × (hi − lo) row-major: column c is the unit eigenvector of values[c] (largest entry positive). */
  vectors: Float64Array | null;
}

/**
 * Eigenpairs lo..hi−1 of T. Eigenvalues closer than clusterRtol·‖T‖₁ to their predecessor share a cluster:
 * their vectors are computed in order, each iterate orthogonalised against the cluster's earlier vectors,
 * and an eigenvalue (nearly) equal to its predecessor is nudged apart so the solves differ.
 */
export function selectedEigenpairs(
  d: ArrayLike<number>,
  e: ArrayLike<number>,
  n: number,
  lo: number,
  hi: number,
  vectors: boolean,
  clusterRtol: number,
  iterations: number,
): SelectedEigenpairs {
  const k = hi - lo;
  const e2 = new Float64Array(Math.max(n - 1, 0));
  for (let i = 0; i + 1 < n; i++) e2[i] = e[i] * e[i];
  const bounds = tridiagonalBounds(d, e, n);
  const values = new Float64Array(k);
  for (let j = 0; j < k; j++) values[j] = bisectEigenvalue(d, e2, n, lo + j, bounds);
  if (!vectors) return { values, vectors: null };

  const dd = Float64Array.from(d);
  const ee = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) ee[i] = e[i];
  const z = new Float64Array(n * k);
  const y = new Float64Array(n);
  const lu = new TridiagonalLU(n);
  const ortol = clusterRtol * bounds.norm;
  const tol = EPS * bounds.norm;
  let start = 0; // the current cluster's first column
  let xPrev = 0;
  for (let j = 0; j < k; j++) {
    let x = values[j];
    if (j > 0 && values[j] - values[j - 1] <= ortol) {
      const pertol = 10 * EPS * Math.max(Math.abs(x), 1e-3 * bounds.norm);
      if (x - xPrev < pertol) x = xPrev + pertol;
    } else {
      start = j;
    }
    for (let i = 0; i < n; i++) y[i] = startEntry(lo + j, i);
    lu.factor(dd, ee, 0, n, x, tol);
    for (let it = 0; it < iterations; it++) {
      lu.solve(y);
      for (let c = start; c < j; c++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += y[i] * z[i * k + c];
        for (let i = 0; i < n; i++) y[i] -= dot * z[i * k + c];
      }
      let big = 0;
      for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(y[i]));
      if (!(big > 0 && big < Infinity)) throw new Error(`eighTridiagonal: inverse iteration broke down for eigenvalue ${lo + j}`);
      for (let i = 0; i < n; i++) y[i] /= big;
    }
    let norm2 = 0;
    let best = 0;
    for (let i = 0; i < n; i++) {
      norm2 += y[i] * y[i];
      if (Math.abs(y[i]) > Math.abs(y[best])) best = i;
    }
    const scale = (y[best] < 0 ? -1 : 1) / Math.sqrt(norm2);
    for (let i = 0; i < n; i++) z[i * k + j] = y[i] * scale;
    xPrev = x;
  }
  return { values, vectors: z };
}
