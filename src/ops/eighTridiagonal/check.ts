// Argument checks shared by eighTridiagonal and tridiagonalSolve.
import { fmt, WebgradError } from '../../shape';
import { assertUsable, Tensor } from '../../tensor';

/** Checks d [..., n] and e [..., n − 1] and the selection; returns n, lo and hi. */
export function checkTridiagonal(op: string, d: Tensor, e: Tensor, select?: readonly [number, number]): { n: number; lo: number; hi: number } {
  for (const [name, t] of [
    ['d', d],
    ['e', e],
  ] as const) {
    if (!(t instanceof Tensor)) throw new WebgradError(op, `${name} must be a Tensor, got ${typeof t}`);
    assertUsable(op, t);
  }
  if (d.ndim < 1) throw new WebgradError(op, `d must have shape [..., n], got ${fmt(d.shape)}`);
  if (e.backend !== d.backend) throw new WebgradError(op, `d and e must be on one backend, got ${d.backend.name} and ${e.backend.name}`);
  const n = d.shape[d.ndim - 1];
  const lead = d.shape.slice(0, -1);
  const want = [...lead, Math.max(n - 1, 0)];
  if (n < 1 || e.ndim !== d.ndim || e.shape.some((s, i) => s !== want[i])) {
    throw new WebgradError(op, `d of shape ${fmt(d.shape)} needs e of shape ${fmt(want)} (n ≥ 1, n − 1 off-diagonal entries), got ${fmt(e.shape)}`);
  }
  const [lo, hi] = select ?? [0, n];
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi > n || lo >= hi) {
    throw new WebgradError(op, `select must be integers [lo, hi) with 0 ≤ lo < hi ≤ n = ${n}, got [${select?.join(', ')}]`);
  }
  return { n, lo, hi };
}
