// Broadcasting and its adjoint: broadcastTo copies a tensor up to a larger shape (NumPy rules), sumTo sums a
// tensor down to a shape it broadcasts to. Each is the other's VJP, so they live together; the autograd
// engine undoes broadcasting in one place with sumTo.
import { bind1, linearJvp, primitive, Primitive } from '../autograd/primitive';
import { identityView } from '../autograd/dual';
import { broadcastShapes, broadcastStrides, fmt, sameShape, Shape, WebgradError } from '../shape';
import { assertUsable, Tensor } from '../tensor';
import { empty } from './util';
import { reduceKernel } from './reduceKernels';
import { contiguous, copyStrided } from './strided';

interface ShapeParams {
  shape: readonly number[];
}

/** Copies `x` broadcast up to `shape` (contiguous result): a strided gather with stride 0 on broadcast dims. */
function broadcastKernel(x: Tensor, shape: Shape): Tensor {
  const out = empty(x.backend, shape);
  copyStrided('broadcastTo', x, { offset: 0, strides: broadcastStrides(x.shape, shape) }, out, contiguous(shape), shape);
  return out;
}

/** The dims of `from` that sum away to reach `to` (leading ones, and those where `to` has size 1). */
function summedAxes(from: Shape, to: Shape): number[] {
  const lead = from.length - to.length;
  return from.map((_, i) => i).filter((i) => i < lead || (to[i - lead] === 1 && from[i] !== 1));
}

/** The sum down to `shape`: one reduction whose output is viewed with the target's shape. */
function sumToKernel(x: Tensor, shape: Shape): Tensor {
  const summed = reduceKernel(x, summedAxes(x.shape, shape), 'sum');
  const out = summed.alias(shape);
  summed.dispose();
  return out;
}

const broadcastPrim: Primitive<ShapeParams> = primitive<ShapeParams>({
  name: 'broadcastTo',
  impl: {
    cpu: ([x], p) => [broadcastKernel(x, p.shape)],
    webgpu: ([x], p) => [broadcastKernel(x, p.shape)],
  },
  vjp: ([g], { inputs: [x] }) => [g && sumTo(g, x.shape)],
  jvp: (ts, ctx) => linearJvp(broadcastPrim)(ts, ctx),
  saves: { inputs: false, outputs: false },
});

const sumToPrim: Primitive<ShapeParams> = primitive<ShapeParams>({
  name: 'sumTo',
  impl: {
    cpu: ([x], p) => [sumToKernel(x, p.shape)],
    webgpu: ([x], p) => [sumToKernel(x, p.shape)],
  },
  vjp: ([g], { inputs: [x] }) => [g && broadcastTo(g, x.shape)],
  jvp: (ts, ctx) => linearJvp(sumToPrim)(ts, ctx),
  saves: { inputs: false, outputs: false },
});

/** Broadcasts to `shape` by NumPy rules (like `torch.broadcast_to`); -1 keeps a dim. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  assertUsable('broadcastTo', x);
  const off = shape.length - x.ndim;
  const target = shape.map((d, i) => (d === -1 && i >= off ? x.shape[i - off] : d));
  if (off < 0 || !sameShape(broadcastShapes('broadcastTo', x.shape, target), target)) {
    throw new WebgradError('broadcastTo', `cannot broadcast ${fmt(x.shape)} to ${fmt(shape)}`);
  }
  if (sameShape(target, x.shape)) return identityView(x);
  return bind1(broadcastPrim, [x], { shape: target });
}

/** Sums a (broadcast) tensor down to `shape`: the one place broadcasting is undone in backward. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  return bind1(sumToPrim, [g], { shape });
}
