// profile(fn): where the GPU time goes, like torch.profiler. Counts the WebGPU dispatches of each kernel
// while fn runs and, where the adapter has 'timestamp-query', times each on the device: every dispatch
// then gets a compute pass of its own with timestamps at its start and end (so profiled runs batch less
// than unprofiled ones). CPU-backend ops are plain loops, not kernels: there profile() throws.
import { DispatchRecorder, WebGPUBackend } from './backend/webgpu/webgpuBackend';
import { Usage } from './backend/webgpu/bufferPool';
import { getBackend, getWebGPUBackend } from './runtime';
import { WebgradError } from './shape';

/** One kernel's line in a {@link ProfileReport}. */
export interface KernelProfile {
  /** The kernel's name: its cache key without sizes and launch shapes ("binary:add", "eigh:solve"). */
  kernel: string;
  /** Dispatches of this kernel. */
  calls: number;
  /** Device time summed over the calls, ms (null without timestamp queries). */
  deviceMs: number | null;
}

/** What {@link profile} measured while its function ran. */
export interface ProfileReport<T> {
  /** What fn returned (awaited). */
  result: T;
  /** Per kernel, most device time first (most calls first without timestamps). */
  kernels: KernelProfile[];
  /** Dispatches in all. */
  dispatches: number;
  /** Command-buffer submits. */
  submits: number;
  /** Wall time of fn and of the GPU work it queued, ms. */
  wallMs: number;
  /** Device time of all dispatches, ms (null without timestamp queries). */
  deviceMs: number | null;
  /** Whether device times were measured (the adapter offers 'timestamp-query'). */
  timestamps: boolean;
  /** The kernels as a text table, like torch.profiler's key_averages().table(). */
  table(): string;
}

/** Queries per query set: two per dispatch, and a submit holds at most 2048 dispatches. */
const QUERIES = 4096;

/** Timestamps of one command buffer's dispatches, resolved into a mappable buffer at its submit. */
interface Batch {
  names: string[];
  staging: GPUBuffer | null;
}

/** The kernel's name without its sizes and launch shapes: the key's segments that start with a letter. */
export const kernelName = (key: string): string =>
  key
    .split(':')
    .filter((s) => /^[a-z_]/i.test(s))
    .join(':');

class Recorder implements DispatchRecorder {
  readonly calls = new Map<string, number>();
  readonly batches: Batch[] = [];
  private querySet: GPUQuerySet | null = null;
  private names: string[] = [];

  constructor(
    private readonly device: GPUDevice,
    readonly timestamps: boolean,
  ) {}

  dispatch(key: string): GPUComputePassTimestampWrites | undefined {
    const name = kernelName(key);
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    if (!this.timestamps) return undefined;
    this.querySet ??= this.device.createQuerySet({ type: 'timestamp', count: QUERIES });
    const k = 2 * this.names.length;
    this.names.push(name);
    return { querySet: this.querySet, beginningOfPassWriteIndex: k, endOfPassWriteIndex: k + 1 };
  }

  beforeSubmit(encoder: GPUCommandEncoder): void {
    if (!this.querySet || this.names.length === 0) return;
    const bytes = this.names.length * 16;
    const resolved = this.device.createBuffer({ size: bytes, usage: Usage.QUERY_RESOLVE | Usage.COPY_SRC });
    const staging = this.device.createBuffer({ size: bytes, usage: Usage.MAP_READ | Usage.COPY_DST });
    encoder.resolveQuerySet(this.querySet, 0, 2 * this.names.length, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, staging, 0, bytes);
    this.batches.push({ names: this.names, staging });
    this.names = [];
    this.querySet = null; // a fresh set per command buffer
  }

  /** Device ms per kernel name, from every batch's timestamps. */
  async deviceTimes(): Promise<Map<string, number>> {
    const ms = new Map<string, number>();
    for (const b of this.batches) {
      if (!b.staging) continue;
      await b.staging.mapAsync(GPUMapMode.READ);
      const t = new BigUint64Array(b.staging.getMappedRange().slice(0));
      b.staging.unmap();
      b.staging.destroy();
      b.names.forEach((name, i) => {
        const ns = t[2 * i + 1] > t[2 * i] ? Number(t[2 * i + 1] - t[2 * i]) : 0;
        ms.set(name, (ms.get(name) ?? 0) + ns / 1e6);
      });
    }
    return ms;
  }
}

let active = false;

/**
 * Runs `fn` (sync or async) and reports the WebGPU kernels it dispatched: calls per kernel and, where the
 * adapter offers 'timestamp-query', device time per kernel. Waits for the GPU work fn queued. Profiles
 * do not nest.
 * @example const { table } = await profile(() => eigh(a)[0].data()); console.log(table());
 */
export async function profile<T>(fn: () => T | Promise<T>): Promise<ProfileReport<Awaited<T>>> {
  const gpu = getWebGPUBackend();
  if (getBackend().name !== 'webgpu' || !gpu) {
    throw new WebgradError(
      'profile',
      `counts WebGPU kernels, but the current backend is '${getBackend().name}' (the CPU reference runs ops as plain loops); ` +
        `call init({ backend: 'webgpu' }) first`,
    );
  }
  if (active) throw new WebgradError('profile', 'a profile is already running (profiles do not nest)');
  active = true;
  try {
    return await run(gpu, fn);
  } finally {
    active = false;
  }
}

async function run<T>(gpu: WebGPUBackend, fn: () => T | Promise<T>): Promise<ProfileReport<Awaited<T>>> {
  await gpu.sync(); // earlier work is not this profile's
  const recorder = new Recorder(gpu.device, gpu.device.features.has('timestamp-query'));
  const [dispatches, submits] = [gpu.stats.dispatches, gpu.stats.submits];
  const t0 = performance.now();
  gpu.recorder = recorder;
  let result: Awaited<T>;
  try {
    result = await fn();
    await gpu.sync();
  } finally {
    gpu.recorder = null;
  }
  const wallMs = performance.now() - t0;
  const times = recorder.timestamps ? await recorder.deviceTimes() : null;
  const kernels = [...recorder.calls].map(([kernel, calls]) => ({ kernel, calls, deviceMs: times ? (times.get(kernel) ?? 0) : null }));
  kernels.sort((a, b) => (b.deviceMs ?? 0) - (a.deviceMs ?? 0) || b.calls - a.calls);
  const deviceMs = times ? kernels.reduce((s, k) => s + (k.deviceMs ?? 0), 0) : null;
  const report = {
    result,
    kernels,
    dispatches: gpu.stats.dispatches - dispatches,
    submits: gpu.stats.submits - submits,
    wallMs,
    deviceMs,
    timestamps: recorder.timestamps,
    table: () => profileTable(report),
  };
  return report;
}

/** The report as a text table: kernel, calls, device ms, share and µs per call. */
export function profileTable(r: Omit<ProfileReport<unknown>, 'table' | 'result'>): string {
  const w = Math.max(6, ...r.kernels.map((k) => k.kernel.length));
  const total = r.deviceMs ?? 0;
  const rows = r.kernels.map((k) => {
    const time =
      k.deviceMs === null
        ? ['—', '—', '—']
        : [k.deviceMs.toFixed(3), `${((100 * k.deviceMs) / (total || 1)).toFixed(1)} %`, ((1000 * k.deviceMs) / k.calls).toFixed(1)];
    return [k.kernel.padEnd(w), String(k.calls).padStart(8), ...time.map((c, i) => c.padStart([12, 8, 10][i]))].join('  ');
  });
  const head = ['kernel'.padEnd(w), 'calls'.padStart(8), 'device ms'.padStart(12), 'share'.padStart(8), 'µs / call'.padStart(10)].join('  ');
  const device = r.deviceMs === null ? 'device times: n/a (the adapter has no timestamp-query)' : `device ${r.deviceMs.toFixed(1)} ms`;
  return [
    head,
    '-'.repeat(head.length),
    ...rows,
    '-'.repeat(head.length),
    `${r.dispatches} dispatches in ${r.submits} submits; wall ${r.wallMs.toFixed(1)} ms, ${device}`,
  ].join('\n');
}
