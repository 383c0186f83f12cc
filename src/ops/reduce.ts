// Reductions over all elements or a set of axes, on a shared parallel tree kernel (shaders/reduce.wgsl).
// The backward of sum and mean spreads the gradient back with the broadcast kernel.
import { record } from '../autograd/record';
import { groups1d } from '../backend/webgpu/kernel';
import { collapseDims, normalizeAxes, packDims, reducedShape, Shape, sizeOf, stridesOf } from '../shape';
import { assertUsable, Tensor } from '../tensor';
import { addMethods, asWebGPU, cpuData, empty, gpuBuffer, gpuKernel, uniformWords } from './util';
import { broadcastTo, reshape } from './shape';
import { fromArray } from './creation';
import { mul } from './elementwise';
import reduceWgsl from '../../shaders/reduce.wgsl?raw';

export interface ReduceOptions {
  axis?: number | number[];
  keepdim?: boolean;
}

interface Reducer {
  init: string;
  combine: string;
  cpuInit: number;
  cpu: (acc: number, v: number) => number;
}

export const REDUCERS = {
  sum: { init: '0.0', combine: 'acc + v', cpuInit: 0, cpu: (acc, v) => acc + v },
  max: { init: '-inf_f()', combine: 'max(acc, v)', cpuInit: -Infinity, cpu: Math.max },
  min: { init: 'inf_f()', combine: 'min(acc, v)', cpuInit: Infinity, cpu: Math.min },
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

/** Records the reduction of `src` (kept × reduced dims) into `dst` on the GPU, two-pass when outputs are few. */
function gpuReduce(x: Tensor, src: GPUBuffer, dst: GPUBuffer, kept: Dims, reduced: Dims, kind: ReducerName, scale: number): void {
  const gpu = asWebGPU(x.backend);
  const nOut = sizeOfDims(kept);
  const nRed = sizeOfDims(reduced);
  const r: Reducer = REDUCERS[kind];
  const kernel = (finish: string, entry: 'main' | 'small') =>
    gpuKernel(`reduce:${kind}:${finish}:${entry}`, reduceWgsl, { INIT: r.init, COMBINE: r.combine, FINISH: finish }, [1, 1], true, entry);
  const finish = kind === 'sum' ? 'acc * params.scale' : 'acc';
  const words = (chunks: number, chunkLen: number, s: number) =>
    uniformWords([nOut, nRed, chunks, chunkLen, kept.shape.length, reduced.shape.length, { f: s }, 0,
      ...packDims(kind, [kept.shape, kept.strides, reduced.shape, reduced.strides])]);
  if (nRed <= 32 && nOut >= 64) {
    gpu.run(kernel(finish, 'small'), [src, dst], words(1, nRed, scale), groups1d(nOut));
    return;
  }
  // Enough workgroups to fill the device: split long reductions into chunks, then reduce the partials.
  const chunks = Math.max(1, Math.min(Math.ceil(nRed / 1024), Math.ceil(256 / nOut)));
  const chunkLen = Math.ceil(nRed / chunks);
  if (chunks === 1) {
    gpu.run(kernel(finish, 'main'), [src, dst], words(1, nRed, scale), groups1d(nOut, 1));
    return;
  }
  const partial = gpu.alloc(nOut * chunks);
  gpu.run(kernel('acc', 'main'), [src, partial.payload], words(chunks, chunkLen, 1), groups1d(nOut * chunks, 1));
  gpuReduce(x, partial.payload, dst, { shape: [nOut], strides: [chunks] }, { shape: [chunks], strides: [1] }, kind, scale);
  partial.release();
}

/** Reduces `x` over `axes` with `kind`, times `scale`; the result drops the reduced dims. */
export function reduceKernel(x: Tensor, axes: readonly number[], kind: ReducerName, scale = 1): Tensor {
  const outShape = reducedShape(x.shape, axes, false);
  // Reducing an empty range: the sum is 0 (max/min of nothing are rejected by their ops).
  if (x.size === 0) return fromArray(new Float32Array(sizeOf(outShape)), outShape, { backend: x.backend });
  const out = empty(x.backend, outShape);
  const { kept, reduced } = splitDims(x.shape, axes);
  if (x.backend.name === 'cpu') {
    const [xs, ys] = [cpuData(x), cpuData(out)];
    const r: Reducer = REDUCERS[kind];
    const nRed = sizeOfDims(reduced);
    const offsets = (d: Dims, i: number): number => {
      let off = 0;
      for (let k = d.shape.length - 1; k >= 0; k--) {
        const c = i % d.shape[k];
        i = (i - c) / d.shape[k];
        off += c * d.strides[k];
      }
      return off;
    };
    const redOff = Array.from({ length: nRed }, (_, j) => offsets(reduced, j));
    for (let o = 0; o < out.size; o++) {
      const base = offsets(kept, o);
      let acc = r.cpuInit;
      for (let j = 0; j < nRed; j++) acc = r.cpu(acc, xs[base + redOff[j]]);
      ys[o] = kind === 'sum' ? acc * scale : acc;
    }
  } else {
    gpuReduce(x, gpuBuffer(x), gpuBuffer(out), kept, reduced, kind, scale);
  }
  return out;
}

/** Shape of the reduction's output with keepdim, for spreading gradients back. */
function keepdimShape(x: Shape, axes: readonly number[]): number[] {
  return reducedShape(x, axes, true);
}

/** Sum over `axis` (all elements by default), like `torch.sum`. */
export function sum(x: Tensor, options: ReduceOptions = {}): Tensor {
  assertUsable('sum', x);
  const axes = normalizeAxes('sum', options.axis, x.ndim);
  const y0 = reduceKernel(x, axes, 'sum');
  const y = options.keepdim ? reshape(y0, keepdimShape(x.shape, axes)) : y0;
  return record('sum', [y], [x], [], ([g]) => [broadcastTo(reshape(g!, keepdimShape(x.shape, axes)), x.shape)])[0];
}

/** Mean over `axis` (all elements by default). */
export function mean(x: Tensor, options: ReduceOptions = {}): Tensor {
  assertUsable('mean', x);
  const axes = normalizeAxes('mean', options.axis, x.ndim);
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  const y0 = reduceKernel(x, axes, 'sum', 1 / n);
  const y = options.keepdim ? reshape(y0, keepdimShape(x.shape, axes)) : y0;
  return record('mean', [y], [x], [], ([g]) => [mul(broadcastTo(reshape(g!, keepdimShape(x.shape, axes)), x.shape), 1 / n)])[0];
}

/** Sums a (broadcast) gradient down to `shape`: the one place broadcasting is undone in backward. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const axes = g.shape.map((_, i) => i).filter((i) => i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1));
  return reshape(reduceKernel(g, axes, 'sum'), shape);
}

declare module '../tensor' {
  interface Tensor {
    sum(options?: ReduceOptions): Tensor;
    mean(options?: ReduceOptions): Tensor;
  }
}

addMethods({ sum, mean });
