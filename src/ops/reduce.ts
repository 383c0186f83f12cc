// Reductions over all elements or a set of axes. Every reduction is one row of REDUCERS (WGSL accumulator,
// identity, load, combine and finish beside the CPU reference) expanded into the parallel template
// shaders/reduce.wgsl, which planReduce splits into passes for the shape at hand. Backward kernels are rows
// of REDUCE_GRADS expanded into shaders/reduce.backward.wgsl; sum and mean spread the gradient back with
// the strided broadcast copy.
import { bind1, needsComposite, primitive, Primitive } from '../autograd/primitive';
import { FloatArray } from '../backend/cpu';
import { groups1d } from '../backend/webgpu/kernel';
import { WebGPUBackend } from '../backend/webgpu/webgpuBackend';
import {
  broadcastStrides, collapseDims, fmt, normalizeAxes, normalizeAxis, packDims, reducedShape, Shape, sizeOf, stridedOffsets, stridesOf, WebgradError,
} from '../shape';
import { assertUsable, Tensor } from '../tensor';
import { addMethods, asWebGPU, cpuData, empty, gpuBuffer, gpuKernel, uniformWords } from './util';
import { broadcastTo, reshape } from './shape';
import { fromArray } from './creation';
import { div, eq, exp, gt, mul, sub } from './elementwise';
import reduceWgsl from '../../shaders/reduce.wgsl?raw';
import reduceBackwardWgsl from '../../shaders/reduce.backward.wgsl?raw';

/** Options of reductions: the dims to reduce (all when omitted; negative counts from the end), keepdim. `dim` is an alias of `axis`. */
export interface ReduceOptions {
  /** Dim or dims to reduce (negative counts from the end). */
  axis?: number | number[];
  /** Alias of `axis` (PyTorch's name). */
  dim?: number | number[];
  /** Keep reduced dims as size 1 (default false). */
  keepdim?: boolean;
}

/** Options of argmax/argmin: one dim (the flattened tensor when omitted). `dim` is an alias of `axis`. */
export interface ArgReduceOptions {
  /** The dim to reduce (negative counts from the end). */
  axis?: number;
  /** Alias of `axis` (PyTorch's name). */
  dim?: number;
  /** Keep the reduced dim as size 1 (default false). */
  keepdim?: boolean;
}

/** A reduction's dims as PyTorch takes them: `sum(1)`, `sum(-1)`, `sum([0, 1], true)`, or an options object. */
export type DimArg = number | readonly number[] | ReduceOptions;

/**
 * Parses `(dim, keepdim)` the way torch.sum takes them, or an options object; anything else is an error
 * naming the op (never silently ignored).
 */
export function dimArgs(op: string, dim: unknown, keepdim: unknown): { axis: number | number[] | undefined; keepdim: boolean } {
  if (keepdim !== undefined && typeof keepdim !== 'boolean') throw new WebgradError(op, `keepdim must be a boolean, got ${JSON.stringify(keepdim)}`);
  if (dim === undefined || dim === null) return { axis: undefined, keepdim: keepdim ?? false };
  if (typeof dim === 'number') return { axis: dim, keepdim: keepdim ?? false };
  if (Array.isArray(dim)) {
    if (!dim.every((d) => typeof d === 'number')) throw new WebgradError(op, `dims must be numbers, got ${JSON.stringify(dim)}`);
    return { axis: [...dim], keepdim: keepdim ?? false };
  }
  if (typeof dim === 'object' && Object.getPrototypeOf(dim) === Object.prototype) {
    const o = dim as Record<string, unknown>;
    const unknown = Object.keys(o).filter((k) => !['axis', 'dim', 'keepdim'].includes(k));
    if (unknown.length) throw new WebgradError(op, `unknown option(s) ${unknown.join(', ')} (takes axis or dim, and keepdim)`);
    if (o.axis !== undefined && o.dim !== undefined && JSON.stringify(o.axis) !== JSON.stringify(o.dim)) {
      throw new WebgradError(op, `got both axis ${JSON.stringify(o.axis)} and dim ${JSON.stringify(o.dim)}; pass one`);
    }
    if (keepdim !== undefined) throw new WebgradError(op, 'pass keepdim inside the options object, or dims and keepdim as two arguments');
    const inner = dimArgs(op, o.axis ?? o.dim, o.keepdim);
    return inner;
  }
  throw new WebgradError(op, `dims must be a number, an array of numbers or an options object, got ${typeof dim === 'string' ? `'${dim}'` : typeof dim}`);
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

type ReduceGradName = keyof typeof REDUCE_GRADS;

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
function reduceGradKernel(rule: ReduceGradName, x: Tensor, axes: readonly number[], g: Tensor, a: Tensor, b: Tensor = a): Tensor {
  const out = empty(x.backend, x.shape);
  if (out.size === 0) return out;
  const plan = collapseDims(x.shape, [broadcastStrides(reducedShape(x.shape, axes, true), x.shape)]);
  REDUCE_GRAD_IMPL[x.backend.name](rule, out, { shape: plan.shape, strides: plan.strides[0] }, [x, g, a, b]);
  return out;
}

// ---- primitives --------------------------------------------------------------------------------------

interface ReduceParams {
  axes: readonly number[];
  keepdim: boolean;
}

/** Shape of the reduction's output with keepdim, for spreading gradients back. */
function keepdimShape(x: Shape, axes: readonly number[]): number[] {
  return reducedShape(x, axes, true);
}

/** A per-output tensor (keepdim or not) broadcast back over the input's shape. */
function spread(v: Tensor, shape: Shape, axes: readonly number[]): Tensor {
  const perOutput = reshape(v, keepdimShape(shape, axes));
  const wide = broadcastTo(perOutput, shape);
  perOutput.dispose(); // temporaries go now, not at garbage collection (their GPU buffers return to the pool)
  return wide;
}

/** The same reduction's shape for a tangent or a per-element product (sum over `axes`, keepdim as the op). */
const sumLike = (t: Tensor, p: ReduceParams): Tensor => sum(t, { axis: [...p.axes], keepdim: p.keepdim });

const reduceImpl = (kind: ReducerName) => ({
  cpu: ([x]: readonly Tensor[], p: ReduceParams & { scale?: number }) => [reduceKernel(x, p.axes, kind, p.scale ?? 1, p.keepdim)],
  webgpu: ([x]: readonly Tensor[], p: ReduceParams & { scale?: number }) => [reduceKernel(x, p.axes, kind, p.scale ?? 1, p.keepdim)],
});

/** Σ x · scale over `axes` (sum and mean): linear, so its JVP is itself and its VJP a broadcast. */
const sumPrim: Primitive<ReduceParams & { scale: number }> = primitive<ReduceParams & { scale: number }>({
  name: 'sum',
  impl: reduceImpl('sum'),
  vjp([g], { inputs: [x], params: p }) {
    if (!g) return [null];
    const wide = spread(g, x.shape, p.axes);
    if (p.scale === 1) return [wide];
    const scaled = mul(wide, p.scale);
    wide.dispose();
    return [scaled];
  },
  jvp: ([t], { params }) => [t && bind1(sumPrim, [t], params)],
  saves: { inputs: false, outputs: false },
});

/** max/min: tied elements share the gradient equally (fused tie count when nothing records). */
const extremumPrim = (kind: 'max' | 'min'): Primitive<ReduceParams> =>
  primitive<ReduceParams>({
    name: kind,
    impl: reduceImpl(kind),
    vjp([g], { inputs: [x], outputs: [m], params: p }) {
      if (!g) return [null];
      if (needsComposite([x, m, g])) {
        const mask = eq(x, spread(m, x.shape, p.axes));
        const count = sum(mask, { axis: [...p.axes], keepdim: p.keepdim });
        return [mul(mask, spread(div(g, count), x.shape, p.axes))];
      }
      const mk = reshape(m, keepdimShape(x.shape, p.axes));
      const gk = reshape(g, mk.shape);
      const ties = reduceGradKernel('isExtreme', x, p.axes, mk, mk);
      const count = reduceKernel(ties, p.axes, 'sum', 1, true);
      const dx = reduceGradKernel('extremum', x, p.axes, gk, mk, count);
      [mk, gk, ties, count].forEach((t) => t.dispose());
      return [dx];
    },
    jvp([t], { inputs: [x], outputs: [m], params: p }) {
      if (!t) return [null];
      const mask = eq(x, spread(m, x.shape, p.axes));
      return [div(sumLike(mul(t, mask), p), sumLike(mask, p))];
    },
  });
const maxPrim = extremumPrim('max');
const minPrim = extremumPrim('min');

/** log Σ exp x: gradient g · softmax(x) (fused when nothing records), tangent Σ ẋ · softmax(x). */
const logsumexpPrim: Primitive<ReduceParams> = primitive<ReduceParams>({
  name: 'logsumexp',
  impl: reduceImpl('logsumexp'),
  vjp([g], { inputs: [x], outputs: [y], params: p }) {
    if (!g) return [null];
    if (needsComposite([x, y, g])) return [mul(spread(g, x.shape, p.axes), exp(sub(x, spread(y, x.shape, p.axes))))];
    const [yk, gk] = [reshape(y, keepdimShape(x.shape, p.axes)), reshape(g, keepdimShape(x.shape, p.axes))];
    const dx = reduceGradKernel('logsumexp', x, p.axes, gk, yk);
    [yk, gk].forEach((t) => t.dispose());
    return [dx];
  },
  jvp: ([t], { inputs: [x], outputs: [y], params: p }) => [t && sumLike(mul(t, exp(sub(x, spread(y, x.shape, p.axes)))), p)],
});

/** ‖x‖ / y, taken as 0 where the norm is 0 (the subgradient torch also picks). */
function overNorm(v: Tensor, y: Tensor): Tensor {
  const nonzero = gt(y, 0);
  return div(mul(v, nonzero), sub(y, sub(nonzero, 1)));
}

/** L2 norm: gradient g · x / ‖x‖ (fused when nothing records), tangent Σ x·ẋ / ‖x‖. */
const normPrim: Primitive<ReduceParams> = primitive<ReduceParams>({
  name: 'norm',
  impl: reduceImpl('norm'),
  vjp([g], { inputs: [x], outputs: [y], params: p }) {
    if (!g) return [null];
    if (needsComposite([x, y, g])) return [mul(x, spread(overNorm(g, y), x.shape, p.axes))];
    const [yk, gk] = [reshape(y, keepdimShape(x.shape, p.axes)), reshape(g, keepdimShape(x.shape, p.axes))];
    const dx = reduceGradKernel('norm', x, p.axes, gk, yk);
    [yk, gk].forEach((t) => t.dispose());
    return [dx];
  },
  jvp: ([t], { inputs: [x], outputs: [y], params: p }) => [t && overNorm(sumLike(mul(x, t), p), y)],
});

// ---- ops ---------------------------------------------------------------------------------------------

/** Throws naming `op` when a reduction without identity (max, argmax, ...) would reduce no elements. */
function requireElements(op: string, x: Tensor, axes: readonly number[]): number {
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  if (n === 0) throw new WebgradError(op, `cannot reduce an empty range: axes [${axes.join(', ')}] of shape ${fmt(x.shape)} hold no elements`);
  return n;
}

function assertTensor(op: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new WebgradError(op, `expected a Tensor, got ${Array.isArray(x) ? 'an array' : typeof x}`);
}

/** Parses a reduction's arguments into sorted axes and keepdim. */
function reduceParams(op: string, x: Tensor, dim: unknown, keepdim: unknown): ReduceParams {
  assertTensor(op, x);
  assertUsable(op, x);
  const args = dimArgs(op, dim, keepdim);
  return { axes: normalizeAxes(op, args.axis, x.ndim), keepdim: args.keepdim };
}

/** Sum over `dim` (all elements by default), like `torch.sum`: `sum(x)`, `sum(x, 1)`, `sum(x, [0, 1], true)`, `sum(x, { dim: -1 })`. */
export function sum(x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor {
  const p = reduceParams('sum', x, dim, keepdim);
  return bind1(sumPrim, [x], { ...p, scale: 1 });
}

/** Mean over `dim` (all elements by default); NaN over an empty range, as in torch. Arguments as `sum`. */
export function mean(x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor {
  const p = reduceParams('mean', x, dim, keepdim);
  const n = p.axes.reduce((acc, a) => acc * x.shape[a], 1);
  return bind1(named(sumPrim, 'mean'), [x], { ...p, scale: 1 / n });
}

const namedCache = new Map<string, Primitive<never>>();
function named<P>(prim: Primitive<P>, name: string): Primitive<P> {
  let q = namedCache.get(name) as Primitive<P> | undefined;
  if (!q) namedCache.set(name, (q = { ...prim, name }) as Primitive<never>);
  return q;
}

function extremum(op: 'max' | 'min', x: Tensor, dim: unknown, keepdim: unknown): Tensor {
  const p = reduceParams(op, x, dim, keepdim);
  requireElements(op, x, p.axes);
  return bind1(op === 'max' ? maxPrim : minPrim, [x], p);
}

/**
 * Maximum over `dim` (all elements by default), like `torch.amax`; arguments as `sum`. Gradient: elements
 * tied for the maximum share it equally (each gets g / number of ties). Throws on an empty range.
 */
export const max = (x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor => extremum('max', x, dim, keepdim);

/** Minimum over `dim` (all elements by default); tied minima share the gradient equally, as in `max`. */
export const min = (x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor => extremum('min', x, dim, keepdim);

function argExtremum(op: 'argmax' | 'argmin', x: Tensor, dim: unknown, keepdim: unknown): Tensor {
  assertTensor(op, x);
  assertUsable(op, x);
  const args = dimArgs(op, dim, keepdim);
  if (args.axis !== undefined && typeof args.axis !== 'number') {
    throw new WebgradError(op, `takes one axis (a number) or none, got ${JSON.stringify(args.axis)}`);
  }
  const axes = normalizeAxes(op, args.axis, x.ndim);
  const n = requireElements(op, x, axes);
  if (n > 2 ** 24) throw new WebgradError(op, `a range of ${n} elements has indices past 2^24, which float32 cannot hold exactly`);
  return reduceKernel(x, axes, op, 1, args.keepdim);
}

/**
 * Index of the first maximum along `dim`, or in the flattened tensor when no dim is given (like
 * `torch.argmax(x, dim, keepdim)`), as float32. Not differentiable: the result never requires grad.
 * Throws on an empty range.
 */
export const argmax = (x: Tensor, dim?: number | ArgReduceOptions, keepdim?: boolean): Tensor => argExtremum('argmax', x, dim, keepdim);

/** Index of the first minimum along `dim` (flattened when omitted); see `argmax`. */
export const argmin = (x: Tensor, dim?: number | ArgReduceOptions, keepdim?: boolean): Tensor => argExtremum('argmin', x, dim, keepdim);

/**
 * log Σ exp(x) over `dim` (all elements by default; arguments as `sum`), computed stably (shifted by the
 * running maximum). Gradient: g · softmax(x). An empty range gives −inf.
 */
export function logsumexp(x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor {
  return bind1(logsumexpPrim, [x], reduceParams('logsumexp', x, dim, keepdim));
}

/**
 * The L2 norm sqrt(Σ x²) over `dim` (all elements by default; arguments as `sum` — always p = 2, unlike
 * `torch.norm(x, p)` whose first argument is the order). Gradient: g · x / ‖x‖, taken as 0 where the norm is 0.
 */
export function norm(x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor {
  return bind1(normPrim, [x], reduceParams('norm', x, dim, keepdim));
}

/** One softmax dim: a number, or `{ dim }` / `{ axis }`; the last dim by default. */
function softmaxDim(op: string, x: Tensor, dim: unknown): number {
  assertTensor(op, x);
  assertUsable(op, x);
  if (dim === undefined) return normalizeAxis(op, -1, x.ndim);
  const args = dimArgs(op, dim, undefined);
  if (typeof args.axis !== 'number' || args.keepdim) throw new WebgradError(op, `takes one dim (a number), got ${JSON.stringify(dim)}`);
  return normalizeAxis(op, args.axis, x.ndim);
}

/** log(softmax(x)) along `dim` (default the last): x − logsumexp(x), stable for large |x|. */
export function logSoftmax(x: Tensor, dim?: number | ReduceOptions): Tensor {
  const d = softmaxDim('logSoftmax', x, dim);
  const lse = logsumexp(x, d, true);
  const y = sub(x, lse);
  lse.dispose(); // the tape keeps its own handles
  return y;
}

/** exp(x) / Σ exp(x) along `dim` (default the last), as exp(x − logsumexp(x)): never overflows. */
export function softmax(x: Tensor, dim?: number | ReduceOptions): Tensor {
  softmaxDim('softmax', x, dim);
  const logp = logSoftmax(x, dim);
  const y = exp(logp);
  logp.dispose();
  return y;
}

/** Sums a (broadcast) gradient down to `shape`: the one place broadcasting is undone in backward. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const axes = g.shape.map((_, i) => i).filter((i) => i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1));
  const summed = sum(g, axes);
  const out = reshape(summed, shape);
  summed.dispose();
  return out;
}

declare module '../tensor' {
  interface Tensor {
    /** Sum over `dim` (all dims when omitted), keeping reduced dims as size 1 when `keepdim`. */
    sum(dim?: DimArg, keepdim?: boolean): Tensor;
    /** Mean over `dim` (all dims when omitted). */
    mean(dim?: DimArg, keepdim?: boolean): Tensor;
    /** Maximum over `dim` (all dims when omitted); ties share the gradient. */
    max(dim?: DimArg, keepdim?: boolean): Tensor;
    /** Minimum over `dim` (all dims when omitted); ties share the gradient. */
    min(dim?: DimArg, keepdim?: boolean): Tensor;
    /** Index of the largest element along `dim` (of the flattened tensor when omitted); not differentiable. */
    argmax(dim?: number | ArgReduceOptions, keepdim?: boolean): Tensor;
    /** Index of the smallest element along `dim` (of the flattened tensor when omitted); not differentiable. */
    argmin(dim?: number | ArgReduceOptions, keepdim?: boolean): Tensor;
    /** log Σ eˣ over `dim`, computed stably (max subtracted first). */
    logsumexp(dim?: DimArg, keepdim?: boolean): Tensor;
    /** The Euclidean norm √(Σ x²) over `dim` (all dims when omitted). */
    norm(dim?: DimArg, keepdim?: boolean): Tensor;
    /** eˣ / Σ eˣ along `dim` (default the last). */
    softmax(dim?: number | ReduceOptions): Tensor;
    /** x − logsumexp(x) along `dim` (default the last). */
    logSoftmax(dim?: number | ReduceOptions): Tensor;
  }
}

addMethods({ sum, mean, max, min, argmax, argmin, logsumexp, norm, softmax, logSoftmax });
