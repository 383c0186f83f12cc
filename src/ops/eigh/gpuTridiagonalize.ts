// eigh on WebGPU around the Jacobi run: before it, Householder reduction of A to tridiagonal T = QᵀAQ
// (shaders/eigh/tri*.wgsl, LAPACK's blocked sytrd/latrd); after it, the Rayleigh quotients vᵀTv of T's
// eigenvectors (O(n²): T is tridiagonal) and V ← Q·V. The Jacobi run needs far fewer steps on dense input:
// 441 instead of 789 for the random 500×500 matrix of bench/eigh.mjs. Two dispatches (check, plan) decide
// whether A is reduced, and the host reads that flag back once (`REDUCING`): input that is already
// tridiagonal (the 1-D Hamiltonian) or not finite skips the reduction and Q, and the quotients use A
// itself. Otherwise ~3 direct dispatches per column plus 2 per panel of NB columns, and 3 per panel for Q
// (docs/dispatch.md: no indirect dispatches, which Dawn validates one by one).
import { Usage } from '../../backend/webgpu/bufferPool';
import { GpuKernel } from '../../backend/webgpu/kernel';
import { WebGPUBackend } from '../../backend/webgpu/webgpuBackend';
import { gpuKernel } from '../util';
import triWgsl from '../../../shaders/eigh/tri.wgsl?raw';
import reduceWgsl from '../../../shaders/eigh/tri.reduce.wgsl?raw';
import qWgsl from '../../../shaders/eigh/tri.q.wgsl?raw';

/** Columns per panel (one rank-2·NB update of the trailing matrix each; 32 and 8 were slower). */
const NB = 16;

/**
 * Launch shapes (part of the Jacobi launch, chosen by adapter like it): the column kernel's workgroup size
 * and rows per invocation (its partial sums are reduced once per workgroup), symv's workgroup size and
 * invocations per block of eight rows (a power of two ≤ symvWg), reflect's workgroup size, and that of
 * the tiled update kernels. On SwiftShader small workgroups were fastest (a workgroup runs on one core and
 * its barriers switch between 4-lane SIMD groups): the column kernels of an n = 500 reduction took ~90 ms
 * with 8 lanes × 8 rows against ~320 ms with 32 × 4 and ~860 ms with 128 × 4 (development timings), and
 * symv runs one invocation per block. GPUs want wide workgroups and many of them: symv gets one workgroup
 * per block, whose 64 lanes split the block's row products (docs/eigensolvers.md; the tests run both shapes).
 */
export interface TridiagonalLaunch {
  columnWg: number;
  columnRows: number;
  symvWg: number;
  symvSplit: number;
  reflectWg: number;
  tileWg: number;
}
export const TRIDIAGONAL_LAUNCH = {
  cpu: { columnWg: 8, columnRows: 8, symvWg: 8, symvSplit: 1, reflectWg: 4, tileWg: 16 },
  gpu: { columnWg: 64, columnRows: 1, symvWg: 64, symvSplit: 64, reflectWg: 64, tileWg: 64 },
} satisfies Record<string, TridiagonalLaunch>;
export const tridiagonalLaunchKey = (l: TridiagonalLaunch): string =>
  [l.columnWg, l.columnRows, l.symvWg, l.symvSplit, l.reflectWg, l.tileWg].join('.');

/** Bytes between two dispatches' parameters (WebGPU's minUniformBufferOffsetAlignment). */
const SLOT = 256;

/** Reduce first from this size on (smaller matrices converge in a few Jacobi sweeps anyway). */
export const TRIDIAGONAL_FROM = 128;
let forced: boolean | null = null;
/** Internal (tests): reduce at every size (true), never (false), or by size again (null). */
export function forceTridiagonal(on: boolean | null): void {
  forced = on;
}
export const useTridiagonal = (n: number): boolean => forced ?? n >= TRIDIAGONAL_FROM;

interface Panel {
  p0: number;
  nb: number;
}
const panelsOf = (m: number): Panel[] => {
  const panels: Panel[] = [];
  for (let p0 = 0; p0 < m - 2; p0 += NB) panels.push({ p0, nb: Math.min(NB, m - 2 - p0) });
  return panels;
};
/** Symv's workgroups for column c (shaders/eigh/tri.wgsl's symv_groups): symvSplit invocations per block of
 * eight rows, from row c + 1 rounded down to 8 on. */
const symvGroups = (m: number, c: number, l: TridiagonalLaunch): number => Math.ceil(((m / 8 - Math.floor((c + 1) / 8)) * l.symvSplit) / l.symvWg);

/** Byte offset of State.on in shaders/eigh/tri.wgsl's state (after flags and largest). */
export const ON_OFFSET = 8;

const sizes = (m: number, l: TridiagonalLaunch) => {
  const np = Math.max(1, panelsOf(m).length);
  const columnGroups = Math.ceil(m / (l.columnWg * l.columnRows));
  const parts = columnGroups * (1 + 2 * NB) + symvGroups(m, 0, l); // partial sums of one column
  const pv = Math.max(parts, NB * m); // where p starts in `part` (Yᵀ·V₂₂, NB×m, fills it when forming Q)
  return {
    M: m,
    MM: m * m,
    NB,
    NP: np,
    COLUMN_WG: l.columnWg,
    COLUMN_ROWS: l.columnRows,
    COLUMN_GROUPS: columnGroups,
    SYMV_WG: l.symvWg,
    SYMV_SPLIT: l.symvSplit,
    REFLECT_WG: l.reflectWg,
    TILE_WG: l.tileWg,
    YS: np * m * NB,
    WS: m * NB,
    TS: np * NB * NB,
    PV: pv,
    PS: pv + m,
  };
};

/** The entry points of shaders/eigh/tri.q.wgsl (the rest are shaders/eigh/tri.reduce.wgsl's). */
const AFTER_JACOBI = new Set(['rayleigh', 'qz', 'qx', 'qupdate']);
/** Entry point `entry` of eigh.tri.reduce or eigh.tri.q at padded size m (all share one layout). */
const kernel = (m: number, l: TridiagonalLaunch, entry: string): GpuKernel =>
  gpuKernel(
    `eigh:tri:${entry}:${m}:${tridiagonalLaunchKey(l)}`,
    `${triWgsl}\n${AFTER_JACOBI.has(entry) ? qWgsl : reduceWgsl}`,
    sizes(m, l),
    [0, 7],
    true,
    entry,
  );

/** Buffers and bind groups of the reduction at one padded size, sharing the Jacobi workspace's A and V. */
export interface TridiagonalWorkspace {
  m: number;
  launch: TridiagonalLaunch;
  /** Where encodeQuotients leaves the m Rayleigh quotients. */
  quotients: GPUBuffer;
  /** shaders/eigh/tri.wgsl's State; its word `on` (at ON_OFFSET) says whether the reduction runs. */
  state: GPUBuffer;
  buffers: GPUBuffer[];
  /** One bind group per slot of parameters (column c of a panel, or a panel's end). */
  groups: GPUBindGroup[];
}

export function tridiagonalWorkspace(gpu: WebGPUBackend, m: number, launch: TridiagonalLaunch, a: GPUBuffer, v: GPUBuffer): TridiagonalWorkspace {
  const s = sizes(m, launch);
  const device = gpu.device;
  const storage = Usage.STORAGE | Usage.COPY_DST | Usage.COPY_SRC; // COPY_SRC: the quotients are copied out
  const buffer = (words: number): GPUBuffer => {
    gpu.checkAllocation(words);
    return gpu.createBuffer(Math.max(16, words * 4), storage);
  };
  const stateWords = 6 + 2 * NB; // shaders/eigh/tri.wgsl's State: six scalars, then yv and wv
  const [y, w, t, part, state] = [buffer(s.YS), buffer(s.WS), buffer(s.TS), buffer(s.PS), buffer(stateWords)];
  const slots: number[] = [];
  panelsOf(m).forEach(({ p0, nb }, p) => {
    for (let j = 0; j <= nb; j++) slots.push(p0 + j, p0, nb, p);
  });
  if (slots.length === 0) slots.push(0, 0, 0, 0);
  const count = slots.length / 4;
  const params = device.createBuffer({ size: count * SLOT, usage: Usage.UNIFORM | Usage.COPY_DST });
  const data = new Uint32Array((count * SLOT) / 4);
  for (let k = 0; k < count; k++) data.set(slots.slice(4 * k, 4 * k + 4), (k * SLOT) / 4);
  device.queue.writeBuffer(params, 0, data);
  const any = kernel(m, launch, 'check');
  const group = (k: number): GPUBindGroup => gpu.bindGroup(any, [a, v, y, w, t, part, state], { buffer: params, offset: k * SLOT, size: 16 });
  const groups = Array.from({ length: count }, (_, k) => group(k));
  return { m, launch, quotients: w, state, buffers: [y, w, t, part, state, params], groups };
}

/** Encodes the test whether A is reduced: afterwards State.on (at ON_OFFSET of `ws.state`) says so. */
export function encodePlan(gpu: WebGPUBackend, ws: TridiagonalWorkspace): void {
  gpu.encode(kernel(ws.m, ws.launch, 'check'), ws.groups[0], [Math.ceil(ws.m / 64)]);
  gpu.encode(kernel(ws.m, ws.launch, 'plan'), ws.groups[0], [1]);
}

/** Encodes the reduction of the Jacobi workspace's A to tridiagonal T (when `reducing`), and T's bands. */
export function encodeTridiagonal(gpu: WebGPUBackend, ws: TridiagonalWorkspace, reducing: boolean): void {
  const m = ws.m;
  const l = ws.launch;
  const k = (entry: string): GpuKernel => kernel(m, l, entry);
  const first = ws.groups[0];
  const rows = [Math.ceil(m / 64)];
  if (reducing) {
    gpu.encode(k('prescale'), first, rows);
    const columnGroups = [Math.ceil(m / (l.columnWg * l.columnRows))];
    let slot = 0;
    for (const { p0, nb } of panelsOf(m)) {
      for (let j = 0; j < nb; j++, slot++) {
        const g = ws.groups[slot];
        gpu.encode(k('column'), g, columnGroups);
        gpu.encode(k('reflect'), g, [1]);
        gpu.encode(k('symv'), g, [symvGroups(m, p0 + j, l)]); // returns at once where τ = 0
      }
      const end = ws.groups[slot++];
      gpu.encode(k('column'), end, columnGroups);
      const tq = Math.floor(m / 4) - Math.floor((p0 + nb) / 4); // row quads of the trailing matrix
      gpu.encode(k('update'), end, [Math.ceil((tq * (tq + 1)) / 2 / l.tileWg)]);
    }
    gpu.encode(k('finish'), first, rows);
  }
  gpu.encode(k('bands'), first, rows);
}

/** After the Jacobi run on T: the Rayleigh quotients of V's columns with T, into `ws.quotients`. */
export function encodeQuotients(gpu: WebGPUBackend, ws: TridiagonalWorkspace): void {
  gpu.encode(kernel(ws.m, ws.launch, 'rayleigh'), ws.groups[0], [Math.ceil(ws.m / 64)]);
}

/** After the quotients of a reduced A: V ← Q·V, the panels' block reflectors last first. */
export function encodeBackTransform(gpu: WebGPUBackend, ws: TridiagonalWorkspace): void {
  const m = ws.m;
  const k = (entry: string): GpuKernel => kernel(m, ws.launch, entry);
  const panels = panelsOf(m);
  const quads = Math.ceil(Math.floor(m / 4) / ws.launch.tileWg);
  let end = -1;
  const ends = panels.map(({ nb }) => (end += nb + 1)); // each panel's last slot of parameters
  for (let p = panels.length - 1; p >= 0; p--) {
    const { p0, nb } = panels[p];
    const g = ws.groups[ends[p]];
    gpu.encode(k('qz'), g, [Math.ceil((m - p0 - 1) / 64)]);
    gpu.encode(k('qx'), g, [quads, Math.ceil(nb / 8)]);
    gpu.encode(k('qupdate'), g, [quads, Math.floor(m / 4) - Math.floor((p0 + 1) / 4)]);
  }
}
