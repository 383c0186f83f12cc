// eighTridiagonal on the CPU: the float64 reference (src/linalg/tridiagonalSelect.ts) per batch element.
import { selectedEigenpairs } from '../../linalg/tridiagonalSelect';
import { fmt, WebgradError } from '../../shape';
import { Tensor } from '../../tensor';
import { cpuData, empty } from '../util';
import { CLUSTER_RTOL, ITERATIONS } from './constants';

/** Throws at the call when d or e holds NaN or ±Inf. */
export function checkFiniteCpu(op: string, d: Tensor, e: Tensor): void {
  for (const [name, t] of [
    ['d', d],
    ['e', e],
  ] as const) {
    const xs = cpuData(t);
    for (let i = 0; i < t.size; i++) {
      if (!Number.isFinite(xs[i])) throw new WebgradError(op, `${name} of shape ${fmt(t.shape)} contains NaN or Inf (element ${i} is ${xs[i]})`);
    }
  }
}

/**
 * Eigenpairs lo..hi−1 of each matrix: eigenvalues [..., k]; eigenvectors [..., n, k] (columns). `dExact`, when
 * given, replaces d's float32 values with float64 ones (the Hamiltonian's diagonal built on the host).
 */
export function eighTridiagonalCpu(
  d: Tensor,
  e: Tensor,
  lo: number,
  hi: number,
  vectors: boolean,
  dExact?: Float64Array,
  eExact?: Float64Array,
): [Tensor, Tensor | null] {
  const n = d.shape[d.ndim - 1];
  const k = hi - lo;
  const lead = d.shape.slice(0, -1);
  const batch = n === 0 ? 0 : d.size / n;
  const w = empty(d.backend, [...lead, k]);
  const v = vectors ? empty(d.backend, [...lead, n, k]) : null;
  const [ds, es, ws, vs] = [dExact ?? cpuData(d), eExact ?? cpuData(e), cpuData(w), v ? cpuData(v) : null];
  for (let b = 0; b < batch; b++) {
    const db = ds.subarray(b * n, (b + 1) * n);
    const eb = es.subarray(b * (n - 1), (b + 1) * (n - 1));
    const r = selectedEigenpairs(db, eb, n, lo, hi, vectors, CLUSTER_RTOL, ITERATIONS);
    ws.set(r.values, b * k);
    if (vs && r.vectors) vs.set(r.vectors, b * n * k);
  }
  return [w, v];
}
