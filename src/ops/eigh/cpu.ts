// The CPU reference of eigh: symmetrise in float64, solve each batch element with eighReference
// (Householder + implicit QL), and the CPU kernels of the backward's fused steps.
import { eighReference, eigvalshReference } from '../../linalg/eighReference';
import { fmt, WebgradError } from '../../shape';
import { Tensor } from '../../tensor';
import { cpuData, empty } from '../util';
import { degenerateTol } from './degenerate';

/** Throws at the call when the input holds NaN or ±Inf (the CPU path can look). */
export function checkFiniteCpu(a: Tensor): void {
  const xs = cpuData(a);
  for (let i = 0; i < a.size; i++) {
    if (!Number.isFinite(xs[i])) {
      throw new WebgradError('eigh', `input of shape ${fmt(a.shape)} contains NaN or Inf (element ${i} is ${xs[i]})`);
    }
  }
}

/** Eigenvalues [..., n] and (when `vectors`) eigenvectors [..., n, n] of (A + Aᵀ)/2, batch by batch. */
export function eighCpu(a: Tensor, vectors: boolean): [Tensor, Tensor | null] {
  const n = a.shape[a.ndim - 1];
  const batch = n === 0 ? 0 : a.size / (n * n);
  const lead = a.shape.slice(0, -2);
  const w = empty(a.backend, [...lead, n]);
  const v = vectors ? empty(a.backend, a.shape) : null;
  const [xs, ws, vs] = [cpuData(a), cpuData(w), v ? cpuData(v) : null];
  const s = new Float64Array(n * n);
  for (let b = 0; b < batch; b++) {
    const off = b * n * n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) s[i * n + j] = 0.5 * (xs[off + i * n + j] + xs[off + j * n + i]);
    }
    if (vs) {
      const { values, vectors: z } = eighReference(s, n);
      ws.set(values, b * n);
      vs.set(z, off);
    } else {
      ws.set(eigvalshReference(s, n), b * n);
    }
  }
  return [w, v];
}

/**
 * The middle step of eigh's backward, M = diag(λ̄) + sym(F ∘ W) with F_ij = 1/(λ_j − λ_i) (0 for
 * near-degenerate pairs, see `degenerateTol`). Returns M and whether such a pair dropped a non-zero term.
 */
export function eighMiddleCpu(wMat: Tensor, lam: Tensor, glam: Tensor | null): { mid: Tensor; degenerate: boolean } {
  const n = wMat.shape[wMat.ndim - 1];
  const batch = n === 0 ? 0 : wMat.size / (n * n);
  const out = empty(wMat.backend, wMat.shape);
  const [ws, ls, gs, ms] = [cpuData(wMat), cpuData(lam), glam ? cpuData(glam) : null, cpuData(out)];
  let degenerate = false;
  for (let b = 0; b < batch; b++) {
    const [off, lo] = [b * n * n, b * n];
    const tol = degenerateTol(ls[lo], ls[lo + n - 1]);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const at = off + i * n + j;
        if (i === j) {
          ms[at] = gs ? gs[lo + i] : 0;
          continue;
        }
        const gap = ls[lo + j] - ls[lo + i];
        const skew = ws[at] - ws[off + j * n + i];
        if (Math.abs(gap) <= tol) {
          ms[at] = 0;
          if (skew !== 0) degenerate = true;
        } else {
          ms[at] = skew / (2 * gap);
        }
      }
    }
  }
  return { mid: out, degenerate };
}

/** weightedOuterCpu's float64 accumulator, reused across calls (an n×n allocation per call showed in profiles). */
let outerScratch = new Float64Array(0);

/**
 * V diag(λ̄) Vᵀ as Σ_k λ̄_k v_k v_kᵀ over the non-zero λ̄_k in float64: O(n²) per eigenvalue that carries
 * gradient instead of two n³ products (E0 and the gap of a Hamiltonian touch 2 of its n eigenvalues).
 */
export function weightedOuterCpu(v: Tensor, glam: Tensor): Tensor {
  const n = v.shape[v.ndim - 1];
  const batch = n === 0 ? 0 : v.size / (n * n);
  const out = empty(v.backend, v.shape);
  const [vs, gs, os] = [cpuData(v), cpuData(glam), cpuData(out)];
  if (outerScratch.length < n * n) outerScratch = new Float64Array(n * n);
  const acc = outerScratch.subarray(0, n * n);
  const col = new Float64Array(n);
  for (let b = 0; b < batch; b++) {
    const off = b * n * n;
    acc.fill(0);
    for (let k = 0; k < n; k++) {
      const g = gs[b * n + k];
      if (g === 0) continue;
      for (let i = 0; i < n; i++) col[i] = vs[off + i * n + k];
      for (let i = 0; i < n; i++) {
        const gi = g * col[i];
        if (gi === 0) continue;
        for (let j = 0; j < n; j++) acc[i * n + j] += gi * col[j];
      }
    }
    os.set(acc, off);
  }
  return out;
}
