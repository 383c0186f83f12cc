// eigh: the symmetric eigendecomposition, forward on the CPU reference (Householder + QL in float64) or on
// WebGPU (a parallel block Jacobi, src/ops/eigh/jacobi.ts), with one hand-written backward for both.
import { needsGrad, record } from '../autograd/record';
import { fmt, WebgradError } from '../shape';
import { assertUsable, Tensor } from '../tensor';
import { addMethods } from './util';
import { checkFiniteCpu, eighBackwardCpu, eighCpu } from './eigh/cpu';
import { warnDegenerate } from './eigh/degenerate';
import { eighBackwardGpu } from './eigh/gpuBackward';
import { eighGpu } from './eigh/jacobi';

/** Checks a `[..., n, n]` input; returns n. */
function checkSquare(op: string, a: Tensor): number {
  if (!(a instanceof Tensor)) throw new WebgradError(op, `expected a Tensor, got ${typeof a}`);
  assertUsable(op, a);
  if (a.ndim < 2) throw new WebgradError(op, `needs a [..., n, n] tensor (rank >= 2), got shape ${fmt(a.shape)}`);
  const [r, c] = a.shape.slice(-2);
  if (r !== c) throw new WebgradError(op, `needs square matrices in the last two dims, got shape ${fmt(a.shape)} (${r}×${c})`);
  return r;
}

function forward(a: Tensor, vectors: boolean): [Tensor, Tensor | null] {
  if (a.backend.name === 'cpu') {
    checkFiniteCpu(a);
    return eighCpu(a, vectors);
  }
  return eighGpu(a, vectors);
}

/** The backward of eigh on either backend (see `eigh` for the formula and the degenerate rule). */
function eighBackward(w: Tensor, v: Tensor, gw: Tensor | null, gv: Tensor | null): Tensor {
  if (w.backend.name === 'cpu') {
    const { grad, degenerate } = eighBackwardCpu(w, v, gw, gv);
    if (degenerate) warnDegenerate();
    return grad;
  }
  return eighBackwardGpu(w, v, gw, gv);
}

/**
 * Eigenvalues and eigenvectors of real symmetric matrices `[..., n, n]` (batched over leading dims), like
 * `torch.linalg.eigh`.
 *
 * - Acts on the symmetrised input S = (A + Aᵀ)/2: both triangles are read, and an asymmetric A gives
 *   exactly the decomposition of its symmetric part (and the gradient of that composition).
 * - Returns `[eigenvalues [..., n], eigenvectors [..., n, n]]`: eigenvalues ascending, eigenvectors as
 *   columns (S V = V diag(λ)), each column's sign fixed so its largest-magnitude component is positive
 *   (the first such index on ties).
 * - CPU: float64 Householder tridiagonalisation + implicit QL per matrix, stored as float32. WebGPU: a
 *   parallel block Jacobi in float32 (Rutishauser's rotations grouped 8×8, index groups paired heaviest
 *   first at every step, a relative Demmel–Veselić stopping rule, pairing and convergence decided on the
 *   GPU; the op returns at once, its steps encoded in chunks between asynchronous reads of a done flag);
 *   its eigenvalues are the Rayleigh quotients vᵀSv of the computed
 *   eigenvectors, accurate where S's entries cancel (E0 ≈ 0.5 of a Hamiltonian with ‖H‖ ≈ 5000 to ~1e-5).
 * - Bad input: rank < 2 or non-square last dims throw at the call. NaN/Inf entries throw at the call on
 *   the CPU; on WebGPU they (and non-convergence) are detected on the GPU and the NEXT readback
 *   (`data()`, `item()`, …) throws a WebgradError naming eigh.
 * - Backward: Ā = V (diag(λ̄) + sym(F ∘ (Vᵀ V̄))) Vᵀ with F_ij = 1/(λ_j − λ_i) (i ≠ j), sym(X) = (X + Xᵀ)/2;
 *   when only eigenvalues carry gradient, the division-free V diag(λ̄) Vᵀ. Eigenvalue gradients are exact
 *   for any spectrum. For eigenvector gradients, pairs with |λ_j − λ_i| ≤ 1e-6·max|λ| count as degenerate:
 *   their F_ij is set to 0 (the gradient then ignores rotations inside the near-degenerate eigenspace,
 *   which the loss is only well-defined for if it is invariant under them) and a warning is printed once
 *   per process (on WebGPU at the next readback); never NaN/Inf.
 * @example const [w, v] = eigh(a); // a: [n, n]
 */
export function eigh(a: Tensor): [eigenvalues: Tensor, eigenvectors: Tensor] {
  checkSquare('eigh', a);
  const [w, v] = forward(a, true) as [Tensor, Tensor];
  return record('eigh', [w, v], [a], [w, v], ([gw, gv], [ws, vs]) => [eighBackward(ws, vs, gw, gv)]) as [Tensor, Tensor];
}

/**
 * Eigenvalues only (ascending, `[..., n]`) of the symmetrised input, like `torch.linalg.eigvalsh`. Its
 * gradient is the division-free V diag(λ̄) Vᵀ, exact for degenerate spectra too. On WebGPU it costs as much
 * as `eigh` (the eigenvalues are Rayleigh quotients of the eigenvectors) and returns the same values.
 */
export function eigvalsh(a: Tensor): Tensor {
  checkSquare('eigvalsh', a);
  if (!needsGrad([a])) return forward(a, false)[0];
  const [w, v] = forward(a, true) as [Tensor, Tensor];
  const [y] = record('eigvalsh', [w], [a], [w, v], ([gw], [ws, vs]) => [eighBackward(ws, vs, gw, null)]);
  v.dispose(); // the tape holds its own handle
  return y;
}

declare module '../tensor' {
  interface Tensor {
    eigh(): [eigenvalues: Tensor, eigenvectors: Tensor];
    eigvalsh(): Tensor;
  }
}

addMethods({ eigh, eigvalsh });
