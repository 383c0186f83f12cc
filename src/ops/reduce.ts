// Reductions over all elements or a set of axes. Every reduction is one row of REDUCERS (WGSL accumulator,
// identity, load, combine and finish beside the CPU reference) expanded into the parallel template
// shaders/reduce.wgsl, which planReduce splits into passes for the shape at hand. Backward kernels are rows
// of REDUCE_GRADS expanded into shaders/reduce.backward.wgsl; sum and mean spread the gradient back with
// the strided broadcast copy.
import { record } from '../autograd/record';
import { FloatArray } from '../backend/cpu';
import { groups1d } from '../backend/webgpu/kernel';
import { WebGPUBackend } from '../backend/webgpu/webgpuBackend';
import {
  broadcastStrides, collapseDims, fmt, normalizeAxes, normalizeAxis, packDims, reducedShape, Shape, sizeOf, stridesOf, WebgradError,
} from '../shape';
import { assertUsable, Tensor } from '../tensor';
import { addMethods, asWebGPU, cpuData, empty, gpuBuffer, gpuKernel, uniformWords } from './util';
import { broadcastTo, reshape } from './shape';
import { fromArray } from './creation';
import { exp, mul, sub } from './elementwise';
import reduceWgsl from '../../shaders/reduce.wgsl?raw';
import reduceBackwardWgsl from '../../shaders/reduce.backward.wgsl?raw';

/** Options of reductions: the axes to reduce (all when omitted; negative counts from the end), keepdim. */
export interface ReduceOptions {
  axis?: number | number[];
  keepdim?: boolean;
}

/** Options of argmax/argmin: one axis (the flattened tensor when omitted). */
export interface ArgReduceOptions {
  axis?: number;
  keepdim?: boolean;
}

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
  norm: { acc: 'f32', init: '0.0', load: 'xs[i] * xs[i]', combine: 'acc + v', finish: 'sqrt(acc)', cpu: (row) => Math.sqrt(row.reduce((s, v) => s + v * v, 0)) },
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
    const c = collapseDims(idx.map((i) => shape[i]), [idx.map((i) => st[i])]);
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
function gpuReduce(gpu: WebGPUBackend, src: GPUBuffer, dst: GPUBuffer, kept: Dims, reduced: Dims, kind: ReducerName, scale: number, fromRaw = false): void {
  const nOut = sizeOfDims(kept);
  const nRed = sizeOfDims(reduced);
  const { chunks, lanes, chunkMajor, interleave } = planReduce(kept, nOut, nRed);
  const chunkLen = Math.ceil(nRed / chunks);
  const final = chunks === 1;
  const words = uniformWords([nOut, nRed, chunks, chunkLen, kept.shape.length, reduced.shape.length, { f: scale }, lanes,
    chunkMajor ? 1 : 0, interleave, fromRaw ? 1 : 0, final ? 0 : 1, 0, 0, 0, 0, ...packDims(kind, [kept.shape, kept.strides, reduced.shape, reduced.strides])]);
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
    ? [{ shape: [nOut], strides: [1] }, { shape: [chunks], strides: [nOut] }]
    : [{ shape: [nOut], strides: [chunks] }, { shape: [chunks], strides: [1] }];
  gpuReduce(gpu, partial.payload, dst, next[0], next[1], kind, scale, true);
  partial.release();
}

/** Element offset of flat index `i` walking `d` (row-major over d.shape). */
function offsetOf(d: Dims, i: number): number {
  let off = 0;
  for (let k = d.shape.length - 1; k >= 0; k--) {
    const c = i % d.shape[k];
    i = (i - c) / d.shape[k];
    off += c * d.strides[k];
  }
  return off;
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

/**
 * Reduces `x` over `axes` (sorted, unique) with `kind`; `scale` multiplies sums. The result drops the reduced
 * dims, or keeps them as 1 with `keepdim`. Not recorded for autograd: the ops below do that.
 */
export function reduceKernel(x: Tensor, axes: readonly number[], kind: ReducerName, scale = 1, keepdim = false): Tensor {
  const outShape = reducedShape(x.shape, axes, keepdim);
  const nOut = sizeOf(outShape);
  if (nOut === 0) return empty(x.backend, outShape);
  // Reducing empty ranges: each output is the reference's value of an empty range (sum 0, mean NaN, ...).
  if (x.size === 0) return fromArray(new Float32Array(nOut).fill(REDUCERS[kind].cpu(new Float64Array(0), scale)), outShape, { backend: x.backend });
  const out = empty(x.backend, outShape);
  const { kept, reduced } = splitDims(x.shape, axes);
  if (x.backend.name === 'cpu') cpuReduce(cpuData(x), cpuData(out).subarray(0, nOut), kept, reduced, kind, scale);
  else gpuReduce(asWebGPU(x.backend), gpuBuffer(x), gpuBuffer(out), kept, reduced, kind, scale);
  return out;
}

// ---- backward kernels --------------------------------------------------------------------------------

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

/** dx (shape of x) from `rule`, reading g, a and b (one value per output of the reduction over `axes`). */
function reduceGradKernel(rule: keyof typeof REDUCE_GRADS, x: Tensor, axes: readonly number[], g: Tensor, a: Tensor, b: Tensor = a): Tensor {
  const def: ReduceGrad = REDUCE_GRADS[rule];
  const out = empty(x.backend, x.shape);
  if (out.size === 0) return out;
  const plan = collapseDims(x.shape, [broadcastStrides(reducedShape(x.shape, axes, true), x.shape)]);
  const dims: Dims = { shape: plan.shape, strides: plan.strides[0] };
  if (x.backend.name === 'cpu') {
    const [xs, gs, as, bs, ds] = [cpuData(x), cpuData(g), cpuData(a), cpuData(b), cpuData(out)];
    for (let i = 0; i < out.size; i++) {
      const o = offsetOf(dims, i);
      ds[i] = def.cpu(xs[i], gs[o], as[o], bs[o]);
    }
  } else {
    const k = gpuKernel(`reduce_bwd:${rule}`, reduceBackwardWgsl, { GRAD: def.wgsl }, [4, 1]);
    const words = uniformWords([out.size, dims.shape.length, 0, 0, ...packDims(rule, [dims.shape, dims.strides])]);
    const bufs = [x, g, a, b, out].map(gpuBuffer);
    asWebGPU(x.backend).run(k, bufs, words, groups1d(out.size));
  }
  return out;
}

// ---- ops ---------------------------------------------------------------------------------------------

/** Shape of the reduction's output with keepdim, for spreading gradients back. */
function keepdimShape(x: Shape, axes: readonly number[]): number[] {
  return reducedShape(x, axes, true);
}

/** Throws naming `op` when a reduction without identity (max, argmax, ...) would reduce no elements. */
function requireElements(op: string, x: Tensor, axes: readonly number[]): number {
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  if (n === 0) throw new WebgradError(op, `cannot reduce an empty range: axes [${axes.join(', ')}] of shape ${fmt(x.shape)} hold no elements`);
  return n;
}

/** The gradient of a sum over `axes`: g (one value per output) copied back over `shape`, times `scale`. */
function spreadGrad(g: Tensor, shape: Shape, axes: readonly number[], scale = 1): Tensor {
  const perOutput = reshape(g, keepdimShape(shape, axes));
  const wide = broadcastTo(perOutput, shape);
  perOutput.dispose(); // temporaries go now, not at garbage collection (their GPU buffers return to the pool)
  if (scale === 1) return wide;
  const scaled = mul(wide, scale);
  wide.dispose();
  return scaled;
}

/** Sum over `axis` (all elements by default), like `torch.sum`. */
export function sum(x: Tensor, options: ReduceOptions = {}): Tensor {
  assertUsable('sum', x);
  const axes = normalizeAxes('sum', options.axis, x.ndim);
  const y = reduceKernel(x, axes, 'sum', 1, options.keepdim);
  return record('sum', [y], [x], [], ([g]) => [spreadGrad(g!, x.shape, axes)])[0];
}

/** Mean over `axis` (all elements by default); NaN over an empty range, as in torch. */
export function mean(x: Tensor, options: ReduceOptions = {}): Tensor {
  assertUsable('mean', x);
  const axes = normalizeAxes('mean', options.axis, x.ndim);
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  const y = reduceKernel(x, axes, 'sum', 1 / n, options.keepdim);
  return record('mean', [y], [x], [], ([g]) => [spreadGrad(g!, x.shape, axes, 1 / n)])[0];
}

function extremum(op: 'max' | 'min', x: Tensor, options: ReduceOptions): Tensor {
  assertUsable(op, x);
  const axes = normalizeAxes(op, options.axis, x.ndim);
  requireElements(op, x, axes);
  const m = reduceKernel(x, axes, op, 1, options.keepdim);
  return record(op, [m], [x], [x, m], ([g], [xs, ms]) => {
    const ties = reduceGradKernel('isExtreme', xs, axes, ms, ms);
    const count = reduceKernel(ties, axes, 'sum');
    const dx = reduceGradKernel('extremum', xs, axes, g!, ms, count);
    ties.dispose();
    count.dispose();
    return [dx];
  })[0];
}

/**
 * Maximum over `axis` (all elements by default), like `torch.amax`. Gradient: elements tied for the maximum
 * share it equally (each gets g / number of ties). Throws on an empty range.
 */
export const max = (x: Tensor, options: ReduceOptions = {}): Tensor => extremum('max', x, options);

/** Minimum over `axis` (all elements by default); tied minima share the gradient equally, as in `max`. */
export const min = (x: Tensor, options: ReduceOptions = {}): Tensor => extremum('min', x, options);

function argExtremum(op: 'argmax' | 'argmin', x: Tensor, options: ArgReduceOptions): Tensor {
  assertUsable(op, x);
  if (options.axis !== undefined && typeof options.axis !== 'number') {
    throw new WebgradError(op, `takes one axis (a number) or none, got ${JSON.stringify(options.axis)}`);
  }
  const axes = normalizeAxes(op, options.axis, x.ndim);
  const n = requireElements(op, x, axes);
  if (n > 2 ** 24) throw new WebgradError(op, `a range of ${n} elements has indices past 2^24, which float32 cannot hold exactly`);
  return reduceKernel(x, axes, op, 1, options.keepdim);
}

/**
 * Index of the first maximum along `axis`, or in the flattened tensor when no axis is given (like
 * `torch.argmax`), as float32. Not differentiable: the result never requires grad. Throws on an empty range.
 */
export const argmax = (x: Tensor, options: ArgReduceOptions = {}): Tensor => argExtremum('argmax', x, options);

/** Index of the first minimum along `axis` (flattened when omitted); see `argmax`. */
export const argmin = (x: Tensor, options: ArgReduceOptions = {}): Tensor => argExtremum('argmin', x, options);

/**
 * log Σ exp(x) over `axis` (all elements by default), computed stably (shifted by the running maximum).
 * Gradient: g · softmax(x). An empty range gives −inf.
 */
export function logsumexp(x: Tensor, options: ReduceOptions = {}): Tensor {
  assertUsable('logsumexp', x);
  const axes = normalizeAxes('logsumexp', options.axis, x.ndim);
  const y = reduceKernel(x, axes, 'logsumexp', 1, options.keepdim);
  return record('logsumexp', [y], [x], [x, y], ([g], [xs, ys]) => [reduceGradKernel('logsumexp', xs, axes, g!, ys)])[0];
}

/**
 * L2 norm sqrt(Σ x²) over `axis` (all elements by default). Gradient: g · x / ‖x‖, taken as 0 where the
 * norm is 0 (the subgradient torch also picks).
 */
export function norm(x: Tensor, options: ReduceOptions = {}): Tensor {
  assertUsable('norm', x);
  const axes = normalizeAxes('norm', options.axis, x.ndim);
  const y = reduceKernel(x, axes, 'norm', 1, options.keepdim);
  return record('norm', [y], [x], [x, y], ([g], [xs, ys]) => [reduceGradKernel('norm', xs, axes, g!, ys)])[0];
}

/** log(softmax(x)) along `axis` (default the last): x − logsumexp(x), stable for large |x|. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  assertUsable('logSoftmax', x);
  normalizeAxis('logSoftmax', axis, x.ndim);
  const lse = logsumexp(x, { axis, keepdim: true });
  const y = sub(x, lse);
  lse.dispose(); // the tape keeps its own handles
  return y;
}

/** exp(x) / Σ exp(x) along `axis` (default the last), as exp(x − logsumexp(x)): never overflows. */
export function softmax(x: Tensor, axis = -1): Tensor {
  assertUsable('softmax', x);
  normalizeAxis('softmax', axis, x.ndim);
  const logp = logSoftmax(x, axis);
  const y = exp(logp);
  logp.dispose();
  return y;
}

/** Sums a (broadcast) gradient down to `shape`: the one place broadcasting is undone in backward. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const axes = g.shape.map((_, i) => i).filter((i) => i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1));
  const summed = reduceKernel(g, axes, 'sum');
  const out = reshape(summed, shape);
  summed.dispose();
  return out;
}

declare module '../tensor' {
  interface Tensor {
    sum(options?: ReduceOptions): Tensor;
    mean(options?: ReduceOptions): Tensor;
    max(options?: ReduceOptions): Tensor;
    min(options?: ReduceOptions): Tensor;
    argmax(options?: ArgReduceOptions): Tensor;
    argmin(options?: ArgReduceOptions): Tensor;
    logsumexp(options?: ReduceOptions): Tensor;
    norm(options?: ReduceOptions): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
  }
}

addMethods({ sum, mean, max, min, argmax, argmin, logsumexp, norm, softmax, logSoftmax });
