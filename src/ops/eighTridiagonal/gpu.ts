// eighTridiagonal on WebGPU: shaders/tridiagonal/eigen.wgsl in double-float, four direct dispatches per call
// (widen or a caller's df writer, prepare, bisect, vectors), no readback; non-finite input and failed
// iterations are reported at the next readback.
import { groups1d } from '../../backend/webgpu/kernel';
import { WebGPUBackend } from '../../backend/webgpu/webgpuBackend';
import { Storage } from '../../backend/backend';
import { fmt, WebgradError } from '../../shape';
import { Tensor } from '../../tensor';
import { asWebGPU, empty, gpuBuffer, gpuKernel, uniformWords } from '../util';
import { df64Library, evaluatesAsWritten } from './df64';
import { CLUSTER_RTOL, ITERATIONS } from './constants';
import eigenWgsl from '../../../shaders/tridiagonal/eigen.wgsl?raw';

/** Multisection shifts per round (bisect's workgroup) and vectors' workgroup size, by adapter kind. */
const LAUNCH = { cpu: { wg: 4, vwg: 4 }, gpu: { wg: 32, vwg: 32 } };

/** Offsets (in vec2f) of the workspace's parts for B matrices of size n, K eigenpairs. */
export function workspaceLayout(batch: number, n: number, k: number, vectors: boolean) {
  const offE = batch * n;
  const offE2 = 2 * batch * n;
  const offInfo = 3 * batch * n;
  const offLam = offInfo + 2 * batch;
  const offSlot = offLam + batch * k;
  const size = offSlot + (vectors ? batch * k * n * 4 : 0);
  return { offE, offE2, offInfo, offLam, offSlot, size };
}

let forced: keyof typeof LAUNCH | null = null;
/** Internal (tests): the launch shape (and arithmetic guard) of a CPU driver or of a GPU on any adapter, or by adapter again (null). */
export function forceTridiagonalLaunch(kind: keyof typeof LAUNCH | null): void {
  forced = kind;
}

export function eigenKernel(gpu: WebGPUBackend, n: number, k: number, entry: string) {
  const launch = LAUNCH[forced ?? (gpu.cpuDriver ? 'cpu' : 'gpu')];
  const values = { N: n, K: k, WG: launch.wg, VWG: launch.vwg, CLUSTER_RTOL: CLUSTER_RTOL.toExponential(), ITERATIONS };
  // Uniform: lo, batch, the five offsets, 1.0 (df64.wgsl's df_one). Inputs d, e; outputs w, v, workspace, flags.
  // The GPU kind forced on SwiftShader also takes the guarded arithmetic of real GPUs (tests run it there).
  const guard = !evaluatesAsWritten(gpu.adapter) || forced === 'gpu';
  const kernel = gpuKernel(
    `eighTridiagonal:${n}:${k}:${launch.wg}:${launch.vwg}:${guard}:${entry}`,
    `${df64Library(guard)}\n${eigenWgsl}`,
    values,
    [2, 4],
    true,
    entry,
  );
  return { kernel, launch };
}

/**
 * Eigenvalues lo..hi−1 of each of the B matrices ([B·k] f32) and, when `vectors`, their eigenvectors as
 * columns ([B, n, k] f32). `writeDf`, when given, fills the workspace's df diagonal and off-diagonal itself
 * (the Hamiltonian builds them in df); otherwise d and e (f32 tensors) are widened.
 */
export function eighTridiagonalGpu(
  d: Tensor,
  e: Tensor,
  lo: number,
  hi: number,
  vectors: boolean,
  writeDf?: (workspace: GPUBuffer, layout: ReturnType<typeof workspaceLayout>) => void,
): [Tensor, Tensor | null] {
  const gpu = asWebGPU(d.backend);
  const n = d.shape[d.ndim - 1];
  const k = hi - lo;
  const lead = d.shape.slice(0, -1);
  const batch = n === 0 ? 0 : d.size / n;
  const w = empty(d.backend, [...lead, k]);
  const v = vectors ? empty(d.backend, [...lead, n, k]) : null;
  if (batch === 0 || k === 0) return [w, v];
  const layout = workspaceLayout(batch, n, k, vectors);
  const limit = gpu.device.limits.maxStorageBufferBindingSize;
  if (layout.size * 8 > limit) {
    throw new WebgradError(
      'eighTridiagonal',
      `${batch} matrices of size ${n} with ${k} eigenpairs need ${layout.size * 8} bytes of workspace, ` +
        `more than this device's ${limit}; select fewer eigenpairs or use the CPU backend`,
    );
  }
  if (k > 65535 || batch > 65535)
    throw new WebgradError('eighTridiagonal', `at most 65535 eigenvalues and 65535 matrices per call on WebGPU, got ${k} and ${batch}`);
  const ws = gpu.alloc(2 * layout.size);
  const flags = gpu.upload(new Float32Array(4));
  const uniform = uniformWords([lo, batch, layout.offE, layout.offE2, layout.offInfo, layout.offLam, layout.offSlot, { f: 1 }]);
  const standIn = v ? null : gpu.alloc(1); // the vectors binding when no vectors are asked for
  const buffers = [
    gpuBuffer(d),
    gpuBuffer(e.size > 0 ? e : d),
    gpuBuffer(w),
    v ? gpuBuffer(v) : (standIn!.payload as GPUBuffer),
    ws.payload as GPUBuffer,
    flags.payload as GPUBuffer,
  ];
  const run = (entry: string, groups: readonly number[]): void => {
    const { kernel } = eigenKernel(gpu, n, k, entry);
    gpu.run(kernel, buffers, uniform, groups);
  };
  if (writeDf) writeDf(ws.payload as GPUBuffer, layout);
  else run('widen', groups1d(batch * n, 64));
  run('prepare', [batch]);
  run('bisect', [k, batch]);
  if (vectors) run('vectors', groups1d(batch * k, eigenKernel(gpu, n, k, 'vectors').launch.vwg));
  ws.release();
  standIn?.release();
  const shape = fmt([...lead, n]);
  gpu.deferCheck(
    flags.payload as GPUBuffer,
    1,
    ([bits]) => {
      if (bits & 1)
        return new WebgradError(
          'eighTridiagonal',
          `input with diagonal of shape ${shape} contains NaN or Inf (found on the GPU; reported at this readback)`,
        );
      if (bits & 2) return new WebgradError('eighTridiagonal', `inverse iteration broke down (diagonal of shape ${shape})`);
      return null;
    },
    () => (flags as Storage).release(),
  );
  return [w, v];
}
