// eighTridiagonal: selected eigenpairs of batched symmetric tridiagonal matrices, differentiable. Forward on
// the CPU reference (float64 bisection + inverse iteration) or WebGPU (the same in double-float); the VJP
// and JVP are written in webgrad ops (rules.ts).
import { bind, needsComposite, primitive, Primitive } from '../../autograd/primitive';
import { hasActiveTangent } from '../../autograd/forward';
import { needsGrad } from '../../autograd/record';
import { eigenvalueVjpFused } from './fusedVjp';
import { Tensor } from '../../tensor';
import { checkTridiagonal } from './check';
import { checkFiniteCpu, eighTridiagonalCpu } from './cpu';
import { eighTridiagonalGpu, workspaceLayout } from './gpu';
import { eighTridiagonalJvp, eighTridiagonalVjp } from './rules';

const OP = 'eighTridiagonal';

/** Options of {@link eighTridiagonal}. */
export interface EighTridiagonalOptions {
  /** Eigenvalue indices [lo, hi) in ascending order (default all: [0, n)). */
  select?: readonly [number, number];
  /** Whether to return eigenvectors (default true). */
  vectors?: boolean;
}

/** Host-side float64 values (CPU) or a device df writer (WebGPU) replacing the f32 d and e in the forward. */
export interface ExactEntries {
  d?: Float64Array;
  e?: Float64Array;
  writeDf?: (workspace: GPUBuffer, layout: ReturnType<typeof workspaceLayout>) => void;
}

/** Forward per backend; `exact` lets a caller supply more precise entries than d and e hold. */
const FORWARD = {
  cpu(d: Tensor, e: Tensor, lo: number, hi: number, vectors: boolean, exact?: ExactEntries): [Tensor, Tensor | null] {
    if (!exact?.d) checkFiniteCpu(OP, d, e);
    return eighTridiagonalCpu(d, e, lo, hi, vectors, exact?.d, exact?.e);
  },
  webgpu: (d: Tensor, e: Tensor, lo: number, hi: number, vectors: boolean, exact?: ExactEntries): [Tensor, Tensor | null] =>
    eighTridiagonalGpu(d, e, lo, hi, vectors, exact?.writeDf),
};

export function eighTridiagonalForward(
  d: Tensor,
  e: Tensor,
  lo: number,
  hi: number,
  vectors: boolean,
  exact?: ExactEntries,
): [Tensor, Tensor | null] {
  return FORWARD[d.backend.name](d, e, lo, hi, vectors, exact);
}

interface SelectParams {
  lo: number;
  hi: number;
  exact?: ExactEntries;
}

/**
 * The selected eigenpairs as a primitive: outputs [λ, V]. Backward of eigenvalues alone is one fused kernel
 * unless a graph is being recorded; otherwise, and for eigenvectors and forward mode, the rules in ops.
 */
const selectPrim: Primitive<SelectParams> = primitive<SelectParams>({
  name: OP,
  impl: {
    cpu: ([d, e], p) => FORWARD.cpu(d, e, p.lo, p.hi, true, p.exact) as Tensor[],
    webgpu: ([d, e], p) => FORWARD.webgpu(d, e, p.lo, p.hi, true, p.exact) as Tensor[],
  },
  vjp([gw, gv], { inputs: [d, e], outputs: [w, v] }) {
    if (!gw && !gv) return [null, null];
    if (gw && !gv && !needsComposite([v, gw])) return eigenvalueVjpFused(v, gw);
    return eighTridiagonalVjp([d, e], [w, v], [gw, gv]);
  },
  jvp: ([dd, de], { inputs: [d, e], outputs: [w, v] }) => (dd || de ? eighTridiagonalJvp([d, e], [w, v], [dd, de]) : [null, null]),
});

/** The op with its derivatives, for callers that supply `exact` entries (the Hamiltonian). */
export function eighTridiagonalWith(d: Tensor, e: Tensor, options: EighTridiagonalOptions, exact?: ExactEntries): [Tensor, Tensor | null] {
  const { lo, hi } = checkTridiagonal(OP, d, e, options.select);
  const vectors = options.vectors ?? true;
  if (!needsGrad([d, e]) && !hasActiveTangent(d) && !hasActiveTangent(e)) return eighTridiagonalForward(d, e, lo, hi, vectors, exact);
  const [w, v] = bind(selectPrim, [d, e], { lo, hi, exact });
  if (vectors) return [w, v];
  v.dispose(); // the tape holds its own handle
  return [w, null];
}

/**
 * Eigenvalues (ascending) and eigenvectors of symmetric tridiagonal matrices with diagonal `d` `[..., n]` and
 * off-diagonal `e` `[..., n − 1]`, batched over leading dims, like SciPy's `eigh_tridiagonal`.
 *
 * - `select: [lo, hi)` picks eigenvalues by index (default all); `vectors: false` returns eigenvalues only.
 * - Returns `[eigenvalues [..., k], eigenvectors [..., n, k]]` (k = hi − lo, eigenvectors as columns, unit
 *   length, the largest-magnitude entry positive as in `eigh`).
 * - CPU: float64 bisection (Sturm counts) and inverse iteration (LAPACK's stebz + stein). WebGPU: the same in
 *   double-float arithmetic (float32 pairs, ~48 bits): each eigenvalue its own workgroup (multisection),
 *   each eigenvector (or cluster of close eigenvalues) its own invocation; 4 dispatches, no readback.
 * - Derivatives: ∂λ_k/∂d_i = v_ik², ∂λ_k/∂e_i = 2 v_ik v_(i+1)k; eigenvector cotangents through one batched
 *   tridiagonal solve with T − λ_k per selected pair (no other eigenpairs needed). Selected pairs closer than
 *   1e-6·max|λ| are treated as degenerate, as `eigh` does.
 * - Bad input: shapes that do not match, `select` out of range → WebgradError at the call; NaN/Inf → at the
 *   call on the CPU, at the next readback on WebGPU.
 * @example const [w, v] = eighTridiagonal(d, e, { select: [0, 4] });
 */
export function eighTridiagonal(
  d: Tensor,
  e: Tensor,
  options?: EighTridiagonalOptions & { vectors?: true },
): [eigenvalues: Tensor, eigenvectors: Tensor];
export function eighTridiagonal(d: Tensor, e: Tensor, options: EighTridiagonalOptions & { vectors: false }): Tensor;
export function eighTridiagonal(d: Tensor, e: Tensor, options: EighTridiagonalOptions = {}): Tensor | [Tensor, Tensor] {
  const [w, v] = eighTridiagonalWith(d, e, options);
  return options.vectors === false ? w : [w, v!];
}
