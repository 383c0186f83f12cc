import { Backend, BackendName } from './backend/backend';
import { cpuBackend } from './backend/cpu';
import { findWebGPU } from './backend/webgpu/adapter';
import { WebGPUBackend } from './backend/webgpu/webgpuBackend';

export interface InitOptions {
  /** 'auto' (default) takes WebGPU when an adapter exists, else the CPU reference. */
  backend?: 'auto' | BackendName;
}

export interface InitResult {
  backend: BackendName;
  /** The adapter in words (vendor, architecture, device), or the CPU backend's description. */
  adapter: string;
  /** Why this backend was chosen (e.g. why WebGPU was not available). */
  reason: string;
}

let current: Backend = cpuBackend;
let webgpu: WebGPUBackend | null = null;
let webgpuReason = '';

/** The backend new tensors are created on. */
export function getBackend(): Backend {
  return current;
}

/** The WebGPU backend if one was initialised (for benchmarks and tests). */
export function getWebGPUBackend(): WebGPUBackend | null {
  return webgpu;
}

async function ensureWebGPU(): Promise<WebGPUBackend | null> {
  if (webgpu) return webgpu;
  const found = await findWebGPU();
  webgpuReason = found.reason;
  if (found.device) webgpu = new WebGPUBackend(found.device, found.info);
  return webgpu;
}

/**
 * Chooses the backend for new tensors. `auto` tries WebGPU first; `webgpu` throws when no adapter exists.
 * Calling it again switches backends; tensors keep the backend they were made on.
 */
export async function init(options: InitOptions = {}): Promise<InitResult> {
  const want = options.backend ?? 'auto';
  if (want !== 'auto' && want !== 'cpu' && want !== 'webgpu') {
    throw new Error(`webgrad.init: unknown backend '${String(want)}' (use 'auto', 'webgpu' or 'cpu')`);
  }
  if (want === 'cpu') {
    current = cpuBackend;
    return { backend: 'cpu', adapter: cpuBackend.adapter, reason: 'CPU backend requested' };
  }
  const gpu = await ensureWebGPU();
  if (gpu) {
    current = gpu;
    return { backend: 'webgpu', adapter: gpu.adapter, reason: webgpuReason };
  }
  if (want === 'webgpu') throw new Error(`webgrad.init: WebGPU unavailable: ${webgpuReason}`);
  current = cpuBackend;
  return { backend: 'cpu', adapter: cpuBackend.adapter, reason: `CPU fallback: ${webgpuReason}` };
}

/** Runs `fn` with `backend` as the backend for new tensors (synchronous). */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const before = current;
  current = backend;
  try {
    return fn();
  } finally {
    current = before;
  }
}
