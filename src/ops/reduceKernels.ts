// The reduction kernels: every reduction is one row of REDUCERS (WGSL accumulator, identity, load, combine
// and finish beside the CPU reference) expanded into the parallel template shaders/reduce.wgsl, which
// planReduce splits into passes for the shape at hand; the fused backward kernels are rows of REDUCE_GRADS
// expanded into shaders/reduce.backward.wgsl. No autograd here: src/ops/reduce.ts declares the primitives.
import { FloatArray } from '../backend/cpu';
import { groups1d } from '../backend/webgpu/kernel';
import { WebGPUBackend } from '../backend/webgpu/webgpuBackend';
import { broadcastStrides, collapseDims, packDims, reducedShape, Shape, sizeOf, stridedOffsets, stridesOf } from '../shape';
import { Tensor } from '../tensor';
import { asWebGPU, cpuData, empty, gpuBuffer, gpuKernel, uniformWords } from './util';
import { fromArray } from './creation';
import reduceWgsl from '../../shaders/reduce.wgsl?raw';
import reduceBackwardWgsl from '../../shaders/reduce.backward.wgsl?raw';

interface Reducer {
  /** WGSL accumulator type; pairs travel between the two passes as two floats. */
  acc: 'f32' | 'vec2<f32>';
  /** WGSL identity of `combine`. */
  init: string;
  /** WGSL accumulator of one input element, in xs, i (its offset) and r (its index in the reduced range). */
  load: string;
  /** WGSL merge of accumulators acc and v. */
  combine: string;
  /** WGSL output value, in acc and params.scale. */
  finish: string;
  /** CPU reference over one reduced range (in order; float64 arithmetic), times `scale` where it applies. */
  cpu: (row: Float64Array, scale: number) => number;
}

function cpuSum(row: Float64Array): number {
  let s = 0;
  for (let j = 0; j < row.length; j++) s += row[j];
  return s;
}

/** Index of the first element `better` than all before it (ties keep the first). */
function cpuArg(row: Float64Array, better: (v: number, best: number) => boolean): number {
  let at = 0;
  for (let j = 1; j < row.length; j++) if (better(row[j], row[at])) at = j;
  return at;
}

function cpuMax(row: Float64Array): number {
  let m = -Infinity;
  for (let j = 0; j < row.length; j++) m = Math.max(m, row[j]);
  return m;
}

function cpuMin(row: Float64Array): number {
  let m = Infinity;
  for (let j = 0; j < row.length; j++) m = Math.min(m, row[j]);
  return m;
}

/** log Σ exp(x) shifted by the max (±inf and empty ranges return the max itself). */
function cpuLogsumexp(row: Float64Array): number {
  const m = cpuMax(row);
  if (!Number.isFinite(m)) return m;
  let s = 0;
  for (let j = 0; j < row.length; j++) s += Math.exp(row[j] - m);
  return m + Math.log(s);
}

// An index starts past every real one, so any element wins a tie against the identity.
const NO_INDEX = '3.0e38';

const REDUCERS = {
  sum: { acc: 'f32', init: '0.0', load: 'xs[i]', combine: 'acc + v', finish: 'acc * params.scale', cpu: (row, scale) => cpuSum(row) * scale },
  max: { acc: 'f32', init: '-inf_f()', load: 'xs[i]', combine: 'max(acc, v)', finish: 'acc', cpu: cpuMax },
  min: { acc: 'f32', init: 'inf_f()', load: 'xs[i]', combine: 'min(acc, v)', finish: 'acc', cpu: cpuMin },
  /** L2 norm: sqrt(Σ x²). */
  norm: {
    acc: 'f32',
    init: '0.0',
    load: 'xs[i] * xs[i]',
    combine: 'acc + v',
    finish: 'sqrt(acc)',
    cpu: (row) => Math.sqrt(row.reduce((s, v) => s + v * v, 0)),
  },
  /** (max, Σ exp(x − max)) merged online: one pass, never overflows. */
  logsumexp: {
    acc: 'vec2<f32>',
    init: 'vec2<f32>(-inf_f(), 0.0)',
    load: 'vec2<f32>(xs[i], 1.0)',
    combine: 'lse_merge(acc, v)',
    finish: 'acc.x + log(acc.y)',
    cpu: cpuLogsumexp,
  },
  argmax: {
    acc: 'vec2<f32>',
    init: `vec2<f32>(-inf_f(), ${NO_INDEX})`,
    load: 'vec2<f32>(xs[i], f32(r))',
    combine: 'arg_max(acc, v)',
    finish: 'acc.y',
    cpu: (row) => cpuArg(row, (v, best) => v > best),
  },
  argmin: {
    acc: 'vec2<f32>',
    init: `vec2<f32>(inf_f(), ${NO_INDEX})`,
    load: 'vec2<f32>(xs[i], f32(r))',
    combine: 'arg_min(acc, v)',
    finish: 'acc.y',
    cpu: (row) => cpuArg(row, (v, best) => v < best),
  },
} satisfies Record<string, Reducer>;

export type ReducerName = keyof typeof REDUCERS;

interface Dims {
  shape: number[];
  strides: number[];
}

/** Splits a contiguous tensor's dims into kept and reduced (each collapsed for the kernel). */
function splitDims(shape: Shape, axes: readonly number[]): { kept: Dims; reduced: Dims } {
  const st = stridesOf(shape);
  const pick = (keep: boolean): Dims => {
    const idx = shape.map((_, i) => i).filter((i) => axes.includes(i) !== keep);
    const c = collapseDims(
      idx.map((i) => shape[i]),
      [idx.map((i) => st[i])],
    );
    return { shape: c.shape, strides: c.strides[0] };
  };
  return { kept: pick(true), reduced: pick(false) };
}

const sizeOfDims = (d: Dims): number => d.shape.reduce((a, b) => a * b, 1);

/** The reduce template instantiated for `kind`: entry `main` (lanes > 1, tree) or `solo` (lanes = 1). */
function reduceKernelFor(kind: ReducerName, entry: 'main' | 'solo') {
  const r: Reducer = REDUCERS[kind];
  const pair = r.acc !== 'f32';
  const values = {
    ACC: r.acc,
    INIT: r.init,
    LOAD: r.load,
    COMBINE: r.combine,
    FINISH: r.finish,
    LOAD_RAW: pair ? 'vec2<f32>(xs[2u * i], xs[2u * i + 1u])' : 'xs[i]',
    STORE_RAW: pair ? 'ys[2u * job] = acc.x; ys[2u * job + 1u] = acc.y;' : 'ys[job] = acc;',
  };
  return gpuKernel(`reduce:${kind}:${entry}`, reduceWgsl, values, [1, 1], true, entry);
}

/** How a pass splits the work: chunks per output, invocations per job, job numbering, chunk layout. */
interface ReducePlan {
  chunks: number;
  lanes: number;
  chunkMajor: boolean;
  /** Chunks interleaved per contiguous block (1: each chunk is a contiguous block). */
  interleave: number;
}

const WORKGROUP = 256;
/** Invocations a pass aims for: enough to keep a large GPU's memory system busy. */
const TARGET_THREADS = 65536;
/** Ranges longer than this (with few outputs) take a grid-stride first pass. */
const LONG_RANGE = 4096;

const nextPow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/**
 * Column reductions (innermost dim kept, e.g. summing a batch of rows): one invocation per (output, block
 * of rows), neighbours on neighbouring outputs. Long ranges with few outputs: one invocation per (output,
 * chunk) with chunks interleaved within 256-wide groups (a workgroup reads one contiguous block, neighbours
 * neighbouring elements), then passes over the partials. Otherwise a power-of-two group of lanes per output
 * combining as a tree: 8 lanes read a full 32-byte memory sector per step, more when outputs are too few to
 * fill the device; one invocation per output for ranges of at most 32. Few lanes also keep barriers rare,
 * which CPU implementations of WebGPU (SwiftShader) pay dearly for.
 */
function planReduce(kept: Dims, nOut: number, nRed: number): ReducePlan {
  const threadsPerOutput = Math.ceil(TARGET_THREADS / nOut);
  if (kept.strides[kept.strides.length - 1] === 1 && nOut >= 32) {
    return { chunks: Math.max(1, Math.min(Math.ceil(nRed / 32), threadsPerOutput)), lanes: 1, chunkMajor: true, interleave: 1 };
  }
  if (nRed > LONG_RANGE && nOut * 8 < TARGET_THREADS) {
    const want = Math.max(1, Math.min(Math.ceil(nRed / 64), threadsPerOutput));
    const interleave = Math.min(WORKGROUP, want);
    return { chunks: Math.ceil(want / interleave) * interleave, lanes: 1, chunkMajor: false, interleave };
  }
  const lanes = nRed <= 32 ? 1 : Math.max(8, Math.min(WORKGROUP, nextPow2(threadsPerOutput / 2), nextPow2(nRed / 8)));
  return { chunks: 1, lanes, chunkMajor: false, interleave: 1 };
}

/** Records the reduction of `src` (kept × reduced dims) into `dst` on the GPU; long ranges take several passes. */
function gpuReduce(
  gpu: WebGPUBackend,
  src: GPUBuffer,
  dst: GPUBuffer,
  kept: Dims,
  reduced: Dims,
  kind: ReducerName,
  scale: number,
  fromRaw = false,
): void {
  const nOut = sizeOfDims(kept);
  const nRed = sizeOfDims(reduced);
  const { chunks, lanes, chunkMajor, interleave } = planReduce(kept, nOut, nRed);
  const chunkLen = Math.ceil(nRed / chunks);
  const final = chunks === 1;
  const words = uniformWords([
    nOut,
    nRed,
    chunks,
    chunkLen,
    kept.shape.length,
    reduced.shape.length,
    { f: scale },
    lanes,
    chunkMajor ? 1 : 0,
    interleave,
    fromRaw ? 1 : 0,
    final ? 0 : 1,
    0,
    0,
    0,
    0,
    ...packDims(kind, [kept.shape, kept.strides, reduced.shape, reduced.strides]),
  ]);
  const groups = groups1d(nOut * chunks, WORKGROUP / lanes);
  const kernel = reduceKernelFor(kind, lanes === 1 ? 'solo' : 'main');
  if (final) {
    gpu.run(kernel, [src, dst], words, groups);
    return;
  }
  // This pass writes a raw accumulator per job; the next reduces each output's chunks.
  const width = REDUCERS[kind].acc === 'f32' ? 1 : 2;
  const partial = gpu.alloc(nOut * chunks * width);
  gpu.run(kernel, [src, partial.payload], words, groups);
  const next: Dims[] = chunkMajor
    ? [
        { shape: [nOut], strides: [1] },
        { shape: [chunks], strides: [nOut] },
      ]
    : [
        { shape: [nOut], strides: [chunks] },
        { shape: [chunks], strides: [1] },
      ];
  gpuReduce(gpu, partial.payload, dst, next[0], next[1], kind, scale, true);
  partial.release();
}

/** Element offset of flat index `i` walking `d` (row-major over d.shape). */
const scratch = [0, 0];
function offsetOf(d: Dims, i: number): number {
  return stridedOffsets(i, d.shape, d.strides, d.strides, scratch)[0];
}

function cpuReduce(xs: FloatArray, ys: FloatArray, kept: Dims, reduced: Dims, kind: ReducerName, scale: number): void {
  const r: Reducer = REDUCERS[kind];
  const nRed = sizeOfDims(reduced);
  const redOff = Array.from({ length: nRed }, (_, j) => offsetOf(reduced, j));
  const row = new Float64Array(nRed);
  for (let o = 0; o < ys.length; o++) {
    const base = offsetOf(kept, o);
    for (let j = 0; j < nRed; j++) row[j] = xs[base + redOff[j]];
    ys[o] = r.cpu(row, scale);
  }
}

/** The reduction's kernels, one slot per backend. */
const REDUCE_IMPL = {
  cpu: (x: Tensor, out: Tensor, kept: Dims, reduced: Dims, kind: ReducerName, scale: number, nOut: number): void =>
    cpuReduce(cpuData(x), cpuData(out).subarray(0, nOut), kept, reduced, kind, scale),
  webgpu: (x: Tensor, out: Tensor, kept: Dims, reduced: Dims, kind: ReducerName, scale: number): void =>
    gpuReduce(asWebGPU(x.backend), gpuBuffer(x), gpuBuffer(out), kept, reduced, kind, scale),
};

/**
 * Reduces `x` over `axes` (sorted, unique) with `kind`; `scale` multiplies sums. The result drops the reduced
 * dims, or keeps them as 1 with `keepdim`. Not recorded for autograd: the primitives below do that.
 */
export function reduceKernel(x: Tensor, axes: readonly number[], kind: ReducerName, scale = 1, keepdim = false): Tensor {
  const outShape = reducedShape(x.shape, axes, keepdim);
  const nOut = sizeOf(outShape);
  if (nOut === 0) return empty(x.backend, outShape);
  // Reducing empty ranges: each output is the reference's value of an empty range (sum 0, mean NaN, ...).
  if (x.size === 0) return fromArray(new Float32Array(nOut).fill(REDUCERS[kind].cpu(new Float64Array(0), scale)), outShape, { backend: x.backend });
  const out = empty(x.backend, outShape);
  const { kept, reduced } = splitDims(x.shape, axes);
  REDUCE_IMPL[x.backend.name](x, out, kept, reduced, kind, scale, nOut);
  return out;
}

// ---- fused backward kernels --------------------------------------------------------------------------

interface ReduceGrad {
  /** WGSL in x (input element), g (its output's gradient) and a, b (per-output values from the forward). */
  wgsl: string;
  cpu: (x: number, g: number, a: number, b: number) => number;
}

const REDUCE_GRADS = {
  /** 1 where x equals its output's extreme a (g unused): summed, it counts the ties. */
  isExtreme: { wgsl: 'select(0.0, 1.0, x == a)', cpu: (x, _g, a) => (x === a ? 1 : 0) },
  /** max/min: the gradient split equally between the b elements equal to the extreme a. */
  extremum: { wgsl: 'select(0.0, g / b, x == a)', cpu: (x, g, a, b) => (x === a ? g / b : 0) },
  /** a = logsumexp: g · softmax(x). */
  logsumexp: { wgsl: 'g * exp(x - a)', cpu: (x, g, a) => g * Math.exp(x - a) },
  /** a = ‖x‖: g · x / ‖x‖, and 0 where the norm is 0. */
  norm: { wgsl: 'select(0.0, g * x / a, a > 0.0)', cpu: (x, g, a) => (a > 0 ? (g * x) / a : 0) },
} satisfies Record<string, ReduceGrad>;

export type ReduceGradName = keyof typeof REDUCE_GRADS;

const REDUCE_GRAD_IMPL = {
  cpu(rule: ReduceGradName, out: Tensor, dims: Dims, [x, g, a, b]: Tensor[]): void {
    const def: ReduceGrad = REDUCE_GRADS[rule];
    const [xs, gs, as, bs, ds] = [cpuData(x), cpuData(g), cpuData(a), cpuData(b), cpuData(out)];
    for (let i = 0; i < out.size; i++) {
      const o = offsetOf(dims, i);
      ds[i] = def.cpu(xs[i], gs[o], as[o], bs[o]);
    }
  },
  webgpu(rule: ReduceGradName, out: Tensor, dims: Dims, ins: Tensor[]): void {
    const k = gpuKernel(`reduce_bwd:${rule}`, reduceBackwardWgsl, { GRAD: REDUCE_GRADS[rule].wgsl }, [4, 1]);
    const words = uniformWords([out.size, dims.shape.length, 0, 0, ...packDims(rule, [dims.shape, dims.strides])]);
    asWebGPU(out.backend).run(k, [...ins, out].map(gpuBuffer), words, groups1d(out.size));
  },
};

/** dx (shape of x) from `rule`, reading g, a and b (one value per output of the reduction over `axes`). */
export function reduceGradKernel(rule: ReduceGradName, x: Tensor, axes: readonly number[], g: Tensor, a: Tensor, b: Tensor = a): Tensor {
  const out = empty(x.backend, x.shape);
  if (out.size === 0) return out;
  const plan = collapseDims(x.shape, [broadcastStrides(reducedShape(x.shape, axes, true), x.shape)]);
  REDUCE_GRAD_IMPL[x.backend.name](rule, out, { shape: plan.shape, strides: plan.strides[0] }, [x, g, a, b]);
  return out;
}
