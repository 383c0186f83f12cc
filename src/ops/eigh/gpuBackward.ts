// eigh's backward on WebGPU: W = Vᵀ V̄ and the two outer products by the matmul op, the middle step
// M = diag(λ̄) + sym(F ∘ W) by shaders/eigh.backward.wgsl. A near-degenerate pair that drops a non-zero term
// raises a flag the next readback turns into the once-per-process warning (no readback here).
import { groups1d } from '../../backend/webgpu/kernel';
import { Tensor } from '../../tensor';
import { matmul } from '../matmul';
import { mul } from '../elementwise';
import { reshape, transpose } from '../shape';
import { asWebGPU, empty, gpuBuffer, gpuKernel, uniformWords } from '../util';
import { DEGENERATE_RTOL, warnDegenerate } from './degenerate';
import backwardWgsl from '../../../shaders/eigh.backward.wgsl?raw';

/** M = diag(λ̄) + sym(F ∘ W) (λ̄ = 0 when `gw` is null). */
function middle(wMat: Tensor, lam: Tensor, gw: Tensor | null): Tensor {
  const gpu = asWebGPU(wMat.backend);
  const n = wMat.shape[wMat.ndim - 1];
  const out = empty(wMat.backend, wMat.shape);
  if (out.size === 0) return out;
  const flag = gpu.upload(new Float32Array(1)); // zeroed; fresh from the pool, so no pending work reads it
  const k = gpuKernel('eigh:backward', backwardWgsl, {}, [3, 2]);
  const words = uniformWords([n, out.size, gw ? 1 : 0, 0, { f: DEGENERATE_RTOL }, 0, 0, 0]);
  gpu.run(k, [gpuBuffer(wMat), gpuBuffer(lam), gpuBuffer(gw ?? lam), gpuBuffer(out), flag.payload], words, groups1d(out.size));
  gpu.deferCheck(flag.payload, 1, ([raised]) => {
    if (raised) warnDegenerate();
    return null;
  }, () => flag.release());
  return out;
}

/** Ā = V (diag(λ̄) + sym(F ∘ (Vᵀ V̄))) Vᵀ, or V diag(λ̄) Vᵀ when only eigenvalues carry gradient. */
export function eighBackwardGpu(w: Tensor, v: Tensor, gw: Tensor | null, gv: Tensor | null): Tensor {
  const n = v.shape[v.ndim - 1];
  const vt = transpose(v);
  const temps: Tensor[] = [vt];
  let left: Tensor;
  if (gv) {
    const wMat = matmul(vt, gv);
    const m = middle(wMat, w, gw);
    left = matmul(v, m);
    temps.push(wMat, m);
  } else {
    const row = reshape(gw!, [...gw!.shape.slice(0, -1), 1, n]);
    left = mul(v, row); // V diag(λ̄): column k scaled by λ̄_k
    temps.push(row);
  }
  temps.push(left);
  const grad = matmul(left, vt);
  temps.forEach((t) => t.dispose());
  return grad;
}
