// Strided views: the one kernel behind every op that moves elements without arithmetic (permute, slice,
// select, diag, cat). A view addresses elements of a contiguous base as offset + Σ coord·stride; copying a
// view into a contiguous tensor is a gather, the reverse a scatter into zeros. The two are each other's
// adjoint, so each one's backward is the other. Internal: not re-exported from src/index.ts.
import { bind1, linearJvp, primitive, Primitive, renamed } from '../autograd/primitive';
import { Backend } from '../backend/backend';
import { groups1d } from '../backend/webgpu/kernel';
import { collapseDims, packDims, Shape, sizeOf, stridedOffsets, stridesOf } from '../shape';
import { full } from './creation';
import { Tensor } from '../tensor';
import { asWebGPU, cpuData, empty, gpuBuffer, gpuKernel, uniformWords } from './util';
import stridedWgsl from '../../shaders/strided.wgsl?raw';

/** Where a copy reads or writes: element offset and one stride per dim of the copied shape. */
export interface Layout {
  offset: number;
  strides: readonly number[];
}

/** A strided window onto a contiguous base tensor. */
export interface View extends Layout {
  shape: readonly number[];
}

export const contiguous = (shape: Shape, offset = 0): Layout => ({ offset, strides: stridesOf(shape) });

/** Copies `shape` elements from `src` (read through `from`) into `dst` (written through `to`). */
export function copyStrided(op: string, src: Tensor, from: Layout, dst: Tensor, to: Layout, shape: Shape): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const plan = collapseDims(shape, [from.strides, to.strides]);
  COPY[src.backend.name](op, src, dst, from.offset, to.offset, plan.shape, plan.strides[0], plan.strides[1], n);
}

/** The strided copy, one slot per backend. */
const COPY = {
  cpu(_op: string, src: Tensor, dst: Tensor, from: number, to: number, dims: number[], ss: number[], ds: number[], n: number): void {
    const [xs, ys] = [cpuData(src), cpuData(dst)];
    const at = [0, 0];
    for (let i = 0; i < n; i++) {
      stridedOffsets(i, dims, ss, ds, at);
      ys[to + at[1]] = xs[from + at[0]];
    }
  },
  webgpu(op: string, src: Tensor, dst: Tensor, from: number, to: number, dims: number[], ss: number[], ds: number[], n: number): void {
    const k = gpuKernel('strided', stridedWgsl, {}, [1, 1]);
    const words = uniformWords([n, dims.length, from, to, ...packDims(op, [dims, ss, ds])]);
    asWebGPU(src.backend).run(k, [gpuBuffer(src), gpuBuffer(dst)], words, groups1d(n));
  },
};

/** A tensor of `shape` filled with zeros, written on the device (no upload). */
export function zerosOn(backend: Backend, shape: Shape): Tensor {
  return full(shape, 0, { backend });
}

interface ViewParams {
  op: string;
  view: View;
  baseShape: Shape;
}

/** Gather a view into a contiguous tensor: linear, adjoint of `embed`. */
const gatherPrim: Primitive<ViewParams> = primitive<ViewParams>({
  name: 'gatherView',
  impl: {
    cpu: ([x], p) => [gatherKernel(x, p)],
    webgpu: ([x], p) => [gatherKernel(x, p)],
  },
  vjp: ([g], { params }) => [g && bind1(renamed(embedPrim, params.op), [g], params)],
  jvp: (ts, ctx) => linearJvp(renamed(gatherPrim, ctx.params.op))(ts, ctx),
  saves: { inputs: false, outputs: false },
});

/** Scatter a tensor into zeros of the base shape through the view: linear, adjoint of `gather`. */
const embedPrim: Primitive<ViewParams> = primitive<ViewParams>({
  name: 'embedView',
  impl: {
    cpu: ([x], p) => [embedKernel(x, p)],
    webgpu: ([x], p) => [embedKernel(x, p)],
  },
  vjp: ([g], { params }) => [g && bind1(renamed(gatherPrim, params.op), [g], params)],
  jvp: (ts, ctx) => linearJvp(renamed(embedPrim, ctx.params.op))(ts, ctx),
  saves: { inputs: false, outputs: false },
});

function gatherKernel(x: Tensor, { op, view }: ViewParams): Tensor {
  const y = empty(x.backend, view.shape);
  copyStrided(op, x, view, y, contiguous(view.shape), view.shape);
  return y;
}

function embedKernel(x: Tensor, { op, view, baseShape }: ViewParams): Tensor {
  const y = zerosOn(x.backend, baseShape);
  copyStrided(op, x, contiguous(view.shape), y, view, view.shape);
  return y;
}

/** The view of `x` (a tensor of `x.shape`) as a new contiguous tensor, recorded as `op`. */
export function gatherView(op: string, x: Tensor, view: View): Tensor {
  return bind1(renamed(gatherPrim, op), [x], { op, view, baseShape: x.shape });
}

/** Zeros of `baseShape` with `x` written into the view, recorded as `op`. */
export function embedView(op: string, x: Tensor, baseShape: Shape, view: View): Tensor {
  return bind1(renamed(embedPrim, op), [x], { op, view, baseShape });
}
