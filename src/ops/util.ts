// Small helpers every op file uses to reach its backend's memory and kernels.
import { Backend } from '../backend/backend';
import { FloatArray } from '../backend/cpu';
import { expand, GpuKernel } from '../backend/webgpu/kernel';
import { WebGPUBackend } from '../backend/webgpu/webgpuBackend';
import { Shape, sizeOf } from '../shape';
import { Tensor } from '../tensor';
import commonWgsl from '../../shaders/common.wgsl?raw';

/** A fresh output tensor of `shape` on `backend` (uninitialised: the kernel writes every element). */
export function empty(backend: Backend, shape: Shape): Tensor {
  return new Tensor(backend.alloc(sizeOf(shape)), shape);
}

/** The typed array behind a CPU tensor. */
export function cpuData(t: Tensor): FloatArray {
  return t.storageFor('cpu').payload as FloatArray;
}

/** The GPU buffer behind a WebGPU tensor. */
export function gpuBuffer(t: Tensor): GPUBuffer {
  return t.storageFor('webgpu').payload as GPUBuffer;
}

export function asWebGPU(backend: Backend): WebGPUBackend {
  return backend as WebGPUBackend;
}

const kernels = new Map<string, GpuKernel>();

/**
 * A kernel from a shader template (with shaders/common.wgsl prepended), built once per key.
 * `layout` is [inputs, outputs]; `uniform` says whether binding 0 is a `params` uniform.
 */
export function gpuKernel(
  key: string,
  template: string,
  values: Record<string, string | number>,
  layout: [inputs: number, outputs: number],
  uniform = true,
  entry?: string,
): GpuKernel {
  let k = kernels.get(key);
  if (!k) {
    k = { key, code: `${commonWgsl}\n${expand(template, values)}`, entry, inputs: layout[0], outputs: layout[1], uniform };
    kernels.set(key, k);
  }
  return k;
}

/** Uniform words: u32 and f32 values packed into one buffer, in order (`f` marks floats). */
export function uniformWords(values: readonly (number | { f: number })[]): Uint32Array {
  const words = new Uint32Array(Math.max(4, Math.ceil(values.length / 4) * 4));
  const floats = new Float32Array(words.buffer);
  values.forEach((v, i) => {
    if (typeof v === 'number') words[i] = v;
    else floats[i] = v.f;
  });
  return words;
}

/** Installs free functions `f(self, ...args)` as Tensor methods `self.f(...args)` (types come from `declare module`). */
export function addMethods(fns: Record<string, (self: Tensor, ...args: never[]) => unknown>): void {
  for (const [name, fn] of Object.entries(fns)) {
    // The method passes its arguments through; `declare module` gave them their types.
    const call = fn as (self: Tensor, ...args: unknown[]) => unknown;
    Object.defineProperty(Tensor.prototype, name, {
      value: function (this: Tensor, ...args: unknown[]) {
        return call(this, ...args);
      },
      writable: true,
      configurable: true,
    });
  }
}
