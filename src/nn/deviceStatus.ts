// A status word the GPU raises from inside a kernel (a bad label, a non-finite gradient) and the host
// learns about at the next readback, without a readback of its own. Each call passes a fresh call id in
// its uniform; a kernel that finds a fault writes that id (and details) to the buffer. One persistent
// buffer per site: nothing to clear, nothing that grows however many calls run between readbacks.
import { Usage } from '../backend/webgpu/bufferPool';
import type { WebGPUBackend } from '../backend/webgpu/webgpuBackend';

export class DeviceStatus {
  readonly buffer: GPUBuffer;
  private calls = 0;
  private reported = 0;
  private armed = false;

  /** `words` status words; `describe` turns the words of a raised status into the error to throw. */
  constructor(
    private readonly gpu: WebGPUBackend,
    private readonly words: number,
    private readonly describe: (words: Uint32Array) => Error,
  ) {
    // New buffers are zero-filled: no call has raised the status yet.
    this.buffer = gpu.device.createBuffer({ size: Math.max(16, words * 4), usage: Usage.STORAGE | Usage.COPY_SRC });
  }

  /** The id (1, 2, …) the next kernel writes if it finds a fault; arms the check at the next readback. */
  nextCall(): number {
    this.calls++;
    if (!this.armed) {
      this.armed = true;
      this.gpu.deferCheck(this.buffer, this.words, (w) => {
        this.armed = false;
        if (w[0] <= this.reported) return null;
        this.reported = w[0];
        return this.describe(w);
      });
    }
    return this.calls;
  }
}

const perBackend = new WeakMap<WebGPUBackend, Map<string, DeviceStatus>>();

/** The status of site `key` on this backend (made on first use). */
export function deviceStatus(gpu: WebGPUBackend, key: string, words: number, describe: (words: Uint32Array) => Error): DeviceStatus {
  let sites = perBackend.get(gpu);
  if (!sites) perBackend.set(gpu, (sites = new Map()));
  let s = sites.get(key);
  if (!s) sites.set(key, (s = new DeviceStatus(gpu, words, describe)));
  return s;
}

/** A shared 16-byte storage buffer to bind where a kernel's optional output is unused. */
const dummies = new WeakMap<WebGPUBackend, GPUBuffer>();
export function dummyBuffer(gpu: WebGPUBackend): GPUBuffer {
  let b = dummies.get(gpu);
  if (!b) dummies.set(gpu, (b = gpu.device.createBuffer({ size: 16, usage: Usage.STORAGE })));
  return b;
}
