// Tensor creation. Values are computed on the host (so seeded random tensors are identical on every
// backend) and uploaded once.
import { Backend } from '../backend/backend';
import { duringOp } from '../backend/opContext';
import { cpuBackend } from '../backend/cpu';
import { getBackend, getWebGPUBackend } from '../runtime';
import { groups1d } from '../backend/webgpu/kernel';
import { addMethods, asWebGPU, cpuData, gpuBuffer, gpuKernel, uniformWords } from './util';
import fillWgsl from '../../shaders/fill.wgsl?raw';
import { fmt, Shape, sizeOf, WebgradError } from '../shape';
import { NestedArray, Tensor } from '../tensor';

/** Options of tensor constructors. */
export interface TensorOptions {
  /** Shape to give the data (default: the nested array's own shape). */
  shape?: Shape;
  /** Make the tensor a leaf that records gradients (default false). */
  requiresGrad?: boolean;
  /** Defaults to the backend chosen by `init()`. */
  backend?: Backend;
}

/** Throws at once, naming `op`, when the target backend cannot hold `n` elements: before any host-side work. */
function checkFits(op: string, options: TensorOptions, n: number): void {
  duringOp(op, () => (options.backend ?? getBackend()).checkAllocation(n));
}

function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new WebgradError(op, `shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

/** Flattens nested arrays, checking they are rectangular and numeric. */
function flatten(data: NestedArray): { values: number[]; shape: number[] } {
  const shape: number[] = [];
  for (let d: NestedArray = data; Array.isArray(d); d = d[0]) shape.push(d.length);
  const values: number[] = [];
  const walk = (d: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof d !== 'number') throw new WebgradError('tensor', `non-numeric value ${JSON.stringify(d)} at ${path || 'top'}`);
      values.push(d);
      return;
    }
    if (!Array.isArray(d) || d.length !== shape[dim]) {
      const got = Array.isArray(d) ? `length ${d.length}` : typeof d;
      throw new WebgradError('tensor', `ragged nested array: expected length ${shape[dim]} at ${path || 'top'}, got ${got}`);
    }
    d.forEach((x, i) => walk(x, dim + 1, `${path}[${i}]`));
  };
  walk(data, 0, '');
  return { values, shape };
}

export function fromArray(values: ArrayLike<number>, shape: Shape, options: TensorOptions = {}): Tensor {
  const backend = options.backend ?? getBackend();
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  return new Tensor(
    duringOp('tensor', () => backend.upload(data)),
    shape,
    options.requiresGrad ?? false,
  );
}

/**
 * A tensor from a number, nested arrays or a Float32Array (flat data needs `shape` unless it is 1-D).
 * @example tensor([[1, 2], [3, 4]], { requiresGrad: true })
 */
export function tensor(data: NestedArray | Float32Array | Float64Array | readonly number[], options: TensorOptions = {}): Tensor {
  let values: ArrayLike<number>;
  let shape: number[];
  if (data instanceof Float32Array || data instanceof Float64Array) {
    values = data;
    shape = [data.length];
  } else if (typeof data === 'number') {
    values = [data];
    shape = [];
  } else if (Array.isArray(data)) {
    ({ values, shape } = flatten(data as NestedArray));
  } else {
    throw new WebgradError('tensor', `expected a number, nested arrays or a Float32Array, got ${typeof data}`);
  }
  if (options.shape) {
    checkShape('tensor', options.shape);
    if (sizeOf(options.shape) !== values.length) {
      throw new WebgradError('tensor', `shape ${fmt(options.shape)} needs ${sizeOf(options.shape)} values, got ${values.length}`);
    }
    shape = [...options.shape];
  }
  return fromArray(values, shape, options);
}

/** A tensor of `shape` filled with `value`, written on the device (a fill kernel, no upload). */
export function full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
  checkShape('full', shape);
  if (typeof value !== 'number') throw new WebgradError('full', `value must be a number, got ${typeof value}`);
  const backend = options.backend ?? getBackend();
  const out = new Tensor(
    duringOp('full', () => backend.alloc(sizeOf(shape))),
    shape,
    options.requiresGrad ?? false,
  );
  if (out.size > 0) FILL[backend.name](out, value);
  return out;
}

const FILL = {
  cpu: (out: Tensor, value: number): void => void cpuData(out).fill(value, 0, out.size),
  webgpu(out: Tensor, value: number): void {
    const k = gpuKernel('fill', fillWgsl, {}, [0, 1]);
    asWebGPU(out.backend).run(k, [gpuBuffer(out)], uniformWords([out.size, { f: value }]), groups1d(out.size));
  },
};

/** A tensor of zeros (written by a fill kernel, no upload). */
export const zeros = (shape: Shape, options?: TensorOptions): Tensor => duringOp('zeros', () => full(shape, 0, options));
/** A tensor of ones (written by a fill kernel, no upload). */
export const ones = (shape: Shape, options?: TensorOptions): Tensor => duringOp('ones', () => full(shape, 1, options));
/** Zeros of `t`'s shape, on `t`'s backend. */
export const zerosLike = (t: Tensor, options?: TensorOptions): Tensor =>
  duringOp('zerosLike', () => full(t.shape, 0, { backend: t.backend, ...options }));
/** Ones of `t`'s shape, on `t`'s backend. */
export const onesLike = (t: Tensor, options?: TensorOptions): Tensor =>
  duringOp('onesLike', () => full(t.shape, 1, { backend: t.backend, ...options }));

/** `[start, end)` in steps of `step` (like `torch.arange`); `arange(n)` is `0..n-1`. */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new WebgradError('arange', `step must be finite and non-zero, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  checkFits('arange', options, n);
  return fromArray(
    Float32Array.from({ length: n }, (_, i) => start + i * step),
    [n],
    options,
  );
}

/** `n` evenly spaced points from `start` to `end`, both included (like `torch.linspace`). */
export function linspace(start: number, end: number, n: number, options: TensorOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new WebgradError('linspace', `steps must be a non-negative integer, got ${n}`);
  checkFits('linspace', options, n);
  const step = n > 1 ? (end - start) / (n - 1) : 0;
  // Computed in float64, rounded once; the last point is exactly `end`.
  return fromArray(
    Float32Array.from({ length: n }, (_, i) => (i === n - 1 ? end : start + i * step)),
    [n],
    options,
  );
}

/** The n×m identity (m defaults to n). */
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  checkShape('eye', [n, m]);
  checkFits('eye', options, n * m);
  const data = new Float32Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return fromArray(data, [n, m], options);
}

/** A small, fast, seedable generator (mulberry32); the same seed gives the same tensor on every backend. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let defaultSeed = 0x9e3779b9;
/** Seeds the generator used by `rand`/`randn` calls without an explicit seed. */
export function manualSeed(seed: number): void {
  defaultSeed = seed >>> 0;
}
const nextSeed = (): number => (defaultSeed = (Math.imul(defaultSeed, 1664525) + 1013904223) >>> 0);

/** Options of random constructors. */
export interface RandomOptions extends TensorOptions {
  /** Seed of this tensor's generator (default: the next value of the global seed, see `manualSeed`). */
  seed?: number;
}

/** Uniform on [0, 1). */
export function rand(shape: Shape, options: RandomOptions = {}): Tensor {
  checkShape('rand', shape);
  checkFits('rand', options, sizeOf(shape));
  const next = mulberry32(options.seed ?? nextSeed());
  return fromArray(Float32Array.from({ length: sizeOf(shape) }, next), shape, options);
}

/** Standard normal (Box–Muller). */
export function randn(shape: Shape, options: RandomOptions = {}): Tensor {
  checkShape('randn', shape);
  checkFits('randn', options, sizeOf(shape));
  const next = mulberry32(options.seed ?? nextSeed());
  const n = sizeOf(shape);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - next()));
    const th = 2 * Math.PI * next();
    data[i] = r * Math.cos(th);
    if (i + 1 < n) data[i + 1] = r * Math.sin(th);
  }
  return fromArray(data, shape, options);
}

/** A copy of `t` on another backend ('cpu' or 'webgpu'; WebGPU must have been initialised). Reads back once. */
export async function toBackend(t: Tensor, name: 'cpu' | 'webgpu'): Promise<Tensor> {
  const target = name === 'cpu' ? cpuBackend : getWebGPUBackend();
  if (!target) throw new WebgradError('toBackend', "WebGPU is not initialised: call init({ backend: 'webgpu' }) first");
  if (t.tangents?.size)
    throw new WebgradError(
      'toBackend',
      `tensor of shape ${fmt(t.shape)} is a dual tensor (it carries a forward-mode tangent); ` +
        `unpackDual() it and move the primal and the tangent separately`,
    );
  if (target === t.backend) return t.detach();
  return fromArray(await t.data(), t.shape, { backend: target });
}

declare module '../tensor' {
  interface Tensor {
    /** A copy on another backend (async: reads the data back once). */
    toBackend(name: 'cpu' | 'webgpu'): Promise<Tensor>;
  }
}

addMethods({ toBackend });
