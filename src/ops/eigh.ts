// eigh: the symmetric eigendecomposition, forward on the CPU reference (Householder + QL in float64) or on
// WebGPU (a parallel block Jacobi, src/ops/eigh/jacobi.ts), with one VJP and one JVP rule for both,
// written in ops: fused steps (src/ops/eigh/middle.ts) when nothing records, the same algebra in recorded
// ops when the derivative is itself differentiated (second order).
import { bind, needsComposite, primitive, Primitive, renamed } from '../autograd/primitive';
import { hasActiveTangent } from '../autograd/forward';
import { needsGrad } from '../autograd/record';
import { fmt, WebgradError } from '../shape';
import { assertUsable, Tensor } from '../tensor';
import { addMethods } from './util';
import { eye } from './creation';
import { add, abs, div, gt, mul, sub } from './elementwise';
import { matmul } from './matmul';
import { max, sum } from './reduce';
import { transpose, unsqueeze } from './shape';
import { checkFiniteCpu, eighCpu } from './eigh/cpu';
import { DEGENERATE_RTOL } from './eigh/degenerate';
import { EIGH_MIDDLE, WEIGHTED_OUTER } from './eigh/middle';
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

const EIGH_FORWARD = {
  cpu(a: Tensor, vectors: boolean): [Tensor, Tensor | null] {
    checkFiniteCpu(a);
    return eighCpu(a, vectors);
  },
  webgpu: eighGpu,
};

/**
 * F_ij = 1/(λ_j − λ_i) off the diagonal, 0 on it and for near-degenerate pairs (|λ_j − λ_i| ≤
 * 1e-6·max|λ|): differentiable in λ (the mask is a constant).
 */
function inverseGaps(w: Tensor): Tensor {
  const gaps = sub(unsqueeze(w, -2), unsqueeze(w, -1)); // [..., i, j] = λ_j − λ_i
  const tol = mul(unsqueeze(max(abs(w), -1, true), -1), DEGENERATE_RTOL);
  const mask = gt(abs(gaps), tol);
  return div(mask, add(gaps, sub(1, mask)));
}

const sym = (x: Tensor): Tensor => mul(add(x, transpose(x)), 0.5);

/** M = diag(λ̄) + sym(F ∘ W) in ops. */
function middleOps(wMat: Tensor, w: Tensor, gw: Tensor | null): Tensor {
  const off = sym(mul(inverseGaps(w), wMat));
  if (!gw) return off;
  const n = w.shape[w.ndim - 1];
  return add(off, mul(unsqueeze(gw, -1), eye(n, n, { backend: w.backend })));
}

/**
 * Ā = V (diag(λ̄) + sym(F ∘ (Vᵀ V̄))) Vᵀ; with no V̄, V diag(λ̄) Vᵀ (division-free, exact for any spectrum).
 * Fused steps when nothing records, recorded ops otherwise.
 */
function eighVjp([gw, gv]: readonly (Tensor | null)[], w: Tensor, v: Tensor): (Tensor | null)[] {
  if (!gw && !gv) return [null];
  const composite = needsComposite([w, v, gw, gv]);
  const backend = v.backend.name;
  if (!gv && !composite) return [WEIGHTED_OUTER[backend](v, gw!)];
  const vt = transpose(v);
  if (!gv) return [matmul(mul(v, unsqueeze(gw!, -2)), vt)];
  const wMat = matmul(vt, gv);
  const mid = composite ? middleOps(wMat, w, gw) : EIGH_MIDDLE[backend](wMat, w, gw);
  return [matmul(matmul(v, mid), vt)];
}

/** λ̇ = diag(Vᵀ Ṡ V), V̇ = V (F ∘ Vᵀ Ṡ V) on the symmetrised tangent Ṡ = (Ȧ + Ȧᵀ)/2. */
function eighJvp(ta: Tensor, w: Tensor, v: Tensor, vectors: boolean): (Tensor | null)[] {
  const sv = matmul(sym(ta), v);
  const dw = sum(mul(v, sv), -2);
  if (!vectors) return [dw];
  const b = matmul(transpose(v), sv);
  return [dw, matmul(v, mul(inverseGaps(w), b))];
}

/** The decomposition: outputs [λ, V]. */
const eighPrim: Primitive<void> = primitive<void>({
  name: 'eigh',
  impl: {
    cpu: ([a]) => EIGH_FORWARD.cpu(a, true) as Tensor[],
    webgpu: ([a]) => EIGH_FORWARD.webgpu(a, true) as Tensor[],
  },
  vjp: (cts, { outputs: [w, v] }) => eighVjp(cts, w, v),
  jvp: ([ta], { outputs: [w, v] }) => (ta ? eighJvp(ta, w, v, true) : [null, null]),
  saves: { inputs: false, outputs: true },
});

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
 *   for any spectrum. Forward mode: λ̇ = diag(Vᵀ Ṡ V), V̇ = V (F ∘ Vᵀ Ṡ V). Both rules are written in ops,
 *   so derivatives of any order compose (d²E0/dκ² of the Hamiltonian by `hessian` or `jvp` of `grad`).
 *   For eigenvector gradients, pairs with |λ_j − λ_i| ≤ 1e-6·max|λ| count as degenerate:
 *   their F_ij is set to 0 (the gradient then ignores rotations inside the near-degenerate eigenspace,
 *   which the loss is only well-defined for if it is invariant under them) and a warning is printed once
 *   per process (on WebGPU at the next readback); never NaN/Inf.
 * @example const [w, v] = eigh(a); // a: [n, n]
 */
export function eigh(a: Tensor): [eigenvalues: Tensor, eigenvectors: Tensor] {
  checkSquare('eigh', a);
  return bind(eighPrim, [a], undefined) as [Tensor, Tensor];
}

/**
 * Eigenvalues only (ascending, `[..., n]`) of the symmetrised input, like `torch.linalg.eigvalsh`. Its
 * gradient is the division-free V diag(λ̄) Vᵀ, exact for degenerate spectra too. On WebGPU it costs as much
 * as `eigh` (the eigenvalues are Rayleigh quotients of the eigenvectors) and returns the same values.
 */
export function eigvalsh(a: Tensor): Tensor {
  checkSquare('eigvalsh', a);
  if (!needsGrad([a]) && !hasActiveTangent(a)) return EIGH_FORWARD[a.backend.name](a, false)[0];
  const [w, v] = bind(renamed(eighPrim, 'eigvalsh'), [a], undefined);
  v.dispose(); // the tape holds its own handle
  return w;
}

declare module '../tensor' {
  interface Tensor {
    /** Eigenvalues (ascending) and eigenvectors (columns) of the symmetrised matrix; see {@link eigh}. */
    eigh(): [eigenvalues: Tensor, eigenvectors: Tensor];
    /** Eigenvalues (ascending) of the symmetrised matrix; see {@link eigvalsh}. */
    eigvalsh(): Tensor;
  }
}

addMethods({ eigh, eigvalsh });
