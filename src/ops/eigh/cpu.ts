// The CPU reference of eigh: symmetrise in float64, solve each batch element with eighReference
// (Householder + implicit QL), and the hand-written backward in float64 loops.
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
 * Ā = V (diag(λ̄) + sym(F ∘ (Vᵀ V̄))) Vᵀ in float64, F_ij = 1/(λ_j − λ_i) (0 for near-degenerate pairs,
 * see `degenerateTol`); without V̄ the division-free V diag(λ̄) Vᵀ. Returns the gradient and whether a
 * near-degenerate pair dropped a non-zero term.
 */
export function eighBackwardCpu(w: Tensor, v: Tensor, gw: Tensor | null, gv: Tensor | null): { grad: Tensor; degenerate: boolean } {
  const n = v.shape[v.ndim - 1];
  const batch = n === 0 ? 0 : v.size / (n * n);
  const out = empty(v.backend, v.shape);
  const [ws, vs, gws, gvs, os] = [cpuData(w), cpuData(v), gw ? cpuData(gw) : null, gv ? cpuData(gv) : null, cpuData(out)];
  const m = new Float64Array(n * n);
  const wt = new Float64Array(n * n);
  const vm = new Float64Array(n * n);
  let degenerate = false;
  const col = new Float64Array(n);
  for (let b = 0; b < batch; b++) {
    const off = b * n * n;
    const lam = (i: number): number => ws[b * n + i];
    if (!gvs) {
      // Only eigenvalues carry gradient: Ā = Σ_k λ̄_k v_k v_kᵀ over the non-zero λ̄_k, O(n²) each instead of
      // two n³ products (E0 and the gap of an nx = 500 Hamiltonian touch 2 of 500 eigenvalues).
      os.fill(0, off, off + n * n);
      for (let k = 0; k < n; k++) {
        const g = gws ? gws[b * n + k] : 0;
        if (g === 0) continue;
        for (let i = 0; i < n; i++) col[i] = vs[off + i * n + k];
        for (let i = 0; i < n; i++) {
          const gi = g * col[i];
          if (gi === 0) continue;
          const row = off + i * n;
          for (let j = 0; j < n; j++) os[row + j] += gi * col[j];
        }
      }
      continue;
    }
    m.fill(0);
    if (gws) for (let i = 0; i < n; i++) m[i * n + i] = gws[b * n + i];
    if (gvs) {
      // W = Vᵀ V̄
      wt.fill(0);
      for (let k = 0; k < n; k++) {
        for (let i = 0; i < n; i++) {
          const vki = vs[off + k * n + i];
          if (vki === 0) continue;
          for (let j = 0; j < n; j++) wt[i * n + j] += vki * gvs[off + k * n + j];
        }
      }
      const tol = degenerateTol(lam(0), lam(n - 1));
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (i === j) continue;
          const gap = lam(j) - lam(i);
          const skew = wt[i * n + j] - wt[j * n + i];
          if (Math.abs(gap) <= tol) {
            if (skew !== 0) degenerate = true;
            continue;
          }
          m[i * n + j] += skew / (2 * gap);
        }
      }
    }
    // Ā = (V M) Vᵀ
    vm.fill(0);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        const vik = vs[off + i * n + k];
        if (vik === 0) continue;
        for (let j = 0; j < n; j++) vm[i * n + j] += vik * m[k * n + j];
      }
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += vm[i * n + k] * vs[off + j * n + k];
        os[off + i * n + j] = acc;
      }
    }
  }
  return { grad: out, degenerate };
}
