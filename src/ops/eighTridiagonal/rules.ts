// Derivative rules of eighTridiagonal, written in webgrad ops so that they compose (grad of grad). For the
// selected pairs (λ_k, v_k) of T (d on the diagonal, e beside it):
//   dλ_k = v_kᵀ Ṫ v_k                → ∂λ_k/∂d_i = v_ik², ∂λ_k/∂e_i = 2 v_ik v_(i+1)k
//   dv_k = −(T − λ_k)⁺ P_k Ṫ v_k     (⁺ on the complement of v_k: one tridiagonal solve per pair)
// P_k projects out v_k and every selected v_j with |λ_j − λ_k| ≤ 1e-6·max|λ| (eigh's degenerate rule: the
// derivative ignores rotations inside a near-degenerate eigenspace).
import { Tensor } from '../../tensor';
import { abs, add, le, mul, neg, sub } from '../elementwise';
import { matmul } from '../matmul';
import { max, sum } from '../reduce';
import { reshape, transpose } from '../shape';
import { DEGENERATE_RTOL } from '../eigh/degenerate';
import { bandTimes, lowerTimesUpper } from './band';
import { tridiagonalSolve, unsqueezeRows } from './solve';

/** 1 where selected pairs j, k are (near-)degenerate (j = k included), else 0: [..., K, K]. */
function degenerateMask(w: Tensor): Tensor {
  const k = w.shape[w.ndim - 1];
  const lead = w.shape.slice(0, -1);
  const gaps = abs(sub(reshape(w, [...lead, k, 1]), reshape(w, [...lead, 1, k])));
  const tol = mul(max(abs(w), { axis: -1, keepdim: true }), DEGENERATE_RTOL);
  return le(gaps, reshape(tol, [...lead, 1, 1]));
}

/** r − V ((Vᵀ r) ∘ mask): r's columns with their components along degenerate partners removed. */
function project(v: Tensor, mask: Tensor, r: Tensor): Tensor {
  return sub(r, matmul(v, mul(matmul(transpose(v), r), mask)));
}

/** u_k = (T − λ_k)⁺ r_k for every column k of r (r ⊥ its degenerate partners in, and out). */
function pseudoSolve(d: Tensor, e: Tensor, w: Tensor, v: Tensor, mask: Tensor, r: Tensor): Tensor {
  return project(v, mask, tridiagonalSolve(d, e, w, project(v, mask, r)));
}

/**
 * VJP: cotangents (λ̄ [..., K] or null, V̄ [..., n, K] or null) → [d̄ [..., n], ē [..., n − 1]].
 * d̄_i = Σ_k λ̄_k v_ik² − u_ik v_ik, ē_i = Σ_k 2 λ̄_k v_ik v_(i+1)k − u_ik v_(i+1)k − u_(i+1)k v_ik with u = (T − λ)⁺ V̄.
 */
export function eighTridiagonalVjp([d, e]: Tensor[], [w, v]: Tensor[], [gw, gv]: (Tensor | null)[]): Tensor[] {
  const n = d.shape[d.ndim - 1];
  // The eigenvalue part and the eigenvector part share one form: d̄ = Σ_k (a ∘ v)_ik, ē = Σ_k (a_i v_(i+1) + a_(i+1) v_i)_k.
  const parts: Tensor[] = [];
  if (gw) parts.push(mul(v, unsqueezeRows(gw)));
  if (gv) parts.push(neg(pseudoSolve(d, e, w, v, degenerateMask(w), gv)));
  const a = parts.length === 0 ? mul(v, 0) : parts.length === 1 ? parts[0] : add(parts[0], parts[1]);
  const gd = sum(mul(a, v), { axis: -1 });
  const ge = n > 1 ? sum(lowerTimesUpper(a, v), { axis: -1 }) : mul(e, 0);
  return [gd, ge];
}

/** JVP: tangents (ḋ [..., n] or null, ė [..., n − 1] or null) → [λ̇ [..., K], V̇ [..., n, K]]. */
export function eighTridiagonalJvp([d, e]: Tensor[], [w, v]: Tensor[], [dd, de]: (Tensor | null)[]): Tensor[] {
  const tv = bandTimes(dd, de, v); // Ṫ V
  const dw = sum(mul(v, tv), { axis: -2 });
  const dv = neg(pseudoSolve(d, e, w, v, degenerateMask(w), tv));
  return [dw, dv];
}
