// Shape ops. Views (reshape) share storage; broadcastTo copies through a strided kernel.
import { record } from '../autograd/record';
import { groups1d } from '../backend/webgpu/kernel';
import { broadcastShapes, broadcastStrides, collapseDims, fmt, packDims, Shape, sameShape, sizeOf, WebgradError } from '../shape';
import { assertUsable, Tensor } from '../tensor';
import { addMethods, asWebGPU, cpuData, empty, gpuBuffer, gpuKernel, uniformWords } from './util';
import { sumTo } from './reduce';
import broadcastWgsl from '../../shaders/broadcast.wgsl?raw';

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

/** Same data, new shape (a view sharing storage); one dim may be -1. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  assertUsable('reshape', x);
  const target = inferShape('reshape', x.shape, shape);
  if (sameShape(target, x.shape) && !x.requiresGrad) return x.alias(target);
  const y = x.alias(target);
  return record('reshape', [y], [x], [], ([g]) => [reshape(g!, x.shape)])[0];
}

/** Copies `x` broadcast up to `shape` (contiguous result). */
function broadcastKernel(x: Tensor, shape: Shape): Tensor {
  const out = empty(x.backend, shape);
  if (out.size === 0) return out;
  const plan = collapseDims(shape, [broadcastStrides(x.shape, shape)]);
  if (x.backend.name === 'cpu') {
    const [xs, ys] = [cpuData(x), cpuData(out)];
    const [dims, [st]] = [plan.shape, plan.strides];
    for (let i = 0; i < out.size; i++) {
      let rest = i;
      let src = 0;
      for (let d = dims.length - 1; d >= 0; d--) {
        const c = rest % dims[d];
        rest = (rest - c) / dims[d];
        src += c * st[d];
      }
      ys[i] = xs[src];
    }
  } else {
    const k = gpuKernel('broadcast', broadcastWgsl, {}, [1, 1]);
    const words = uniformWords([out.size, plan.shape.length, 0, 0, ...packDims('broadcastTo', [plan.shape, plan.strides[0]])]);
    asWebGPU(x.backend).run(k, [gpuBuffer(x), gpuBuffer(out)], words, groups1d(out.size));
  }
  return out;
}

/** Broadcasts to `shape` by NumPy rules (like `torch.broadcast_to`); -1 keeps a dim. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  assertUsable('broadcastTo', x);
  const off = shape.length - x.ndim;
  const target = shape.map((d, i) => (d === -1 && i >= off ? x.shape[i - off] : d));
  if (off < 0 || !sameShape(broadcastShapes('broadcastTo', x.shape, target), target)) {
    throw new WebgradError('broadcastTo', `cannot broadcast ${fmt(x.shape)} to ${fmt(shape)}`);
  }
  if (sameShape(target, x.shape)) return reshape(x, target);
  const y = broadcastKernel(x, target);
  return record('broadcastTo', [y], [x], [], ([g]) => [sumTo(g!, x.shape)])[0];
}

declare module '../tensor' {
  interface Tensor {
    reshape(shape: readonly number[]): Tensor;
    broadcastTo(shape: readonly number[]): Tensor;
    expand(shape: readonly number[]): Tensor;
  }
}

export const expand = broadcastTo;
addMethods({ reshape, broadcastTo, expand });
