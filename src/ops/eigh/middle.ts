// The fused steps of eigh's backward, one slot per backend: M = diag(λ̄) + sym(F ∘ W) (shaders/eigh/backward.wgsl
// on the GPU) and V diag(λ̄) Vᵀ. The rule that uses them is in src/ops/eigh.ts; while a graph is being
// recorded it computes the same algebra in ops instead. A near-degenerate pair that drops a non-zero term
// warns once (on WebGPU at the next readback: a flag, no readback here).
import { groups1d } from '../../backend/webgpu/kernel';
import { Tensor } from '../../tensor';
import { matmul } from '../matmul';
import { mul } from '../elementwise';
import { reshape, transpose } from '../shape';
import { asWebGPU, empty, gpuBuffer, gpuKernel, uniformWords } from '../util';
import { eighMiddleCpu, weightedOuterCpu } from './cpu';
import { DEGENERATE_RTOL, warnDegenerate } from './degenerate';
import backwardWgsl from '../../../shaders/eigh/backward.wgsl?raw';

export const EIGH_MIDDLE = {
  cpu(wMat: Tensor, lam: Tensor, glam: Tensor | null): Tensor {
    const { mid, degenerate } = eighMiddleCpu(wMat, lam, glam);
    if (degenerate) warnDegenerate();
    return mid;
  },
  webgpu(wMat: Tensor, lam: Tensor, glam: Tensor | null): Tensor {
    const gpu = asWebGPU(wMat.backend);
    const n = wMat.shape[wMat.ndim - 1];
    const out = empty(wMat.backend, wMat.shape);
    if (out.size === 0) return out;
    const flag = gpu.upload(new Float32Array(1)); // zeroed; fresh from the pool, so no pending work reads it
    const k = gpuKernel('eigh:backward', backwardWgsl, {}, [3, 2]);
    const words = uniformWords([n, out.size, glam ? 1 : 0, 0, { f: DEGENERATE_RTOL }, 0, 0, 0]);
    gpu.run(k, [gpuBuffer(wMat), gpuBuffer(lam), gpuBuffer(glam ?? lam), gpuBuffer(out), flag.payload], words, groups1d(out.size));
    gpu.deferCheck(
      flag.payload,
      1,
      ([raised]) => {
        if (raised) warnDegenerate();
        return null;
      },
      () => flag.release(),
    );
    return out;
  },
};

/** V diag(λ̄) Vᵀ: the gradient of eigenvalues alone. */
export const WEIGHTED_OUTER = {
  cpu: weightedOuterCpu,
  webgpu(v: Tensor, glam: Tensor): Tensor {
    const n = v.shape[v.ndim - 1];
    const row = reshape(glam, [...glam.shape.slice(0, -1), 1, n]);
    const left = mul(v, row); // column k scaled by λ̄_k
    const vt = transpose(v);
    const out = matmul(left, vt);
    [row, left, vt].forEach((t) => t.dispose());
    return out;
  },
};
