// Reductions over all elements or a set of dims, as primitives: sum/mean (linear: their VJP is a
// broadcast), max/min, logsumexp and norm (fused backward kernels unless the backward is being recorded),
// argmax/argmin (no derivative), and softmax/logSoftmax built from them. Kernels: src/ops/reduceKernels.ts.
import { bind1, needsComposite, primitive, Primitive, renamed } from '../autograd/primitive';
import { fmt, normalizeAxes, normalizeAxis, reducedShape, Shape, WebgradError } from '../shape';
import { assertUsable, Tensor } from '../tensor';
import { addMethods } from './util';
import { broadcastTo } from './broadcast';
import { reshape } from './shape';
import { div, eq, exp, gt, mul, sub } from './elementwise';
import { reduceGradKernel, reduceKernel, ReducerName } from './reduceKernels';

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
  throw new WebgradError(
    op,
    `dims must be a number, an array of numbers or an options object, got ${typeof dim === 'string' ? `'${dim}'` : typeof dim}`,
  );
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
  return bind1(renamed(sumPrim, 'mean'), [x], { ...p, scale: 1 / n });
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

export { sumTo } from './broadcast';
export { reduceKernel } from './reduceKernels';

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
