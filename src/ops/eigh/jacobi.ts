// eigh on WebGPU: a parallel block Jacobi with dynamic (heaviest-first) pairing (shaders/eigh/*.wgsl).
// Indices come in groups of G = 4; before each step eigh.rank lists each group's heaviest partners by the
// weights (the off-diagonal mass between two groups in the bulk of a run, then the largest relative entry)
// and eigh.match pairs the K = m/G groups from those lists, heaviest first, giving K/2 disjoint pair blocks
// of 8 indices. eigh.solve sweeps each pair block's 8×8
// part of A once in registers (28 Rutishauser rotations, the Demmel–Veselić test) and stores their
// product Q as D = Q − I; eigh.block applies Qpᵀ·Qr to the other 8×8 blocks of A (lower triangle, in
// place) and Q to V, and both keep the weights of the blocks they change. A step costs the same flops as
// one of a cyclic round-robin order, but at n = 500 round-robin needs 9 sweeps (K − 1 steps each) where
// heaviest-first takes 6.3 (random) and 4.2 (Hamiltonian) sweeps' worth of steps, and 3.5 on the random
// matrix after the tridiagonal reduction (bench/eigh.mjs prints them; docs/eigensolvers.md). On CPU drivers
// every runtime-indexed access is a per-lane gather, so the 8×8 blocks (a quarter of the memory traffic of 2×2
// ones) pay off there.
// Per matrix of the batch: init (A ← the symmetrised, padded input, V ← I), from n = 128 on the Householder
// reduction to tridiagonal form (gpuTridiagonalize.ts; it skips itself on tridiagonal input; V ← Q·V follows the
// run), the first weights and ranking,
// then up to MAX_SWEEPS·(K − 1) steps of four direct dispatches (match, solve, block, the next step's
// rank), encoded in chunks while the GPU runs the previous one: each chunk ends with a copy of the run's
// status words, read back asynchronously, and the first chunk that finds the run over is the last one
// encoded. Once match has found the run over, the rest of a chunk's kernels return at once (no indirect
// dispatches: Dawn validates each with a compute pass of its own; docs/dispatch.md). The eigenvalues are
// Rayleigh quotients of the eigenvectors (see eighGpu; from n = 128 on with T, then V ← Q·V);
// eigh.collect copies V out with signs fixed and eigh.order sorts the pairs. The op itself returns at once:
// the chunks are encoded by a task that holds the backend's command stream (WebGPUBackend.hold), and the
// status (NaN/Inf input, no convergence) is checked at the next readback through `deferCheck`.
import { Usage } from '../../backend/webgpu/bufferPool';
import { groups1d, GpuKernel } from '../../backend/webgpu/kernel';
import { WebGPUBackend } from '../../backend/webgpu/webgpuBackend';
import { fmt, WebgradError } from '../../shape';
import { noGrad } from '../../autograd/node';
import { Tensor, tidy } from '../../tensor';
import { asWebGPU, empty, gpuBuffer, gpuKernel, uniformWords } from '../util';
import { B, blockBody, G, solveBody } from './unroll';
import {
  encodeBackTransform,
  encodePlan,
  encodeQuotients,
  encodeTridiagonal,
  ON_OFFSET,
  TRIDIAGONAL_LAUNCH,
  TridiagonalLaunch,
  tridiagonalLaunchKey,
  TridiagonalWorkspace,
  tridiagonalWorkspace,
  useTridiagonal,
} from './gpuTridiagonalize';
import jacobiWgsl from '../../../shaders/eigh/jacobi.wgsl?raw';
import solveWgsl from '../../../shaders/eigh/solve.wgsl?raw';
import blockWgsl from '../../../shaders/eigh/block.wgsl?raw';
import weightsWgsl from '../../../shaders/eigh/weights.wgsl?raw';
import rankWgsl from '../../../shaders/eigh/rank.wgsl?raw';
import matchWgsl from '../../../shaders/eigh/match.wgsl?raw';
import initWgsl from '../../../shaders/eigh/init.wgsl?raw';
import collectWgsl from '../../../shaders/eigh/collect.wgsl?raw';
import orderWgsl from '../../../shaders/eigh/order.wgsl?raw';

/** Most steps per matrix, in sweeps' worth (K − 1 steps each); a run still open after them is reported
 * as not converged. With heaviest-first pairing the benches' 500×500 matrices take 4.2–6.3 sweeps' worth,
 * the tests' clustered and graded (eigenvalues 1e-6 … 1e6) 60×60 ones 8 and 10.7. */
export const MAX_SWEEPS = 24;
/** Relative threshold of the Demmel–Veselić test |a_pq| ≤ tol·√|a_pp·a_qq| (about float32's epsilon). */
export const JACOBI_TOL = 1.2e-7;

/**
 * Launch shapes of the Jacobi kernels: eigh.solve's workgroup size, eigh.block's pair blocks per
 * invocation (a run along one block row) and workgroup size, eigh.rank's workgroup size (one invocation per
 * group), eigh.match's workgroup size (one workgroup).
 * CPU drivers (`WebGPUBackend.cpuDriver`) run one workgroup per core, 4 lanes at a time, and switch between
 * a workgroup's SIMD groups at every barrier: there the solve's m/8 invocations must still make several
 * workgroups, runs of 8 blocks load each Dp once, the ranking's rows spread over every core, and the
 * pairing's rounds are fastest on one SIMD group (development microbenchmarks on SwiftShader). GPUs want
 * many invocations and wide workgroups: one block per invocation, a 256-wide pairing. The GPU shapes are
 * not yet measured (no GPU was available to this work); the tests run them on SwiftShader too.
 */
export interface JacobiLaunch {
  /** Steps per chunk, in sweeps' worth (at least MIN_CHUNK steps): see chunkSteps. */
  chunkSweeps: number;
  solveWg: number;
  blockRun: number;
  blockWg: number;
  rankWg: number;
  matchWg: number;
  /** The tridiagonal reduction's (tridiagonal.ts). */
  tri: TridiagonalLaunch;
}
export const JACOBI_LAUNCH = {
  cpu: { chunkSweeps: 0.25, solveWg: 4, blockRun: 8, blockWg: 16, rankWg: 4, matchWg: 4, tri: TRIDIAGONAL_LAUNCH.cpu },
  gpu: { chunkSweeps: 0.25, solveWg: 64, blockRun: 1, blockWg: 64, rankWg: 64, matchWg: 256, tri: TRIDIAGONAL_LAUNCH.gpu },
} satisfies Record<string, JacobiLaunch>;
let forcedLaunch: JacobiLaunch | null = null;
/** Internal (tests): use `launch` on every adapter, or each adapter's own again with null. */
export function forceJacobiLaunch(launch: JacobiLaunch | null): void {
  forcedLaunch = launch;
}
const launchFor = (gpu: WebGPUBackend): JacobiLaunch => forcedLaunch ?? (gpu.cpuDriver ? JACOBI_LAUNCH.cpu : JACOBI_LAUNCH.gpu);
/** Rounds of proposals in eigh.match before the rest pair in index order (the random 500×500 matrix of
 * bench/eigh.mjs used 9.8 per step on average, counted in a development build). */
const MATCH_ROUNDS = 16;
/** Partners eigh.rank lists per group (its two vec4s); eigh.match rescans a row only once all are paired. */
const RANKED = 8;
/** Fewest steps per chunk. */
const MIN_CHUNK = 8;
/**
 * Steps per chunk at `steps` per sweep. A chunk must outlast a readback round trip (so the GPU never waits
 * for the host: bench/dispatch.mjs measures both) and stay small against a run, whose last chunk is mostly
 * wasted: with a quarter sweep, the n = 500 runs encode ≤ 1.15× the steps they take (docs/eigensolvers.md).
 */
export const chunkSteps = (steps: number, l: JacobiLaunch): number => Math.max(MIN_CHUNK, Math.ceil(steps * l.chunkSweeps));
/** Workspaces kept (one per padded size and launch shape, least recently used dropped first). */
const MAX_WORKSPACES = 4;

/**
 * Counters for benchmarks and tests, of the last eigh (all known after the next readback): dispatches
 * encoded, the steps of a sweep (K − 1) at its size, the steps its last run took, the steps encoded (in
 * chunks, over the batch), the chunks, and the readbacks of its own (convergence flags, the tridiagonal
 * reduction's decision).
 */
export const jacobiStats = {
  /** Dispatches encoded by the last eigh (all chunks, over the batch). */
  dispatches: 0,
  /** Jacobi steps per sweep, K − 1. */
  stepsPerSweep: 0,
  /** Steps the last run took (−1 until the next readback has seen its status). */
  lastSteps: -1,
  /** Steps encoded, in whole chunks. */
  stepsEncoded: 0,
  /** Chunks encoded. */
  chunks: 0,
  /** eigh's own readbacks: convergence flags and the reduction's decision. */
  readbacks: 0,
};

/** Padded size: a multiple of 2G (the dummy indices are decoupled zeros that never rotate). */
export const paddedSize = (n: number): number => Math.max(1, Math.ceil(n / B)) * B;

/**
 * eigh.block's runs for HK pair blocks: each block row P (blocks R < P) cut into runs of up to `run`
 * blocks, as (P, first R), longest runs first.
 */
export function blockRuns(hk: number, run: number): Uint32Array {
  const runs: [number, number][] = [];
  for (let p = 1; p < hk; p++) for (let r = 0; r < p; r += run) runs.push([p, r]);
  const length = ([p, r]: [number, number]): number => Math.min(run, p - r);
  runs.sort((x, y) => length(y) - length(x));
  return Uint32Array.from(runs.flat());
}

/**
 * Sizes and settings baked into the Jacobi kernels of padded size m and launch shape `l` (one pipeline set
 * per pair, no uniform).
 */
/** blockRuns(m / B, l.blockRun)'s length, without building it. */
const runCount = (m: number, l: JacobiLaunch): number => {
  let runs = 0;
  for (let p = 1; p < m / B; p++) runs += Math.ceil(p / l.blockRun);
  return runs;
};
const sizes = (m: number, l: JacobiLaunch) => {
  const [K, HK] = [m / G, m / B];
  const runs = runCount(m, l);
  return {
    M: m,
    G,
    K,
    KK: K * K,
    HK,
    MM: m * m,
    BB: B * B,
    DQ: HK * B * B,
    RUNS: Math.max(1, runs),
    TOL: JACOBI_TOL,
    RANKED,
    MAX_STEPS: MAX_SWEEPS * (K - 1),
  };
};
/** Workgroups of the solve, block and rank dispatches at padded size m. */
const stepGroups = (m: number, l: JacobiLaunch) => ({
  solve: [Math.ceil(m / B / l.solveWg)],
  block: groups1d(runCount(m, l), l.blockWg),
  rank: [Math.ceil(m / G / l.rankWg)],
});
/** A launch shape as a key part ("4.8.16.4"). */
const launchKey = (l: JacobiLaunch): string => [l.solveWg, l.blockRun, l.blockWg, l.rankWg, l.matchWg, tridiagonalLaunchKey(l.tri)].join('.');
const jacobi = (
  name: string,
  m: number,
  l: JacobiLaunch,
  template: string,
  values: Record<string, string | number>,
  layout: [number, number],
  generated: Record<string, string> = {},
): GpuKernel =>
  gpuKernel(`eigh:${name}:${m}:${launchKey(l)}`, `${jacobiWgsl}\n${template}`, { ...sizes(m, l), ...values, ...generated }, layout, false);
/** The generated straight-line bodies, made once. */
let bodies: { solve: Record<string, string>; block: Record<string, string> } | undefined;
const body = () => (bodies ??= { solve: solveBody(), block: blockBody() });
const solveKernel = (m: number, l: JacobiLaunch): GpuKernel => jacobi('solve', m, l, solveWgsl, { WG: l.solveWg }, [2, 5], body().solve);
const blockKernel = (m: number, l: JacobiLaunch): GpuKernel =>
  jacobi('block', m, l, blockWgsl, { RUN: l.blockRun, WG: l.blockWg }, [5, 3], body().block);
const weightsKernel = (m: number, l: JacobiLaunch): GpuKernel => jacobi('weights', m, l, weightsWgsl, {}, [1, 2]);
/** eigh.rank for padded size m (exported for its test). */
export const rankKernel = (m: number, l: JacobiLaunch): GpuKernel => jacobi('rank', m, l, rankWgsl, { WG: l.rankWg }, [2, 2]);
const matchKernel = (m: number, l: JacobiLaunch): GpuKernel => jacobi('match', m, l, matchWgsl, { WG: l.matchWg, ROUNDS: MATCH_ROUNDS }, [3, 2]);
const initKernel = (): GpuKernel => gpuKernel('eigh:init', initWgsl, {}, [1, 2]);
const collectKernel = (): GpuKernel => gpuKernel('eigh:collect', collectWgsl, {}, [2, 2]);
const orderKernel = (): GpuKernel => gpuKernel('eigh:order', orderWgsl, {}, [2, 2]);

/** Buffers and bind groups of one padded size m and launch shape, made once and reused by every run. */
interface Workspace {
  /** Steps per sweep (K − 1). */
  steps: number;
  solveKernel: GpuKernel;
  blockKernel: GpuKernel;
  weightsKernel: GpuKernel;
  rankKernel: GpuKernel;
  matchKernel: GpuKernel;
  a: GPUBuffer;
  v: GPUBuffer;
  /** Status words of the current run (see shaders/eigh/match.wgsl). */
  ctl: GPUBuffer;
  /** Two mappable buffers the chunks' status words (or the reduction's decision) are read back through. */
  staging: [GPUBuffer, GPUBuffer];
  /** D = Q − I of each pair block's transform in the current step, and whether Q ≠ I. */
  dq: GPUBuffer;
  turning: GPUBuffer;
  /** eigh.block's runs (see blockRuns), fixed per size. */
  runs: GPUBuffer;
  /** The group pairs' weights (K×K pairs (r, s)), each group's ranked partners and row sums, the pairing. */
  w: GPUBuffer;
  ranked: GPUBuffer;
  rows: GPUBuffer;
  pairs: GPUBuffer;
  solve: GPUBindGroup;
  block: GPUBindGroup;
  weights: GPUBindGroup;
  rank: GPUBindGroup;
  match: GPUBindGroup;
  /** The tridiagonal reduction's own buffers (made on first use). */
  tri?: TridiagonalWorkspace;
}

const workspaces = new WeakMap<WebGPUBackend, Map<string, Workspace>>();

function workspace(gpu: WebGPUBackend, m: number, l: JacobiLaunch): Workspace {
  let byM = workspaces.get(gpu);
  if (!byM) workspaces.set(gpu, (byM = new Map()));
  const key = `${m}:${launchKey(l)}`;
  const hit = byM.get(key);
  if (hit) {
    byM.delete(key);
    byM.set(key, hit);
    return hit;
  }
  if (byM.size >= MAX_WORKSPACES) {
    const [oldM, old] = byM.entries().next().value!;
    byM.delete(oldM);
    // Recorded commands may use its buffers (and a running eigh may still record some): submit them
    // first, in stream order (destroy waits for the GPU).
    gpu.inOrder(() => {
      gpu.flush();
      for (const b of [
        old.a,
        old.v,
        old.ctl,
        ...old.staging,
        old.dq,
        old.turning,
        old.runs,
        old.w,
        old.ranked,
        old.rows,
        old.pairs,
        ...(old.tri?.buffers ?? []),
      ])
        b.destroy();
    });
  }
  const device = gpu.device;
  const storage = Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST;
  // Workspace buffers go through the backend: the adapter's limits checked at the call, errors scoped.
  const buffer = (bytes: number, extra = 0): GPUBuffer => {
    gpu.checkAllocation(Math.ceil(bytes / 4));
    return gpu.createBuffer(Math.max(16, bytes), storage | extra);
  };
  const pairs = m / B;
  const groups = m / G;
  const [a, v, ctl] = [buffer(m * m * 4), buffer(m * m * 4), buffer(32)];
  const mappable = (): GPUBuffer => device.createBuffer({ size: 16, usage: Usage.MAP_READ | Usage.COPY_DST });
  const [dq, turning] = [buffer(pairs * B * B * 4), buffer(pairs * 4)];
  const [w, ranked, rows, pairList] = [buffer(groups * groups * 8), buffer(groups * RANKED * 4), buffer(groups * 16), buffer(pairs * 8)];
  const runList = blockRuns(pairs, l.blockRun);
  const runs = buffer(runList.byteLength);
  device.queue.writeBuffer(runs, 0, runList);
  const [solve, block, weights, rank, match] = [solveKernel(m, l), blockKernel(m, l), weightsKernel(m, l), rankKernel(m, l), matchKernel(m, l)];
  const ws: Workspace = {
    steps: groups - 1,
    solveKernel: solve,
    blockKernel: block,
    weightsKernel: weights,
    rankKernel: rank,
    matchKernel: match,
    a,
    v,
    ctl,
    staging: [mappable(), mappable()],
    dq,
    turning,
    runs,
    w,
    ranked,
    rows,
    pairs: pairList,
    solve: gpu.bindGroup(solve, [pairList, ctl, a, v, dq, turning, w]),
    block: gpu.bindGroup(block, [pairList, dq, turning, runs, ctl, a, v, w]),
    weights: gpu.bindGroup(weights, [a, w, ctl]),
    rank: gpu.bindGroup(rank, [w, ctl, ranked, rows]),
    match: gpu.bindGroup(match, [w, ranked, rows, pairList, ctl]),
  };
  byM.set(key, ws);
  return ws;
}

/**
 * Eigenvalues [..., n] and (when `vectors`) eigenvectors [..., n, n] of S = (X + Xᵀ)/2 on the GPU. The
 * eigenvalues are the Rayleigh quotients vₖᵀ S vₖ of the Jacobi eigenvectors, not A's converged diagonal:
 * the float32 similarity updates let that diagonal drift by ~ε·‖S‖ over a run (2–8e-4 on E0 of the
 * 500-point Hamiltonian, whose ~2490 entries cancel to E0 ≈ 0.5), while the eigenvectors stay accurate
 * and the quotient's error is second order in theirs plus one rounding of S·v (~1e-5 there). From n = 128
 * on S is T, the tridiagonal matrix the Jacobi run started from (S itself when it was tridiagonal already):
 * then the quotients take O(n²) instead of a matrix product, and Q·V follows them.
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
    throw new WebgradError(
      'eigh',
      `a ${n}×${n} matrix needs ${m * m * 4} bytes per GPU buffer, more than this device's ${limit}; use the CPU backend`,
    );
  }
  const launch = launchFor(gpu);
  const shared = gpu.device.limits.maxComputeWorkgroupStorageSize;
  const pairing = (m / G) * 8 + launch.matchWg * 4 + 64; // eigh.match: two u32 per group, one f32 per invocation, counters
  if (pairing > shared) {
    throw new WebgradError(
      'eigh',
      `a ${n}×${n} matrix needs ${pairing} bytes of workgroup memory to pair its index groups, ` +
        `more than this device's ${shared}; use the CPU backend`,
    );
  }
  const ws = workspace(gpu, m, launch);
  const status = gpu.alloc(2);
  const unordered = empty(x.backend, x.shape);
  const tri = useTridiagonal(n) ? (ws.tri ??= tridiagonalWorkspace(gpu, m, launch.tri, ws.a, ws.v)) : null;
  const triQuotients = tri ? empty(x.backend, [...lead, n]) : null;
  const run: JacobiRun = {
    gpu,
    ws,
    launch,
    tri,
    n,
    m,
    batch,
    vectors,
    input: gpuBuffer(x),
    unordered: gpuBuffer(unordered),
    quotients: triQuotients && gpuBuffer(triQuotients),
    status: status.payload,
  };
  gpu.hold((own) => runJacobi(run, own));
  const quotients = triQuotients ?? rayleighQuotients(x, unordered);
  const w = empty(x.backend, [...lead, n]);
  const v = empty(x.backend, x.shape);
  gpu.run(orderKernel(), [gpuBuffer(quotients), gpuBuffer(unordered), gpuBuffer(w), gpuBuffer(v)], uniformWords([n, batch * n]), groups1d(batch * n));
  quotients.dispose();
  unordered.dispose();
  const shape = fmt(x.shape);
  gpu.deferCheck(
    status.payload,
    2,
    ([flags, done]) => {
      jacobiStats.lastSteps = done;
      jacobiStats.stepsPerSweep = ws.steps;
      if (flags & 1) return new WebgradError('eigh', `input of shape ${shape} contains NaN or Inf (found on the GPU; reported at this readback)`);
      if (flags & 2)
        return new WebgradError('eigh', `did not converge in ${MAX_SWEEPS * ws.steps} steps (${MAX_SWEEPS} sweeps' worth; input of shape ${shape})`);
      return null;
    },
    () => status.release(),
  );
  if (vectors) return [w, v];
  v.dispose();
  return [w, null];
}

/** What the task that encodes a batch of Jacobi runs needs (buffers are the op's tensors'). */
interface JacobiRun {
  gpu: WebGPUBackend;
  ws: Workspace;
  launch: JacobiLaunch;
  tri: TridiagonalWorkspace | null;
  n: number;
  m: number;
  batch: number;
  vectors: boolean;
  input: GPUBuffer;
  unordered: GPUBuffer;
  quotients: GPUBuffer | null;
  status: GPUBuffer;
}

/** Maps one of the workspace's staging buffers (a copy into it was just submitted) and returns its words. */
async function readWords(buffer: GPUBuffer): Promise<Uint32Array> {
  await buffer.mapAsync(GPUMapMode.READ, 0, 16);
  const words = new Uint32Array(buffer.getMappedRange(0, 16).slice(0));
  buffer.unmap();
  return words;
}

/**
 * Encodes the batch's Jacobi runs while holding the command stream: per matrix, init, the tridiagonal
 * reduction (decided from one readback), then chunks of steps, each followed by a copy of the status words
 * that is read back while the next chunk runs; the first chunk that finds the run over ends it.
 */
async function runJacobi(r: JacobiRun, own: <T>(f: () => T) => T): Promise<void> {
  const { gpu, ws, launch, tri, n, m } = r;
  const groups = stepGroups(m, launch);
  const maxSteps = MAX_SWEEPS * ws.steps;
  const chunk = chunkSteps(ws.steps, launch);
  const before = gpu.stats.dispatches;
  const stats = { stepsEncoded: 0, chunks: 0, readbacks: 0 };
  // The two staging buffers take turns; one is copied into again only once its last read has resolved
  // (normally long since: it is two copies back), so no matrix of the batch waits for the one before.
  const reads: (Promise<Uint32Array> | null)[] = [null, null];
  let turn = 0;
  const nextStaging = async (): Promise<number> => {
    const k = turn;
    turn ^= 1;
    await reads[k];
    return k;
  };
  const read = (k: number): Promise<Uint32Array> => {
    stats.readbacks++;
    const words = readWords(ws.staging[k]);
    words.catch(() => {}); // awaited later; a failure (device lost) must not go unhandled meanwhile
    return (reads[k] = words);
  };
  const init = (b: number): void => gpu.run(initKernel(), [r.input, ws.a, ws.v], uniformWords([n, m, b * n * n, 0]), groups1d(m * m));
  for (let b = 0; b < r.batch; b++) {
    let reducing = false;
    if (tri) {
      const k = await nextStaging();
      own(() => {
        init(b);
        encodePlan(gpu, tri);
        gpu.copy(tri.state, ws.staging[k], 4, ON_OFFSET, 0);
        gpu.flush();
      });
      reducing = (await read(k))[0] !== 0;
    }
    // Chunk c's status is read while chunk c + 1 runs; `last` is the previous chunk's read.
    let last: Promise<Uint32Array> | null = null;
    let encoded = 0;
    while (encoded < maxSteps) {
      const steps = Math.min(chunk, maxSteps - encoded);
      const k = await nextStaging();
      own(() => {
        if (encoded === 0) {
          if (tri) encodeTridiagonal(gpu, tri, reducing);
          else init(b);
          gpu.encode(ws.weightsKernel, ws.weights, groups1d((m / G) ** 2, 64));
          gpu.encode(ws.rankKernel, ws.rank, groups.rank);
        }
        for (let s = 0; s < steps; s++) {
          gpu.encode(ws.matchKernel, ws.match, [1]);
          gpu.encode(ws.solveKernel, ws.solve, groups.solve);
          gpu.encode(ws.blockKernel, ws.block, groups.block);
          gpu.encode(ws.rankKernel, ws.rank, groups.rank); // the next step's
        }
        gpu.copy(ws.ctl, ws.staging[k], 16);
        gpu.flush();
      });
      encoded += steps;
      stats.chunks++;
      const previous = last;
      last = read(k);
      if (previous && (await previous)[3] !== 0) break;
    }
    stats.stepsEncoded += encoded;
    own(() => {
      gpu.encode(ws.matchKernel, ws.match, [1]); // the last test: flags a run still open
      if (tri && r.quotients) {
        encodeQuotients(gpu, tri);
        gpu.copy(tri.quotients, r.quotients, n * 4, 0, b * n * 4);
        if (reducing && r.vectors) encodeBackTransform(gpu, tri); // eigvalsh needs no Q
      }
      gpu.run(collectKernel(), [ws.v, ws.ctl, r.unordered, r.status], uniformWords([n, m, b * n * n, b]), [Math.ceil(n / 64)]);
      gpu.flush();
    });
  }
  await Promise.all(reads); // the staging buffers unmapped for the next eigh
  Object.assign(jacobiStats, stats, { dispatches: gpu.stats.dispatches - before });
}

/** vₖᵀ S vₖ for each column of `v` [..., n, n], S = (X + Xᵀ)/2 (halves first, as eigh.init), as [..., n]. */
function rayleighQuotients(x: Tensor, v: Tensor): Tensor {
  return noGrad(() => tidy(() => x.mul(0.5).add(x.transpose().mul(0.5)).matmul(v).mul(v).sum({ axis: -2 })));
}
