// tridiagonalSolve: x_k = (T − s_k I)⁻¹ b_k for symmetric tridiagonal T (diagonal d [..., n], off-diagonal
// e [..., n − 1]), shifts s [..., K] and right-hand sides b [..., n, K] (one column per shift). The primitive
// behind eighTridiagonal's eigenvector derivatives, with its own VJP and JVP in webgrad ops.
import { bind1, primitive, Primitive } from '../../autograd/primitive';
import { groups1d } from '../../backend/webgpu/kernel';
import { EPS, TridiagonalLU } from '../../linalg/tridiagonalEigen';
import { fmt, WebgradError } from '../../shape';
import { Tensor } from '../../tensor';
import { add, mul, neg, sub } from '../elementwise';
import { sum } from '../reduce';
import { asWebGPU, cpuData, empty, gpuBuffer, gpuKernel, uniformWords } from '../util';
import { checkTridiagonal } from './check';
import { bandTimes, lowerTimesUpper } from './band';
import solveWgsl from '../../../shaders/tridiagonal/solve.wgsl?raw';

const OP = 'tridiagonalSolve';

function solveCpu(d: Tensor, e: Tensor, s: Tensor, b: Tensor): Tensor {
  const n = d.shape[d.ndim - 1];
  const k = s.shape[s.ndim - 1];
  const batch = d.size / n;
  const x = empty(d.backend, b.shape);
  const [ds, es, ss, bs, xs] = [cpuData(d), cpuData(e), cpuData(s), cpuData(b), cpuData(x)];
  const lu = new TridiagonalLU(n);
  const y = new Float64Array(n);
  const dd = new Float64Array(n);
  const ee = new Float64Array(n);
  for (let m = 0; m < batch; m++) {
    let norm = 0;
    for (let i = 0; i < n; i++) {
      dd[i] = ds[m * n + i];
      ee[i] = i + 1 < n ? es[m * (n - 1) + i] : 0;
      norm = Math.max(norm, Math.abs(dd[i]) + Math.abs(ee[i]) + (i > 0 ? Math.abs(ee[i - 1]) : 0));
    }
    for (let c = 0; c < k; c++) {
      lu.factor(dd, ee, 0, n, ss[m * k + c], Math.max(EPS * norm, Number.MIN_VALUE));
      for (let i = 0; i < n; i++) y[i] = bs[(m * n + i) * k + c];
      lu.solve(y);
      for (let i = 0; i < n; i++) xs[(m * n + i) * k + c] = y[i];
    }
  }
  return x;
}

function solveGpu(d: Tensor, e: Tensor, s: Tensor, b: Tensor): Tensor {
  const gpu = asWebGPU(d.backend);
  const n = d.shape[d.ndim - 1];
  const k = s.shape[s.ndim - 1];
  const batch = d.size / n;
  const x = empty(d.backend, b.shape);
  if (x.size === 0) return x;
  const wg = gpu.cpuDriver ? 4 : 64;
  const kernel = gpuKernel(`tridiagonalSolve:${n}:${k}:${wg}`, solveWgsl, { N: n, K: k, WG: wg }, [4, 2]);
  const ws = gpu.alloc(4 * batch * k * n);
  gpu.run(
    kernel,
    [gpuBuffer(d), gpuBuffer(e.size > 0 ? e : d), gpuBuffer(s), gpuBuffer(b), gpuBuffer(x), ws.payload as GPUBuffer],
    uniformWords([batch]),
    groups1d(batch * k, wg),
  );
  ws.release();
  return x;
}

/**
 * x = (T − s_k I)⁻¹ b_k per column k: d [..., n], e [..., n − 1], shifts [..., K], b [..., n, K] → [..., n, K].
 * Pivoted LU (float64 on the CPU, float32 on WebGPU); a (nearly) singular T − s_k I gets its tiny pivots
 * replaced by ±ε‖T‖₁, as inverse iteration wants. Differentiable in all four inputs.
 */
export function tridiagonalSolve(d: Tensor, e: Tensor, shifts: Tensor, b: Tensor): Tensor {
  const { n } = checkTridiagonal(OP, d, e);
  const lead = d.shape.slice(0, -1);
  const k = shifts.shape[shifts.ndim - 1];
  const wantS = [...lead, k];
  const wantB = [...lead, n, k];
  if (
    shifts.ndim !== wantS.length ||
    shifts.shape.some((x, i) => x !== wantS[i]) ||
    b.ndim !== wantB.length ||
    b.shape.some((x, i) => x !== wantB[i])
  ) {
    throw new WebgradError(
      OP,
      `d ${fmt(d.shape)} needs shifts [..., K] and b [..., n, K] with the same leading dims, got ${fmt(shifts.shape)} and ${fmt(b.shape)}`,
    );
  }
  return bind1(solvePrim, [d, e, shifts, b], undefined);
}

/** The solve as a primitive: forward per backend, VJP and JVP in ops (a solve each), so every order composes. */
const solvePrim: Primitive<void> = primitive<void>({
  name: OP,
  impl: {
    cpu: ([d, e, s, b]) => [solveCpu(d, e, s, b)],
    webgpu: ([d, e, s, b]) => [solveGpu(d, e, s, b)],
  },
  vjp: (cts, { inputs, outputs }) => (cts[0] ? tridiagonalSolveVjp([...inputs], [...outputs], [...cts]) : [null, null, null, null]),
  jvp: (tangents, { inputs, outputs }) => (tangents.some((t) => t) ? tridiagonalSolveJvp([...inputs], [...outputs], [...tangents]) : [null]),
});

/**
 * VJP: inputs [d, e, s(, b)], outputs [x], cotangents [x̄] → [d̄, ē, s̄, b̄]: b̄ = (T − s)⁻¹ x̄ (T symmetric),
 * d̄ = −Σ_k b̄∘x, ē = −Σ_k (b̄_i x_(i+1) + b̄_(i+1) x_i), s̄ = Σ_i b̄∘x.
 */
export function tridiagonalSolveVjp([d, e, s]: Tensor[], [x]: Tensor[], [gx]: (Tensor | null)[]): Tensor[] {
  if (!gx) gx = mul(x, 0);
  const gb = tridiagonalSolve(d, e, s, gx);
  const bx = mul(gb, x);
  const gd = neg(sum(bx, { axis: -1 }));
  const ge = neg(sum(lowerTimesUpper(gb, x), { axis: -1 }));
  const gs = sum(bx, { axis: -2 });
  return [gd, ge, gs, gb];
}

/** JVP: inputs [d, e, s(, b)], outputs [x], tangents [ḋ, ė, ṡ, ḃ] (null: zero) → [ẋ], ẋ = (T − s)⁻¹ (ḃ − (Ṫ − ṡ) x). */
export function tridiagonalSolveJvp([d, e, s]: Tensor[], [x]: Tensor[], [dd, de, ds, db]: (Tensor | null)[]): Tensor[] {
  let rhs: Tensor | null = db;
  const tx = dd || de ? bandTimes(dd, de, x) : null; // Ṫ x
  if (tx) rhs = rhs ? sub(rhs, tx) : neg(tx);
  if (ds) {
    const sx = mul(x, unsqueezeRows(ds));
    rhs = rhs ? add(rhs, sx) : sx;
  }
  if (!rhs) return [mul(x, 0)];
  return [tridiagonalSolve(d, e, s, rhs)];
}

/** shifts [..., K] as [..., 1, K] (broadcast over rows). */
export function unsqueezeRows(s: Tensor): Tensor {
  return s.reshape([...s.shape.slice(0, -1), 1, s.shape[s.ndim - 1]]);
}
