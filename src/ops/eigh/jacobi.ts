// eigh on WebGPU: a parallel block Jacobi with dynamic (heaviest-first) pairing (shaders/eigh.*.wgsl).
// Indices come in groups of G = 4; before each step eigh.match pairs the K = m/G groups by their weights
// (the off-diagonal mass between two groups in the bulk of a run, then the largest relative entry),
// heaviest first, giving K/2 disjoint pair blocks of 8 indices. eigh.solve sweeps each pair block's 8×8
// part of A once in registers (28 Rutishauser rotations, the Demmel–Veselić test) and stores their
// product Q as D = Q − I; eigh.block applies Qpᵀ·Qr to the other 8×8 blocks of A (lower triangle, in
// place) and Q to V, and both keep the weights of the blocks they change. Same flops per step as the cyclic round-robin order it replaced, but where that
// needed 9 sweeps (K − 1 steps each) at n = 500, heaviest-first takes 6.3 (random) and 4.2 (Hamiltonian)
// sweeps' worth of steps (bench/eigh.mjs prints them). On CPU drivers every runtime-indexed access is a
// per-lane gather, so the 8×8 blocks (a quarter of the memory traffic of 2×2 ones) pay off there.
// Per matrix of the batch: init (A ← the symmetrised, padded input, V ← I), the first weights, then up to
// MAX_SWEEPS·(K − 1) steps of three dispatches (match, then solve and block as indirect dispatches whose
// workgroup counts match writes): after convergence the rest of the encoded steps are empty. eigh.collect
// copies V out with signs fixed; the eigenvalues are the Rayleigh quotients of those vectors (see
// eighGpu), and eigh.order sorts the pairs. No readback: the status (NaN/Inf input, no convergence) is
// checked at the next readback through `deferCheck`.
import { Usage } from '../../backend/webgpu/bufferPool';
import { groups1d, GpuKernel } from '../../backend/webgpu/kernel';
import { WebGPUBackend } from '../../backend/webgpu/webgpuBackend';
import { fmt, WebgradError } from '../../shape';
import { noGrad } from '../../autograd/node';
import { Tensor, tidy } from '../../tensor';
import { asWebGPU, empty, gpuBuffer, gpuKernel, uniformWords } from '../util';
import { B, blockBody, G, solveBody } from './unroll';
import jacobiWgsl from '../../../shaders/eigh.jacobi.wgsl?raw';
import solveWgsl from '../../../shaders/eigh.solve.wgsl?raw';
import blockWgsl from '../../../shaders/eigh.block.wgsl?raw';
import weightsWgsl from '../../../shaders/eigh.weights.wgsl?raw';
import matchWgsl from '../../../shaders/eigh.match.wgsl?raw';
import initWgsl from '../../../shaders/eigh.init.wgsl?raw';
import collectWgsl from '../../../shaders/eigh.collect.wgsl?raw';
import orderWgsl from '../../../shaders/eigh.order.wgsl?raw';

/** Steps encoded per matrix, in sweeps' worth (K − 1 steps each); a run still open after them is
 * reported as not converged. With heaviest-first pairing the benches' 500×500 matrices take 4.2–6.3
 * sweeps' worth, the tests' clustered and graded (eigenvalues 1e-6 … 1e6) 60×60 ones 8 and 10.7; each
 * encoded step after convergence still costs three near-empty dispatches (~0.05 ms on SwiftShader). */
export const MAX_SWEEPS = 24;
/** Relative threshold of the Demmel–Veselić test |a_pq| ≤ tol·√|a_pp·a_qq| (about float32's epsilon). */
export const JACOBI_TOL = 1.2e-7;

/** Workgroup size of eigh.solve: its m/8 invocations must still make several workgroups (CPU drivers
 * run one workgroup on one core). */
const SOLVE_WG = 4;
/** Pair blocks per invocation of eigh.block (a run along one block row), and its workgroup size. */
export const BLOCK_RUN = 8;
const BLOCK_WG = 16;
/** Workgroup size of eigh.match, and its rounds of proposals before the rest pair in index order. One
 * workgroup runs it: CPU drivers switch between its SIMD groups (4 invocations each) at every barrier,
 * so one SIMD group is fastest there (0.65 ms per pairing of 126 groups on SwiftShader, against 1.2 ms
 * with 64 invocations); random weights need about 7 rounds. */
const MATCH_WG = 4;
const MATCH_ROUNDS = 16;
/** Workspaces kept (one per padded size, least recently used dropped first). */
const MAX_WORKSPACES = 4;

/** Counters for benchmarks and tests: the last run's steps arrive at the next readback. */
export const jacobiStats = { dispatches: 0, lastSteps: -1 };

/** Padded size: a multiple of 2G (the dummy indices are decoupled zeros that never rotate). */
export const paddedSize = (n: number): number => Math.max(1, Math.ceil(n / B)) * B;

/**
 * eigh.block's runs for HK pair blocks: each block row P (blocks R < P) cut into runs of up to
 * BLOCK_RUN blocks, as (P, first R), longest runs first.
 */
export function blockRuns(hk: number): Uint32Array {
  const runs: [number, number][] = [];
  for (let p = 1; p < hk; p++) for (let r = 0; r < p; r += BLOCK_RUN) runs.push([p, r]);
  const length = ([p, r]: [number, number]): number => Math.min(BLOCK_RUN, p - r);
  runs.sort((x, y) => length(y) - length(x));
  return Uint32Array.from(runs.flat());
}

/** Sizes and settings baked into the Jacobi kernels of padded size m (one pipeline set per m, no uniform). */
const sizes = (m: number) => {
  const [K, HK] = [m / G, m / B];
  const runs = blockRuns(HK).length / 2;
  const [bx, by] = groups1d(runs, BLOCK_WG);
  return {
    M: m, G, K, KK: K * K, HK, MM: m * m, BB: B * B, DQ: HK * B * B, RUNS: Math.max(1, runs),
    TOL: JACOBI_TOL, MAX_STEPS: MAX_SWEEPS * (K - 1), SOLVE_GROUPS: Math.ceil(HK / SOLVE_WG), BLOCK_GROUPS_X: bx, BLOCK_GROUPS_Y: by,
  };
};
const jacobi = (
  name: string,
  m: number,
  template: string,
  values: Record<string, string | number>,
  layout: [number, number],
  generated: Record<string, string> = {},
): GpuKernel =>
  gpuKernel(`eigh:${name}:${m}:${Object.values(values).join(':')}`, `${jacobiWgsl}\n${template}`, { ...sizes(m), ...values, ...generated }, layout, false);
/** The generated straight-line bodies, made once. */
let bodies: { solve: Record<string, string>; block: Record<string, string> } | undefined;
const body = () => (bodies ??= { solve: solveBody(), block: blockBody() });
const solveKernel = (m: number): GpuKernel => jacobi('solve', m, solveWgsl, { WG: SOLVE_WG }, [1, 5], body().solve);
const blockKernel = (m: number): GpuKernel => jacobi('block', m, blockWgsl, { RUN: BLOCK_RUN, WG: BLOCK_WG }, [4, 3], body().block);
const weightsKernel = (m: number): GpuKernel => jacobi('weights', m, weightsWgsl, {}, [1, 2]);
const matchKernel = (m: number): GpuKernel => jacobi('match', m, matchWgsl, { WG: MATCH_WG, ROUNDS: MATCH_ROUNDS }, [1, 4]);
const initKernel = (): GpuKernel => gpuKernel('eigh:init', initWgsl, {}, [1, 2]);
const collectKernel = (): GpuKernel => gpuKernel('eigh:collect', collectWgsl, {}, [2, 2]);
const orderKernel = (): GpuKernel => gpuKernel('eigh:order', orderWgsl, {}, [2, 2]);

/** Buffers and bind groups of one padded size m, made once and reused by every run. */
interface Workspace {
  /** Steps per sweep (K − 1). */
  steps: number;
  a: GPUBuffer;
  v: GPUBuffer;
  /** Status words of the current run (see eigh.match.wgsl). */
  ctl: GPUBuffer;
  /** Indirect dispatch arguments of the steps, written by eigh.match. */
  args: GPUBuffer;
  /** D = Q − I of each pair block's transform in the current step, and whether Q ≠ I. */
  dq: GPUBuffer;
  turning: GPUBuffer;
  /** eigh.block's runs (see blockRuns), fixed per size. */
  runs: GPUBuffer;
  /** The group pairs' weights (K×K pairs (r, s)), the current step's pairing, and eigh.match's scratch. */
  w: GPUBuffer;
  pairs: GPUBuffer;
  candidates: GPUBuffer;
  solve: GPUBindGroup;
  block: GPUBindGroup;
  weights: GPUBindGroup;
  match: GPUBindGroup;
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
    for (const b of [old.a, old.v, old.ctl, old.args, old.dq, old.turning, old.runs, old.w, old.pairs, old.candidates]) b.destroy();
  }
  const device = gpu.device;
  const storage = Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST;
  const buffer = (bytes: number, extra = 0): GPUBuffer => device.createBuffer({ size: Math.max(16, bytes), usage: storage | extra });
  const pairs = m / B;
  const groups = m / G;
  const [a, v, ctl, args] = [buffer(m * m * 4), buffer(m * m * 4), buffer(32), buffer(32, Usage.INDIRECT)];
  const [dq, turning] = [buffer(pairs * B * B * 4), buffer(pairs * 4)];
  const [w, pairList, candidates] = [buffer(groups * groups * 8), buffer(pairs * 8), buffer(groups * 16)];
  const runList = blockRuns(pairs);
  const runs = buffer(runList.byteLength);
  device.queue.writeBuffer(runs, 0, runList);
  const ws: Workspace = {
    steps: groups - 1,
    a,
    v,
    ctl,
    args,
    dq,
    turning,
    runs,
    w,
    pairs: pairList,
    candidates,
    solve: gpu.bindGroup(solveKernel(m), [pairList, a, v, dq, turning, w]),
    block: gpu.bindGroup(blockKernel(m), [pairList, dq, turning, runs, a, v, w]),
    weights: gpu.bindGroup(weightsKernel(m), [a, w, ctl]),
    match: gpu.bindGroup(matchKernel(m), [w, pairList, ctl, args, candidates]),
  };
  byM.set(m, ws);
  return ws;
}

/**
 * Eigenvalues [..., n] and (when `vectors`) eigenvectors [..., n, n] of S = (X + Xᵀ)/2 on the GPU. The
 * eigenvalues are the Rayleigh quotients vₖᵀ S vₖ of the Jacobi eigenvectors, not A's converged diagonal:
 * the float32 similarity updates let that diagonal drift by ~ε·‖S‖ over a run (2–8e-4 on E0 of the
 * 500-point Hamiltonian, whose ~2490 entries cancel to E0 ≈ 0.5), while the eigenvectors stay accurate
 * and the quotient's error is second order in theirs plus one rounding of S·v (~1e-5 there).
 */
export function eighGpu(x: Tensor, vectors: boolean): [Tensor, Tensor | null] {
  const gpu = asWebGPU(x.backend);
  const n = x.shape[x.ndim - 1];
  const lead = x.shape.slice(0, -2);
  const batch = n === 0 ? 0 : x.size / (n * n);
  if (batch === 0) return [empty(x.backend, [...lead, n]), vectors ? empty(x.backend, x.shape) : null];
  const m = paddedSize(n);
  const limit = gpu.device.limits.maxStorageBufferBindingSize;
  if (m * m * 4 > limit) {
    throw new WebgradError('eigh', `a ${n}×${n} matrix needs ${m * m * 4} bytes per GPU buffer, more than this device's ${limit}; use the CPU backend`);
  }
  const shared = gpu.device.limits.maxComputeWorkgroupStorageSize;
  const pairing = (m / G) * 8 + 64; // eigh.match: two u32 per group, and a few counters
  if (pairing > shared) {
    throw new WebgradError('eigh', `a ${n}×${n} matrix needs ${pairing} bytes of workgroup memory to pair its index groups, more than this device's ${shared}; use the CPU backend`);
  }
  const ws = workspace(gpu, m);
  const steps = ws.steps;
  const [solve, block, weights, match] = [solveKernel(m), blockKernel(m), weightsKernel(m), matchKernel(m)];
  const status = gpu.alloc(2);
  const unordered = empty(x.backend, x.shape);
  const before = gpu.stats.dispatches;
  for (let b = 0; b < batch; b++) {
    gpu.run(initKernel(), [gpuBuffer(x), ws.a, ws.v], uniformWords([n, m, b * n * n, 0]), groups1d(m * m));
    gpu.encode(weights, ws.weights, groups1d((m / G) ** 2, 64));
    for (let s = 0; s < MAX_SWEEPS * steps; s++) {
      gpu.encode(match, ws.match, [1]);
      gpu.encodeIndirect(solve, ws.solve, ws.args, 0);
      gpu.encodeIndirect(block, ws.block, ws.args, 16);
    }
    gpu.encode(match, ws.match, [1]); // the last test: flags a run still open
    gpu.run(collectKernel(), [ws.v, ws.ctl, gpuBuffer(unordered), status.payload], uniformWords([n, m, b * n * n, b]), [Math.ceil(n / 64)]);
  }
  const quotients = rayleighQuotients(x, unordered);
  const w = empty(x.backend, [...lead, n]);
  const v = empty(x.backend, x.shape);
  gpu.run(orderKernel(), [gpuBuffer(quotients), gpuBuffer(unordered), gpuBuffer(w), gpuBuffer(v)], uniformWords([n, batch * n]), groups1d(batch * n));
  quotients.dispose();
  unordered.dispose();
  jacobiStats.dispatches = gpu.stats.dispatches - before;
  const shape = fmt(x.shape);
  gpu.deferCheck(status.payload, 2, ([flags, done]) => {
    jacobiStats.lastSteps = done;
    if (flags & 1) return new WebgradError('eigh', `input of shape ${shape} contains NaN or Inf (found on the GPU; reported at this readback)`);
    if (flags & 2) return new WebgradError('eigh', `did not converge in ${MAX_SWEEPS * steps} steps (${MAX_SWEEPS} sweeps' worth; input of shape ${shape})`);
    return null;
  }, () => status.release());
  if (vectors) return [w, v];
  v.dispose();
  return [w, null];
}

/** vₖᵀ S vₖ for each column of `v` [..., n, n], S = (X + Xᵀ)/2 (halves first, as eigh.init), as [..., n]. */
function rayleighQuotients(x: Tensor, v: Tensor): Tensor {
  return noGrad(() => tidy(() => x.mul(0.5).add(x.transpose().mul(0.5)).matmul(v).mul(v).sum({ axis: -2 })));
}
