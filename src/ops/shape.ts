// Shape ops. Views (reshape, squeeze, unsqueeze) share storage; broadcastTo, permute and cat copy through
// the strided copy kernel (shaders/strided.wgsl).
import { bind1, linearJvp, primitive, Primitive } from '../autograd/primitive';
import { fmt, normalizeAxes, normalizeAxis, Shape, sameShape, sizeOf, stridesOf, WebgradError } from '../shape';
import { assertUsable, Tensor } from '../tensor';
import { addMethods, empty } from './util';
import { broadcastTo } from './broadcast';
import { contiguous, copyStrided, gatherView, View } from './strided';

/** Resolves one -1 in a target shape and checks the element count. */
export function inferShape(op: string, from: Shape, to: readonly number[]): number[] {
  const unknown = to.filter((d) => d === -1).length;
  if (unknown > 1 || to.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new WebgradError(op, `invalid target shape ${fmt(to)} (integers >= 0, at most one -1)`);
  }
  const known = to.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = sizeOf(from);
  const out = to.map((d) => (d === -1 ? (known === 0 ? 0 : total / known) : d));
  if (sizeOf(out) !== total || !out.every(Number.isInteger)) {
    throw new WebgradError(op, `cannot reshape ${fmt(from)} (${total} elements) to ${fmt(to)}`);
  }
  return out;
}

type Same<F> = { cpu: F; webgpu: F };
/** One implementation for both backends (ops that only move handles or call backend-neutral kernels). */
const both = <F>(f: F): Same<F> => ({ cpu: f, webgpu: f });

/** A view with a new shape: linear, its VJP reshapes back. */
const reshapePrim: Primitive<{ shape: number[] }> = primitive<{ shape: number[] }>({
  name: 'reshape',
  impl: both(([x], p) => [x.alias(p.shape)]),
  vjp: ([g], { inputs: [x] }) => [g && reshape(g, x.shape)],
  jvp: (ts, ctx) => linearJvp(reshapePrim)(ts, ctx),
  saves: { inputs: false, outputs: false },
});

/** Same data, new shape (a view sharing storage); one dim may be -1. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  assertUsable('reshape', x);
  const target = inferShape('reshape', x.shape, shape);
  if (sameShape(target, x.shape) && !x.requiresGrad && !x.tangents?.size) return x.alias(target);
  return bind1(reshapePrim, [x], { shape: target });
}

/** Throws naming `op` unless `x` is a Tensor (a plain array passed by mistake would fail obscurely later). */
function assertTensor(op: string, x: unknown, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new WebgradError(op, `${what} must be a Tensor, got ${Array.isArray(x) ? 'an array' : typeof x}`);
}

/** Reorders the dims: result dim i is input dim `dims[i]` (like `torch.permute`; negative dims count from the end). */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  assertTensor('permute', x);
  assertUsable('permute', x);
  if (!Array.isArray(dims)) throw new WebgradError('permute', `dims must be an array, got ${typeof dims}`);
  const norm = dims.map((d) => normalizeAxis('permute', d, x.ndim));
  if (norm.length !== x.ndim || new Set(norm).size !== norm.length) {
    throw new WebgradError('permute', `dims ${fmt(dims)} are not a permutation of the ${x.ndim} dims of ${fmt(x.shape)}`);
  }
  if (norm.every((d, i) => d === i)) return reshape(x, x.shape);
  return bind1(permutePrim, [x], { dims: norm });
}

/** A permuted copy: linear, its VJP permutes back by the inverse. */
const permutePrim: Primitive<{ dims: number[] }> = primitive<{ dims: number[] }>({
  name: 'permute',
  impl: both(([x], { dims }) => {
    const st = stridesOf(x.shape);
    const outShape = dims.map((d) => x.shape[d]);
    const y = empty(x.backend, outShape);
    copyStrided('permute', x, { offset: 0, strides: dims.map((d) => st[d]) }, y, contiguous(outShape), outShape);
    return [y];
  }),
  vjp([g], { params: { dims } }) {
    const inverse = new Array<number>(dims.length);
    dims.forEach((d, i) => (inverse[d] = i));
    return [g && permute(g, inverse)];
  },
  jvp: (ts, ctx) => linearJvp(permutePrim)(ts, ctx),
  saves: { inputs: false, outputs: false },
});

/** Swaps two dims (the last two by default), like `torch.transpose`. */
export function transpose(x: Tensor, dim0?: number, dim1?: number): Tensor {
  assertTensor('transpose', x);
  if (x.ndim < 2 && dim0 === undefined && dim1 === undefined) {
    throw new WebgradError('transpose', `the default swaps the last two dims, but the tensor has shape ${fmt(x.shape)}; pass dim0 and dim1`);
  }
  const [a, b] = [normalizeAxis('transpose', dim0 ?? -2, x.ndim), normalizeAxis('transpose', dim1 ?? -1, x.ndim)];
  const dims = [...x.shape.keys()];
  [dims[a], dims[b]] = [dims[b], dims[a]];
  return permute(x, dims);
}

/** Drops size-1 dims: all of them, or those of `dim` (a dim whose size is not 1 is kept, as in torch). A view. */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  assertTensor('squeeze', x);
  assertUsable('squeeze', x);
  const axes = normalizeAxes('squeeze', dim, x.ndim);
  return reshape(
    x,
    x.shape.filter((d, i) => !(d === 1 && axes.includes(i))),
  );
}

/** Inserts a size-1 dim at `dim` (in [-ndim-1, ndim], like `torch.unsqueeze`). A view. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  assertTensor('unsqueeze', x);
  assertUsable('unsqueeze', x);
  const at = normalizeAxis('unsqueeze', dim, x.ndim, 1);
  return reshape(x, [...x.shape.slice(0, at), 1, ...x.shape.slice(at)]);
}

/** Checks a tensor list: non-empty, all Tensors, one backend. */
function checkList(op: string, tensors: readonly Tensor[]): void {
  if (!Array.isArray(tensors)) throw new WebgradError(op, `expects an array of tensors, got ${typeof tensors}`);
  if (tensors.length === 0) throw new WebgradError(op, 'expects a non-empty list of tensors');
  tensors.forEach((t, i) => assertTensor(op, t, `element ${i}`));
  assertUsable(op, ...tensors);
}

/** Joins tensors along an existing dim (like `torch.cat`); shapes must match except in `dim`. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  checkList('cat', tensors);
  const first = tensors[0];
  if (first.ndim === 0) throw new WebgradError('cat', 'cannot concatenate 0-d tensors; use stack');
  const d = normalizeAxis('cat', dim, first.ndim);
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((s, k) => k !== d && s !== first.shape[k])) {
      throw new WebgradError(
        'cat',
        `tensor ${i} has shape ${fmt(t.shape)} but tensor 0 has shape ${fmt(first.shape)}; shapes must match except in dim ${d}`,
      );
    }
  });
  return bind1(catPrim, tensors, { dim: d });
}

/** Each input's block of cat's output: a view starting at its offset along `dim`. */
function catBlocks(shapes: readonly Shape[], dim: number): View[] {
  const outShape = [...shapes[0]];
  outShape[dim] = shapes.reduce((n, s) => n + s[dim], 0);
  const outStrides = stridesOf(outShape);
  let start = 0;
  return shapes.map((shape) => {
    const offset = start * outStrides[dim];
    start += shape[dim];
    return { shape, strides: outStrides, offset };
  });
}

/** Concatenation: linear, its VJP gathers each input's block. */
const catPrim: Primitive<{ dim: number }> = primitive<{ dim: number }>({
  name: 'cat',
  impl: both((tensors, { dim }) => {
    const outShape = [...tensors[0].shape];
    outShape[dim] = tensors.reduce((n, t) => n + t.shape[dim], 0);
    const y = empty(tensors[0].backend, outShape);
    const blocks = catBlocks(
      tensors.map((t) => t.shape),
      dim,
    );
    tensors.forEach((t, i) => copyStrided('cat', t, contiguous(t.shape), y, blocks[i], t.shape));
    return [y];
  }),
  vjp([g], { inputs, params: { dim } }) {
    const blocks = catBlocks(
      inputs.map((t) => t.shape),
      dim,
    );
    return inputs.map((t, i) => (g && t.requiresGrad ? gatherView('cat', g, blocks[i]) : null));
  },
  jvp: (ts, ctx) => linearJvp(catPrim)(ts, ctx),
  saves: { inputs: false, outputs: false },
});

/** Joins same-shape tensors along a new dim (like `torch.stack`): unsqueeze each, then cat. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  checkList('stack', tensors);
  const first = tensors[0];
  tensors.forEach((t, i) => {
    if (!sameShape(t.shape, first.shape)) {
      throw new WebgradError('stack', `tensor ${i} has shape ${fmt(t.shape)} but tensor 0 has shape ${fmt(first.shape)}; all shapes must be equal`);
    }
  });
  const d = normalizeAxis('stack', dim, first.ndim, 1);
  const parts = tensors.map((t) => unsqueeze(t, d));
  const y = cat(parts, d);
  // Views outside the graph can go now; recorded ones stay inputs of the cat node.
  for (const p of parts) if (!p.requiresGrad) p.dispose();
  return y;
}

declare module '../tensor' {
  interface Tensor {
    /** The same elements in a new shape (one entry may be −1). */
    reshape(shape: readonly number[]): Tensor;
    /** Broadcasts to `shape` by NumPy rules (size-1 and missing leading dims repeat). */
    broadcastTo(shape: readonly number[]): Tensor;
    /** Alias of `broadcastTo` (PyTorch's name). */
    expand(shape: readonly number[]): Tensor;
    /** Reorders the dims: output dim i is input dim `dims[i]`. */
    permute(dims: readonly number[]): Tensor;
    /** Swaps two dims (default the last two). */
    transpose(dim0?: number, dim1?: number): Tensor;
    /** Removes size-1 dims (all of them, or the given ones). */
    squeeze(dim?: number | readonly number[]): Tensor;
    /** Inserts a size-1 dim at `dim`. */
    unsqueeze(dim: number): Tensor;
  }
}

export { broadcastTo };
/** Alias of `broadcastTo` (PyTorch's name). */
export const expand = broadcastTo;
addMethods({ reshape, broadcastTo, expand, permute, transpose, squeeze, unsqueeze });
