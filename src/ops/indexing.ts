// Indexing ops. slice, select and diag are strided views (shaders/strided.wgsl: gather forward, scatter
// into zeros backward, or the reverse); gather and indexSelect read through an index tensor
// (shaders/index.wgsl, with an atomic-free scatter-add backward); triu/tril mask (shaders/triangle.wgsl);
// outer is a broadcast product.
import { bind1, linearJvp, primitive, Primitive, renamed } from '../autograd/primitive';
import { groups1d } from '../backend/webgpu/kernel';
import { fmt, normalizeAxis, packDims, Shape, sizeOf, stridedOffsets, stridesOf, WebgradError } from '../shape';
import { assertUsable, NestedArray, Tensor } from '../tensor';
import { addMethods, asWebGPU, cpuData, empty, gpuBuffer, gpuKernel, uniformWords } from './util';
import { tensor } from './creation';
import { mul } from './elementwise';
import { reshape } from './shape';
import { embedView, gatherView, View } from './strided';
import indexWgsl from '../../shaders/index.wgsl?raw';
import triangleWgsl from '../../shaders/triangle.wgsl?raw';

/** An index: a tensor of integer-valued floats, or (nested) arrays of integers. */
export type IndexLike = Tensor | NestedArray;

function assertTensor(op: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new WebgradError(op, `expected a Tensor, got ${Array.isArray(x) ? 'an array' : typeof x}`);
}

function assertInteger(op: string, what: string, v: number): void {
  if (!Number.isInteger(v)) throw new WebgradError(op, `${what} must be an integer, got ${v}`);
}

/** The dim of an op that needs at least one dim, normalised. */
function dimOf(op: string, x: Tensor, dim: number): number {
  if (x.ndim === 0) throw new WebgradError(op, 'needs a tensor with at least one dim, got a 0-d tensor');
  return normalizeAxis(op, dim, x.ndim);
}

// ---- strided views: slice, select, diag --------------------------------------------------------------

/** Python-style clamp of a slice bound to [0, n] (negative counts from the end). */
function clampBound(v: number, n: number): number {
  return v < 0 ? Math.max(0, v + n) : Math.min(v, n);
}

/**
 * Elements `start, start+step, …` before `end` along `dim` (like `x[start:end:step]` in Python: negative
 * bounds count from the end, out-of-range bounds clamp; `step` must be positive). `end` defaults to the end.
 */
export function slice(x: Tensor, dim: number, start = 0, end = Infinity, step = 1): Tensor {
  assertTensor('slice', x);
  assertUsable('slice', x);
  const d = dimOf('slice', x, dim);
  for (const [what, v] of [
    ['start', start],
    ['end', end],
  ] as const) {
    if (!Number.isInteger(v) && Math.abs(v) !== Infinity) throw new WebgradError('slice', `${what} must be an integer, got ${v}`);
  }
  if (!Number.isInteger(step) || step <= 0) throw new WebgradError('slice', `step must be a positive integer, got ${step}`);
  const n = x.shape[d];
  const [s, e] = [clampBound(start, n), clampBound(end, n)];
  const len = Math.max(0, Math.ceil((e - s) / step));
  const st = stridesOf(x.shape);
  const view: View = {
    shape: x.shape.map((size, k) => (k === d ? len : size)),
    strides: st.map((v, k) => (k === d ? v * step : v)),
    offset: len > 0 ? s * st[d] : 0,
  };
  return gatherView('slice', x, view);
}

/** The slice at `index` along `dim`, dropping that dim (like `torch.select`; negative index counts from the end). */
export function select(x: Tensor, dim: number, index: number): Tensor {
  assertTensor('select', x);
  assertUsable('select', x);
  const d = dimOf('select', x, dim);
  const n = x.shape[d];
  if (!Number.isInteger(index) || index < -n || index >= n) {
    throw new WebgradError('select', `index ${index} is out of range for dim ${d} of size ${n} (shape ${fmt(x.shape)})`);
  }
  const i = index < 0 ? index + n : index;
  const st = stridesOf(x.shape);
  const keep = (_: number, k: number): boolean => k !== d;
  const view: View = { shape: x.shape.filter(keep), strides: st.filter(keep), offset: i * st[d] };
  return gatherView('select', x, view);
}

/** The `offset` diagonal of a rows×cols matrix as a view (length 0 when it misses the matrix). */
function diagonalView(rows: number, cols: number, offset: number): View {
  const len = Math.max(0, offset >= 0 ? Math.min(rows, cols - offset) : Math.min(rows + offset, cols));
  return { shape: [len], strides: [cols + 1], offset: len === 0 ? 0 : offset >= 0 ? offset : -offset * cols };
}

/**
 * Like `torch.diag`: a 1-D tensor becomes the square matrix with it on the `offset` diagonal (above the
 * main one for offset > 0, below for < 0); a 2-D tensor gives its `offset` diagonal as a 1-D tensor.
 */
export function diag(x: Tensor, offset = 0): Tensor {
  assertTensor('diag', x);
  assertUsable('diag', x);
  assertInteger('diag', 'offset', offset);
  if (x.ndim === 1) {
    const n = x.shape[0] + Math.abs(offset);
    return embedView('diag', x, [n, n], diagonalView(n, n, offset));
  }
  if (x.ndim === 2) return gatherView('diag', x, diagonalView(x.shape[0], x.shape[1], offset));
  throw new WebgradError('diag', `expects a 1-D or 2-D tensor, got shape ${fmt(x.shape)}`);
}

// ---- triangles ---------------------------------------------------------------------------------------

/** The triangle mask's kernels, one slot per backend (entries on the kept side copied, others 0). */
const TRIANGLE = {
  cpu(x: Tensor, out: Tensor, k: number, upper: boolean): void {
    const [rows, cols] = x.shape.slice(-2);
    const [xs, ys] = [cpuData(x), cpuData(out)];
    for (let i = 0; i < out.size; i++) {
      const d = (i % cols) - (Math.floor(i / cols) % rows);
      ys[i] = (upper ? d >= k : d <= k) ? xs[i] : 0;
    }
  },
  webgpu(x: Tensor, out: Tensor, k: number, upper: boolean): void {
    const [rows, cols] = x.shape.slice(-2);
    const kernel = gpuKernel('triangle', triangleWgsl, {}, [1, 1]);
    const words = uniformWords([out.size, rows, cols, upper ? 1 : 0, k]);
    asWebGPU(x.backend).run(kernel, [gpuBuffer(x), gpuBuffer(out)], words, groups1d(out.size));
  },
};

function triangleKernel(x: Tensor, k: number, upper: boolean): Tensor {
  const out = empty(x.backend, x.shape);
  if (out.size > 0) TRIANGLE[x.backend.name](x, out, k, upper);
  return out;
}

function triangle(op: 'triu' | 'tril', x: Tensor, k: number): Tensor {
  assertTensor(op, x);
  assertUsable(op, x);
  assertInteger(op, 'k', k);
  if (x.ndim < 2) throw new WebgradError(op, `expects a tensor with at least 2 dims, got shape ${fmt(x.shape)}`);
  return bind1(op === 'triu' ? triuPrim : trilPrim, [x], { k });
}

/** A triangle mask: linear, its VJP masks the gradient the same way. */
const trianglePrim = (op: 'triu' | 'tril'): Primitive<{ k: number }> => {
  const prim: Primitive<{ k: number }> = primitive<{ k: number }>({
    name: op,
    impl: {
      cpu: ([x], { k }) => [triangleKernel(x, k, op === 'triu')],
      webgpu: ([x], { k }) => [triangleKernel(x, k, op === 'triu')],
    },
    vjp: ([g], { params }) => [g && bind1(prim, [g], params)],
    jvp: (ts, ctx) => linearJvp(prim)(ts, ctx),
    saves: { inputs: false, outputs: false },
  });
  return prim;
};
const triuPrim = trianglePrim('triu');
const trilPrim = trianglePrim('tril');

/** The upper triangle of the last two dims: x where col − row ≥ k, else 0 (like `torch.triu`). */
export const triu = (x: Tensor, k = 0): Tensor => triangle('triu', x, k);

/** The lower triangle of the last two dims: x where col − row ≤ k, else 0 (like `torch.tril`). */
export const tril = (x: Tensor, k = 0): Tensor => triangle('tril', x, k);

// ---- index gathers: gather, indexSelect --------------------------------------------------------------

/** How an index kernel walks: the output (= index-driven) shape and the index's strides over it. */
interface IndexPlan {
  op: string;
  dim: number;
  outShape: readonly number[];
  idxStrides: readonly number[];
}

/** Throws unless every entry is an integer in [0, size), naming the first bad one and where it sits. */
function checkIndexValues(op: string, values: ArrayLike<number>, shape: Shape, dim: number, size: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isInteger(v) && v >= 0 && v < size) continue;
    const at = shape.length > 1 ? ` (at ${fmt(shape.map((_, k) => Math.floor(i / sizeOf(shape.slice(k + 1))) % shape[k]))})` : '';
    throw new WebgradError(op, `index ${v}${at} is out of bounds for dim ${dim} with size ${size}`);
  }
}

const flatValues = (a: NestedArray): number[] => (Array.isArray(a) ? a.flatMap(flatValues) : [a]);

/** For output position i of a gather, the element of x it reads (the CPU twin of index.wgsl's loop). */
function gatherSources(p: IndexPlan, xStrides: readonly number[], is: ArrayLike<number>): (i: number) => number {
  const offDim = xStrides.map((s, a) => (a === p.dim ? 0 : s)); // x's offset off `dim`; the index supplies dim's
  const at = [0, 0];
  return (i) => {
    stridedOffsets(i, p.outShape, p.idxStrides, offDim, at);
    return at[1] + is[at[0]] * xStrides[p.dim];
  };
}

/**
 * The index as a tensor on `x`'s backend, plus whether this call created it. Host arrays are checked
 * here; tensors on the CPU backend are checked when the kernel runs; WebGPU index tensors cannot be
 * checked without a readback (see gather).
 */
function indexTensor(op: string, x: Tensor, index: IndexLike): { idx: Tensor; created: boolean } {
  if (index instanceof Tensor) {
    assertUsable(op, x, index);
    return { idx: index, created: false };
  }
  if (typeof index !== 'number' && !Array.isArray(index)) {
    throw new WebgradError(op, `index must be a Tensor or an array of integers, got ${typeof index}`);
  }
  if (flatValues(index).some((v) => typeof v !== 'number')) throw new WebgradError(op, 'index arrays must hold numbers');
  return { idx: tensor(index, { backend: x.backend }), created: true };
}

/** gather and its adjoint scatter-add, one slot per backend. The CPU checks index values as it reads them. */
const INDEX = {
  cpu: {
    gather(x: Tensor, idx: Tensor, out: Tensor, p: IndexPlan): void {
      checkIndexValues(p.op, cpuData(idx).subarray(0, idx.size), idx.shape, p.dim, x.shape[p.dim]);
      const [xs, is, ys] = [cpuData(x), cpuData(idx), cpuData(out)];
      const source = gatherSources(p, stridesOf(x.shape), is);
      for (let i = 0; i < out.size; i++) ys[i] = xs[source(i)];
    },
    scatterAdd(g: Tensor, idx: Tensor, out: Tensor, p: IndexPlan): void {
      const [gs, is, ds] = [cpuData(g), cpuData(idx), cpuData(out)];
      ds.fill(0, 0, out.size);
      // Walk the output once, adding each gradient where its index points (same sums as the GPU loop).
      const source = gatherSources(p, stridesOf(out.shape), is);
      for (let i = 0; i < g.size; i++) ds[source(i)] += gs[i];
    },
  },
  webgpu: {
    gather(x: Tensor, idx: Tensor, out: Tensor, p: IndexPlan): void {
      const k = gpuKernel('index:gather', indexWgsl, {}, [2, 1], true, 'gather');
      const words = uniformWords([out.size, x.ndim, p.dim, 0, ...packDims(p.op, [x.shape, p.outShape, stridesOf(x.shape), p.idxStrides])]);
      asWebGPU(x.backend).run(k, [gpuBuffer(x), gpuBuffer(idx), gpuBuffer(out)], words, groups1d(out.size));
    },
    scatterAdd(g: Tensor, idx: Tensor, out: Tensor, p: IndexPlan): void {
      const k = gpuKernel('index:scatter_add', indexWgsl, {}, [2, 1], true, 'scatter_add');
      const words = uniformWords([out.size, out.ndim, p.dim, 0, ...packDims(p.op, [out.shape, p.outShape, stridesOf(out.shape), p.idxStrides])]);
      asWebGPU(g.backend).run(k, [gpuBuffer(g), gpuBuffer(idx), gpuBuffer(out)], words, groups1d(out.size));
    },
  },
};

function gatherKernel(x: Tensor, idx: Tensor, p: IndexPlan): Tensor {
  const out = empty(x.backend, p.outShape);
  if (out.size > 0) INDEX[x.backend.name].gather(x, idx, out, p);
  return out;
}

/** The adjoint of gatherKernel: dx[c] sums g over every output position whose index points at c. */
function scatterAddKernel(g: Tensor, idx: Tensor, xShape: Shape, p: IndexPlan): Tensor {
  const out = empty(g.backend, xShape);
  if (out.size > 0) INDEX[g.backend.name].scatterAdd(g, idx, out, p);
  return out;
}

interface IndexParams extends IndexPlan {
  xShape: Shape;
}

/** Gather through an index: linear in x, its VJP the scatter-add (whose VJP is the gather again). */
const gatherPrim: Primitive<IndexParams> = primitive<IndexParams>({
  name: 'gather',
  impl: {
    cpu: ([x, idx], p) => [gatherKernel(x, idx, p)],
    webgpu: ([x, idx], p) => [gatherKernel(x, idx, p)],
  },
  vjp: ([g], { inputs: [, idx], params }) => [g && bind1(scatterAddPrim, [g, idx], params), null],
  jvp: ([t], { inputs: [, idx], params }) => [t && bind1(gatherPrim, [t, idx], params)],
  saves: { inputs: true, outputs: false },
});

const scatterAddPrim: Primitive<IndexParams> = primitive<IndexParams>({
  name: 'scatterAdd',
  impl: {
    cpu: ([g, idx], p) => [scatterAddKernel(g, idx, p.xShape, p)],
    webgpu: ([g, idx], p) => [scatterAddKernel(g, idx, p.xShape, p)],
  },
  vjp: ([g], { inputs: [, idx], params }) => [g && bind1(gatherPrim, [g, idx], params), null],
  jvp: ([t], { inputs: [, idx], params }) => [t && bind1(scatterAddPrim, [t, idx], params)],
  saves: { inputs: true, outputs: false },
});

function indexGather(x: Tensor, idx: Tensor, p: IndexPlan): Tensor {
  return bind1(renamed(gatherPrim, p.op), [x, idx], { ...p, xShape: x.shape });
}

/** Runs `fn` on the index as a tensor, disposing it afterwards when this call made it (the tape keeps its own handle). */
function withIndex<T>(op: string, x: Tensor, index: IndexLike, fn: (idx: Tensor, fromArray: boolean) => T): T {
  const { idx, created } = indexTensor(op, x, index);
  try {
    return fn(idx, created);
  } finally {
    if (created) idx.dispose();
  }
}

/**
 * Picks along `dim` by an index of the same rank: out[i][j][k] = x[i][index[i][j][k]][k] for dim 1 (like
 * `torch.gather`); the output has the index's shape, which may be smaller than x's off `dim`.
 * Repeated indices accumulate their gradients (an atomic-free, deterministic loop per x element on the GPU).
 * Index arrays, and index tensors on the CPU backend, are checked: an entry outside [0, x.shape[dim]) throws.
 * A WebGPU index tensor is not checked (that would need a readback): out-of-range or non-integer entries
 * read as NaN and receive no gradient.
 */
export function gather(x: Tensor, dim: number, index: IndexLike): Tensor {
  assertTensor('gather', x);
  assertUsable('gather', x);
  const d = dimOf('gather', x, dim);
  return withIndex('gather', x, index, (idx, fromArray) => {
    const shape = idx.shape;
    if (shape.length !== x.ndim || shape.some((s, k) => k !== d && s > x.shape[k])) {
      throw new WebgradError(
        'gather',
        `index of shape ${fmt(shape)} does not fit input ${fmt(x.shape)}: it needs the same rank and sizes no larger off dim ${d}`,
      );
    }
    if (fromArray) checkIndexValues('gather', flatValues(index as NestedArray), shape, d, x.shape[d]);
    return indexGather(x, idx, { op: 'gather', dim: d, outShape: shape, idxStrides: stridesOf(shape) });
  });
}

/**
 * The entries `index` (0-D or 1-D) along `dim`, in order, repeats allowed (like `torch.index_select`).
 * Index checks and gradient accumulation as for `gather`.
 */
export function indexSelect(x: Tensor, dim: number, index: IndexLike): Tensor {
  assertTensor('indexSelect', x);
  assertUsable('indexSelect', x);
  const d = dimOf('indexSelect', x, dim);
  return withIndex('indexSelect', x, index, (idx, fromArray) => {
    if (idx.ndim > 1) throw new WebgradError('indexSelect', `index must be 0-D or 1-D, got shape ${fmt(idx.shape)}`);
    if (fromArray) checkIndexValues('indexSelect', flatValues(index as NestedArray), idx.shape, d, x.shape[d]);
    const outShape = x.shape.map((s, k) => (k === d ? idx.size : s));
    return indexGather(x, idx, { op: 'indexSelect', dim: d, outShape, idxStrides: x.shape.map((_, k) => (k === d ? 1 : 0)) });
  });
}

// ---- outer -------------------------------------------------------------------------------------------

/** The outer product of two 1-D tensors, a[i]·b[j] (like `torch.outer`); gradients g·b and gᵀ·a via broadcasting. */
export function outer(a: Tensor, b: Tensor): Tensor {
  assertTensor('outer', a);
  assertTensor('outer', b);
  assertUsable('outer', a, b);
  if (a.ndim !== 1 || b.ndim !== 1) throw new WebgradError('outer', `expects two 1-D tensors, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const col = reshape(a, [a.size, 1]);
  const row = reshape(b, [1, b.size]);
  const y = mul(col, row);
  // Views outside the graph can go now; recorded ones stay inputs of the mul node.
  for (const v of [col, row]) if (!v.requiresGrad) v.dispose();
  return y;
}

declare module '../tensor' {
  interface Tensor {
    /** Elements start, start + step, … below end along `dim` (like `x[start:end:step]`; negative indices count from the end). */
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    /** The slice at `index` along `dim`, with that dim removed (like `x.select(dim, index)` in PyTorch). */
    select(dim: number, index: number): Tensor;
    /** Picks along `dim` by an index tensor of the same rank (like `torch.gather`). */
    gather(dim: number, index: IndexLike): Tensor;
    /** The entries at the given indices along `dim` (like `torch.index_select`). */
    indexSelect(dim: number, index: IndexLike): Tensor;
    /** The diagonal of a matrix (or a diagonal matrix from a vector), at `offset` from the main one (like `torch.diag`). */
    diag(offset?: number): Tensor;
    /** The upper triangle of the last two dims from diagonal k on; the rest 0 (like `torch.triu`). */
    triu(k?: number): Tensor;
    /** The lower triangle of the last two dims up to diagonal k; the rest 0 (like `torch.tril`). */
    tril(k?: number): Tensor;
    /** The outer product of two vectors, [n] × [m] → [n, m]. */
    outer(other: Tensor): Tensor;
  }
}

addMethods({ slice, select, gather, indexSelect, diag, triu, tril, outer });
