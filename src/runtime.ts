import { Backend, BackendName } from './backend/backend';
import { cpu64Backend, cpuBackend } from './backend/cpu';
import { findWebGPU } from './backend/webgpu/adapter';
import { DawnPolling, setDawnPolling } from './backend/webgpu/dawnPolling';
import { WebGPUBackend } from './backend/webgpu/webgpuBackend';

/** Options of {@link init}. */
export interface InitOptions {
  /** 'auto' (default) takes WebGPU when an adapter exists, else the CPU reference. */
  backend?: 'auto' | BackendName;
  /**
   * Storage of the CPU backend: 'float32' (default, like the GPU) or 'float64' (the reference for
   * physics: e.g. the Nx = 500 Hamiltonian's E0 is limited to ~1e-5 by float32 storage of its ~2490 diagonal).
   * Tensors read back as Float32Array either way; `item()` returns the float64 value.
   */
  precision?: 'float32' | 'float64';
  /**
   * Node only: how Dawn's bindings wait for the GPU. 'backoff' (default) spins for 2 ms, then polls every
   * 1 ms, leaving the CPU to a CPU driver's shader threads; 'spin' keeps Dawn's own busy polling
   * (src/backend/webgpu/dawnPolling.ts). Process-wide; a later init without it keeps the current mode.
   */
  dawnPolling?: DawnPolling;
}

/** What {@link init} chose, and why. */
export interface InitResult {
  /** The backend now in use. */
  backend: BackendName;
  /** The adapter in words (vendor, architecture, device), or the CPU backend's description. */
  adapter: string;
  /** Why this backend was chosen (e.g. why WebGPU was not available). */
  reason: string;
}

let current: Backend = cpuBackend;
let webgpu: WebGPUBackend | null = null;
let webgpuReason = '';
let pollingChosen = false;

/** The backend new tensors are created on. */
export function getBackend(): Backend {
  return current;
}

/** The WebGPU backend if one was initialised (for benchmarks and tests). */
export function getWebGPUBackend(): WebGPUBackend | null {
  return webgpu;
}

async function ensureWebGPU(): Promise<WebGPUBackend | null> {
  if (webgpu && webgpu.lost === null) return webgpu;
  webgpu = null; // a lost device is replaced by a new one
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
  const precision = options.precision ?? 'float32';
  if (precision !== 'float32' && precision !== 'float64') {
    throw new Error(`webgrad.init: unknown precision '${String(precision)}' (use 'float32' or 'float64')`);
  }
  const cpu = precision === 'float64' ? cpu64Backend : cpuBackend;
  // Set when asked, else defaulted once when WebGPU is first wanted (a no-op without setImmediate: browsers).
  if (options.dawnPolling !== undefined || (want !== 'cpu' && !pollingChosen)) {
    setDawnPolling(options.dawnPolling ?? 'backoff');
    pollingChosen = true;
  }
  if (want === 'cpu') {
    current = cpu;
    if (webgpu?.lost != null) webgpu = null;
    return { backend: 'cpu', adapter: cpu.adapter, reason: 'CPU backend requested' };
  }
  const gpu = await ensureWebGPU();
  if (gpu) {
    current = gpu;
    return { backend: 'webgpu', adapter: gpu.adapter, reason: webgpuReason };
  }
  if (want === 'webgpu') throw new Error(`webgrad.init: WebGPU unavailable: ${webgpuReason}`);
  current = cpu;
  return { backend: 'cpu', adapter: cpu.adapter, reason: `CPU fallback: ${webgpuReason}` };
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
