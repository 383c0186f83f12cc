// The eigenvalue-only VJP of eighTridiagonal as one kernel (shaders/tridiagonal/vjp.wgsl) or one CPU loop:
// the first-order backward's fast path (a dozen generic ops on [n, K] cost ~1 s at n = 10⁵ on SwiftShader).
// The composable rule (rules.ts) is used whenever a graph is being recorded.
import { groups1d } from '../../backend/webgpu/kernel';
import { Tensor } from '../../tensor';
import { asWebGPU, cpuData, empty, gpuBuffer, gpuKernel, uniformWords } from '../util';
import vjpWgsl from '../../../shaders/tridiagonal/vjp.wgsl?raw';

/** [d̄ [..., n], ē [..., n − 1]] with d̄_i = Σ_k λ̄_k v_ik², ē_i = 2 Σ_k λ̄_k v_ik v_(i+1)k. */
export function eigenvalueVjpFused(v: Tensor, gw: Tensor): [Tensor, Tensor] {
  const [n, k] = v.shape.slice(-2);
  const lead = v.shape.slice(0, -2);
  const batch = n * k === 0 ? 0 : v.size / (n * k);
  const gd = empty(v.backend, [...lead, n]);
  const ge = empty(v.backend, [...lead, n - 1]);
  if (gd.size === 0) return [gd, ge];
  if (v.backend.name === 'cpu') {
    const [vs, gs, ds, es] = [cpuData(v), cpuData(gw), cpuData(gd), cpuData(ge)];
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < n; i++) {
        let sd = 0;
        let se = 0;
        for (let c = 0; c < k; c++) {
          const g = gs[b * k + c];
          const x = vs[(b * n + i) * k + c];
          sd += g * x * x;
          if (i + 1 < n) se += g * x * vs[(b * n + i + 1) * k + c];
        }
        ds[b * n + i] = sd;
        if (i + 1 < n) es[b * (n - 1) + i] = 2 * se;
      }
    }
    return [gd, ge];
  }
  const gpu = asWebGPU(v.backend);
  const kernel = gpuKernel(`eighTridiagonal:vjp:${n}:${k}`, vjpWgsl, { N: n, K: k }, [2, 2]);
  const standIn = ge.size === 0 ? gpu.alloc(1) : null;
  gpu.run(
    kernel,
    [gpuBuffer(v), gpuBuffer(gw), gpuBuffer(gd), standIn ? (standIn.payload as GPUBuffer) : gpuBuffer(ge)],
    uniformWords([batch]),
    groups1d(batch * n, 64),
  );
  standIn?.release();
  return [gd, ge];
}
