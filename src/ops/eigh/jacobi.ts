// eigh on WebGPU: a parallel cyclic Jacobi (shaders/eigh.*.wgsl). A step applies m/2 disjoint rotations
// (a round-robin table row) in two dispatches: eigh.rotate derives each pair's rotation and updates its
// diagonal 2×2 block, eigh.step applies the rotations to the other 2×2 blocks of A (both sides, in place,
// lower triangle) and to V. Per matrix of the batch: init (A ← the symmetrised, padded input, V ← I), a
// check, then up to MAX_SWEEPS sweeps of m − 1 steps each followed by a check; the steps are indirect
// dispatches whose workgroup counts the checks write, so after convergence the rest of the encoded sweeps
// cost only empty dispatches (and checks that return at once). A final sort kernel orders eigenvalues,
// gathers eigenvector columns and fixes signs. No readback: the status (NaN/Inf input, no convergence) is
// checked at the next readback through `deferCheck`.
import { Usage } from '../../backend/webgpu/bufferPool';
import { groups1d, GpuKernel } from '../../backend/webgpu/kernel';
import { WebGPUBackend } from '../../backend/webgpu/webgpuBackend';
import { fmt, WebgradError } from '../../shape';
import { Tensor } from '../../tensor';
import { asWebGPU, empty, gpuBuffer, gpuKernel, uniformWords } from '../util';
import jacobiWgsl from '../../../shaders/eigh.jacobi.wgsl?raw';
import rotateWgsl from '../../../shaders/eigh.rotate.wgsl?raw';
import stepWgsl from '../../../shaders/eigh.step.wgsl?raw';
import checkWgsl from '../../../shaders/eigh.check.wgsl?raw';
import initWgsl from '../../../shaders/eigh.init.wgsl?raw';
import sortWgsl from '../../../shaders/eigh.sort.wgsl?raw';

/** Sweeps encoded per matrix; a run still open after them is reported as not converged. */
export const MAX_SWEEPS = 30;
/** Relative threshold of the Demmel–Veselić test |a_pq| ≤ tol·√|a_pp·a_qq| (about float32's epsilon). */
export const JACOBI_TOL = 1.2e-7;

const SLOT = 256; // dynamic uniform offset alignment
const WG = 64;
/** 2×2 blocks per invocation of eigh.step (fewer, longer invocations: less per-invocation overhead). */
const RUN = 32;
/** Workspaces kept (one per padded size, least recently used dropped first). */
const MAX_WORKSPACES = 4;

/** Counters for benchmarks and tests: the last run's sweeps arrive at the next readback. */
export const jacobiStats = { dispatches: 0, lastSweeps: -1 };

/** Padded size: even (odd n gets a dummy index whose rotations are the identity). */
export const paddedSize = (n: number): number => n + (n % 2);

/** Sizes baked into the Jacobi kernels of padded size m (one pipeline set per m). */
const sizes = (m: number) => ({ M: m, H: m / 2, MM: m * m });
const jacobi = (name: string, m: number, template: string, values: Record<string, string | number>, layout: [number, number]): GpuKernel => ({
  ...gpuKernel(`eigh:${name}:${m}:${Object.values(values).join(':')}`, `${jacobiWgsl}\n${template}`, { ...sizes(m), ...values }, layout),
  dynamicUniform: true,
});
const rotateKernel = (m: number, vectors: boolean): GpuKernel => jacobi('rotate', m, rotateWgsl, { VECTORS: String(vectors) }, [0, 3]);
const blockKernel = (m: number, vectors: boolean): GpuKernel => jacobi('step', m, stepWgsl, { VECTORS: String(vectors), RUN }, [1, 2]);
const checkKernel = (m: number): GpuKernel => jacobi('check', m, checkWgsl, {}, [1, 2]);
const initKernel = (): GpuKernel => gpuKernel('eigh:init', initWgsl, {}, [1, 2]);
function sortKernel(vectors: boolean): GpuKernel {
  const writeV = `var best = -1.0;
  var sgn = 1.0;
  for (var i = 0u; i < n; i++) {
    let x = v[i * params.m + k];
    if (abs(x) > best) {
      best = abs(x);
      sgn = select(1.0, -1.0, x < 0.0);
    }
  }
  for (var i = 0u; i < n; i++) {
    v_out[params.v_offset + i * n + rank] = sgn * v[i * params.m + k];
  }`;
  return gpuKernel(`eigh:sort:${vectors}`, sortWgsl, {
    V_OUT: vectors ? '@group(0) @binding(6) var<storage, read_write> v_out: array<f32>;' : '',
    WRITE_V: vectors ? writeV : '',
  }, [3, vectors ? 3 : 2]);
}

/** Buffers, uniform slots and bind groups of one padded size m, made once and reused by every run. */
interface Workspace {
  m: number;
  a: GPUBuffer;
  v: GPUBuffer;
  /** Status words of the current run (see eigh.check.wgsl). */
  ctl: GPUBuffer;
  /** Indirect dispatch arguments of the steps, written by the checks. */
  args: GPUBuffer;
  /** The uniform slots (see eigh.jacobi.wgsl), bound with a dynamic offset. */
  uniform: GPUBufferBinding;
  /** (s, τ) of each pair's rotation in the current step. */
  rots: GPUBuffer;
  /** Rotate and block bind groups per variant (with / without vectors). */
  steps: Map<boolean, [GPUBindGroup, GPUBindGroup]>;
  check: GPUBindGroup;
}

const workspaces = new WeakMap<WebGPUBackend, Map<number, Workspace>>();

function workspace(gpu: WebGPUBackend, m: number): Workspace {
  let byM = workspaces.get(gpu);
  if (!byM) workspaces.set(gpu, (byM = new Map()));
  const hit = byM.get(m);
  if (hit) {
    byM.delete(m);
    byM.set(m, hit);
    return hit;
  }
  if (byM.size >= MAX_WORKSPACES) {
    const [oldM, old] = byM.entries().next().value!;
    byM.delete(oldM);
    gpu.flush(); // recorded commands may use its buffers: submit them first (destroy waits for the GPU)
    for (const b of [old.a, old.v, old.ctl, old.args, old.uniform.buffer, old.rots]) b.destroy();
  }
  const device = gpu.device;
  const storage = Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST;
  const buffer = (bytes: number, extra = 0): GPUBuffer => device.createBuffer({ size: Math.max(16, bytes), usage: storage | extra });
  const half = m / 2;
  const blocks = (half * (half - 1)) / 2;
  const [bx, by] = groups1d(Math.ceil(blocks / RUN), WG);
  // Slots: steps 0..m−2, then the first check, then the later checks.
  const slots = m + 1;
  const words = new Uint32Array((slots * SLOT) / 4);
  const floats = new Float32Array(words.buffer);
  for (let s = 0; s < slots; s++) {
    const o = (s * SLOT) / 4;
    words.set([m, half, blocks, s < m - 1 ? s : 0], o);
    floats[o + 4] = JACOBI_TOL;
    words.set([MAX_SWEEPS, Math.ceil(half / WG), bx, by, s === m - 1 ? 1 : 0], o + 5);
  }
  const params = device.createBuffer({ size: words.byteLength, usage: Usage.UNIFORM | Usage.COPY_DST });
  device.queue.writeBuffer(params, 0, words);
  const uniform: GPUBufferBinding = { buffer: params, offset: 0, size: 48 };
  const [a, v, ctl, args] = [buffer(m * m * 4), buffer(m * m * 4), buffer(16), buffer(32, Usage.INDIRECT)];
  const ws: Workspace = {
    m,
    a,
    v,
    ctl,
    args,
    uniform,
    rots: buffer(half * 8),
    steps: new Map(),
    check: gpu.bindGroup(checkKernel(m), [a, ctl, args], uniform),
  };
  byM.set(m, ws);
  return ws;
}

function stepGroups(gpu: WebGPUBackend, ws: Workspace, vectors: boolean): [GPUBindGroup, GPUBindGroup] {
  let g = ws.steps.get(vectors);
  if (!g) {
    g = [
      gpu.bindGroup(rotateKernel(ws.m, vectors), [ws.a, ws.v, ws.rots], ws.uniform),
      gpu.bindGroup(blockKernel(ws.m, vectors), [ws.rots, ws.a, ws.v], ws.uniform),
    ];
    ws.steps.set(vectors, g);
  }
  return g;
}

/** Eigenvalues [..., n] and (when `vectors`) eigenvectors [..., n, n] of (A + Aᵀ)/2 on the GPU. */
export function eighGpu(x: Tensor, vectors: boolean): [Tensor, Tensor | null] {
  const gpu = asWebGPU(x.backend);
  const n = x.shape[x.ndim - 1];
  const lead = x.shape.slice(0, -2);
  const w = empty(x.backend, [...lead, n]);
  const v = vectors ? empty(x.backend, x.shape) : null;
  const batch = n === 0 ? 0 : x.size / (n * n);
  if (batch === 0) return [w, v];
  const m = paddedSize(n);
  const limit = gpu.device.limits.maxStorageBufferBindingSize;
  if (m * m * 4 > limit) {
    throw new WebgradError('eigh', `a ${n}×${n} matrix needs ${m * m * 4} bytes per GPU buffer, more than this device's ${limit}; use the CPU backend`);
  }
  const ws = workspace(gpu, m);
  const steps = m - 1;
  const [rotateGroup, blockGroup] = stepGroups(gpu, ws, vectors);
  const [rotate, block, check] = [rotateKernel(m, vectors), blockKernel(m, vectors), checkKernel(m)];
  const status = gpu.alloc(2);
  const before = gpu.stats.dispatches;
  for (let b = 0; b < batch; b++) {
    gpu.run(initKernel(), [gpuBuffer(x), ws.a, ws.v], uniformWords([n, m, b * n * n, 0]), groups1d(m * m));
    gpu.encode(check, ws.check, [1], [steps * SLOT]);
    for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
      for (let s = 0; s < steps; s++) {
        const offsets = [s * SLOT];
        gpu.encodeIndirect(rotate, rotateGroup, ws.args, 0, offsets);
        gpu.encodeIndirect(block, blockGroup, ws.args, 16, offsets);
      }
      gpu.encode(check, ws.check, [1], [(steps + 1) * SLOT]);
    }
    const outs = v ? [gpuBuffer(w), status.payload, gpuBuffer(v)] : [gpuBuffer(w), status.payload];
    gpu.run(sortKernel(vectors), [ws.a, ws.v, ws.ctl, ...outs], uniformWords([n, m, b * n, b * n * n, b, 0, 0, 0]), [Math.ceil(n / 64)]);
  }
  jacobiStats.dispatches = gpu.stats.dispatches - before;
  const shape = fmt(x.shape);
  gpu.deferCheck(status.payload, 2, ([flags, sweeps]) => {
    jacobiStats.lastSweeps = sweeps;
    if (flags & 1) return new WebgradError('eigh', `input of shape ${shape} contains NaN or Inf (found on the GPU; reported at this readback)`);
    if (flags & 2) return new WebgradError('eigh', `did not converge in ${MAX_SWEEPS} sweeps (input of shape ${shape})`);
    return null;
  }, () => status.release());
  return [w, v];
}
