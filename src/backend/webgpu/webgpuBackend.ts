import { Backend, Storage } from '../backend';
import { currentOp, duringOp, opInProgress } from '../opContext';
import { WebgradError } from '../../shape';
import { BufferPool, Usage } from './bufferPool';
import { GpuKernel } from './kernel';

const UNIFORM_ALIGN = 256;
const UNIFORM_BYTES = 256 * 1024;
/** Submit after this many dispatches even without a readback, so long loops keep the GPU busy. */
const MAX_BATCH = 2048;
/** Bind groups `run` keeps per kernel (dropped all at once beyond this). */
const MAX_BIND_GROUPS = 512;

interface CachedPipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  /** `run`'s bind groups by uniform size and buffers: the uniform's offset is dynamic, so one bind group
   * serves every dispatch over the same buffers (pooled buffers come back, so most ops hit). */
  groups: Map<string, GPUBindGroup>;
}

/** Bytes a uniform binding of `bytes` spans (a multiple of 16, at least 16). */
const uniformSize = (bytes: number): number => Math.max(16, Math.ceil(bytes / 16) * 16);

/** A number per GPUBuffer, for bind-group cache keys. */
const bufferIds = new WeakMap<GPUBuffer, number>();
let nextBufferId = 0;
const bufferId = (b: GPUBuffer): number => {
  let id = bufferIds.get(b);
  if (id === undefined) bufferIds.set(b, (id = nextBufferId++));
  return id;
};

export type GpuStorage = Storage<GPUBuffer>;

/** Sees every dispatch while a profile runs (src/profile.ts). */
export interface DispatchRecorder {
  /** Called per dispatch; timestamp writes returned give the dispatch a compute pass of its own. */
  dispatch(key: string): GPUComputePassTimestampWrites | undefined;
  /** Called before each command buffer is finished (to resolve its queries). */
  beforeSubmit(encoder: GPUCommandEncoder): void;
}

/** Status words the GPU writes for an op, checked at the next readback (see `deferCheck`). */
interface DeferredCheck {
  buffer: GPUBuffer;
  words: number;
  check: (words: Uint32Array) => Error | null;
  release?: () => void;
}

/**
 * WebGPU backend: many dispatches per command encoder (one compute pass), submitted on readback or after
 * MAX_BATCH dispatches; pipelines cached by kernel key; uniforms of a batch packed into one buffer;
 * storage buffers pooled by size class.
 */
export class WebGPUBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly pool: BufferPool;
  private readonly readbackPool: BufferPool;
  private readonly pipelines = new Map<string, CachedPipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private batched = 0;
  private readonly uniformData = new Uint8Array(UNIFORM_BYTES);
  private uniformUsed = 0;
  private readonly uniformBuffer: GPUBuffer;
  /** Device errors since the last readback; the next readback throws them rather than return stale data. */
  private errors: string[] = [];
  private deferred: DeferredCheck[] = [];
  /**
   * Stream calls made while an async task holds the command stream (`hold`), in call order; null when none
   * holds it. `owning` is true while the holder's own sections or the replay run.
   */
  private waiting: (() => void)[] | null = null;
  private holding = false;
  private owning = false;
  private idleWaiters: (() => void)[] = [];
  /** Counters for benchmarks and tests. */
  readonly stats = { dispatches: 0, submits: 0, pipelines: 0 };
  /** Set while `profile()` runs. */
  recorder: DispatchRecorder | null = null;
  private timedPass = false;
  /**
   * Whether the adapter is a CPU driver (SwiftShader, llvmpipe): it runs invocations 4 lanes at a time, one
   * workgroup per core, and turns every runtime-indexed load into a per-lane gather, so kernels choose other
   * launch shapes there (matmul tiles, eigh's Jacobi runs).
   */
  readonly cpuDriver: boolean;
  /** The largest storage buffer the device can make and bind: min(maxBufferSize, maxStorageBufferBindingSize). */
  readonly maxBufferBytes: number;
  /** Why the device was lost ("destroyed: …"); null while it lives. Every later call throws it. */
  lost: string | null = null;
  /** Error scopes around buffer creations not yet resolved, and the errors they found (see `createBuffer`). */
  private allocScopes: Promise<void>[] = [];
  private allocErrors: WebgradError[] = [];

  constructor(
    readonly device: GPUDevice,
    readonly adapter: string,
  ) {
    this.cpuDriver = /swiftshader|llvmpipe|lavapipe|software/i.test(adapter);
    const { maxBufferSize, maxStorageBufferBindingSize } = device.limits;
    this.maxBufferBytes = Math.min(maxBufferSize, maxStorageBufferBindingSize);
    const create = (size: number, usage: number): GPUBuffer => this.createBuffer(size, usage);
    this.pool = new BufferPool(create, undefined, this.maxBufferBytes);
    this.readbackPool = new BufferPool(create, Usage.MAP_READ | Usage.COPY_DST, maxBufferSize);
    void device.lost.then((info) => {
      this.lost = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
    });
    this.uniformBuffer = device.createBuffer({ size: UNIFORM_BYTES, usage: Usage.UNIFORM | Usage.COPY_DST });
    device.addEventListener?.('uncapturederror', (e) => {
      this.errors.push((e as GPUUncapturedErrorEvent).error.message);
    });
  }

  upload(data: Float32Array): GpuStorage {
    this.checkAllocation(data.length);
    const buffer = this.pool.acquire(Math.max(4, data.byteLength), true);
    if (data.byteLength > 0) this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return new Storage(this, buffer, data.length);
  }

  alloc(size: number): GpuStorage {
    this.checkAllocation(size);
    return new Storage(this, this.pool.acquire(Math.max(4, size * 4)), size);
  }

  free(storage: Storage): void {
    this.pool.release(storage.payload as GPUBuffer);
  }

  /** Throws at the call when the device is lost or `size` float32s exceed the largest storage buffer. */
  checkAllocation(size: number): void {
    this.checkAlive();
    const bytes = size * 4;
    if (bytes <= this.maxBufferBytes) return;
    const { maxBufferSize, maxStorageBufferBindingSize } = this.device.limits;
    throw new WebgradError(
      opInProgress(),
      `a tensor of ${size} elements needs ${bytes} bytes (${gib(bytes)}), more than this adapter's largest storage buffer: ` +
        `${this.maxBufferBytes} bytes (${gib(this.maxBufferBytes)}; maxBufferSize ${maxBufferSize}, ` +
        `maxStorageBufferBindingSize ${maxStorageBufferBindingSize})`,
    );
  }

  /** Throws when the device was lost: nothing made on it can run or be read any more. */
  checkAlive(op = opInProgress()): void {
    if (this.lost !== null) throw new WebgradError(op, `the WebGPU device was lost (${this.lost}): call init() again`);
  }

  /**
   * Makes a buffer inside error scopes. Out-of-memory is only known once the scope resolves: the error,
   * naming the op that allocated, is thrown by the next readback (`read`, `sync`), before anything is mapped.
   */
  createBuffer(size: number, usage: number): GPUBuffer {
    const op = opInProgress();
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    const buffer = this.device.createBuffer({ size, usage });
    const validation = this.device.popErrorScope();
    const oom = this.device.popErrorScope();
    // Long runs without a readback: fold the pending scopes into one promise now and then.
    if (this.allocScopes.length >= 256) this.allocScopes = [Promise.all(this.allocScopes).then(() => undefined)];
    this.allocScopes.push(
      Promise.all([oom, validation]).then(([o, v]) => {
        const e = o ?? v;
        if (!e) return;
        this.pool.broken.add(buffer);
        this.readbackPool.broken.add(buffer);
        const what = o ? 'out of memory' : 'a validation error';
        this.allocErrors.push(new WebgradError(op, `creating a buffer of ${size} bytes (${gib(size)}) failed with ${what}: ${e.message}`));
      }),
    );
    return buffer;
  }

  /** Throws the first failed buffer creation since the last readback; the open batch, which uses it, is dropped. */
  private async throwAllocationErrors(): Promise<void> {
    if (this.allocScopes.length === 0) return;
    const scopes = this.allocScopes;
    this.allocScopes = [];
    await Promise.all(scopes);
    const [first] = this.allocErrors;
    if (!first) return;
    this.allocErrors = [];
    this.pass = null;
    this.encoder = null;
    this.uniformUsed = 0;
    this.batched = 0;
    this.errors = []; // what followed from the failed buffer
    throw first;
  }

  async read(storage: Storage, size: number): Promise<Float32Array> {
    this.checkAlive('data');
    await this.idle();
    await this.throwAllocationErrors();
    this.checkAlive('data');
    if (size === 0) return new Float32Array(0);
    const bytes = size * 4;
    // Deferred status words travel in the same copy-and-map as the data.
    const checks = this.deferred;
    this.deferred = [];
    const total = checks.reduce((sum, c) => sum + c.words * 4, bytes);
    const staging = this.readbackPool.acquire(total);
    this.endPass();
    const encoder = this.encoderNow();
    encoder.copyBufferToBuffer(storage.payload as GPUBuffer, 0, staging, 0, bytes);
    let offset = bytes;
    for (const c of checks) {
      encoder.copyBufferToBuffer(c.buffer, 0, staging, offset, c.words * 4);
      offset += c.words * 4;
    }
    this.flush();
    await this.mapOrLost(staging, total);
    const mapped = staging.getMappedRange(0, total);
    const out = new Float32Array(mapped.slice(0, bytes));
    const words = new Uint32Array(mapped.slice(bytes));
    staging.unmap();
    this.readbackPool.release(staging);
    this.readbackPool.afterSubmit();
    let error: Error | null = null;
    offset = 0;
    for (const c of checks) {
      error ??= c.check(words.subarray(offset, offset + c.words));
      offset += c.words;
      c.release?.();
    }
    this.throwDeviceErrors();
    if (error) throw error;
    return out;
  }

  /**
   * Status words an op's kernels write (e.g. "the input held NaN"), checked at the next readback without a
   * readback of their own: `read()` copies them in the same submit and, once mapped, throws the first
   * error `check` returns (which may also just warn and return null). `release` runs after the check.
   */
  deferCheck(buffer: GPUBuffer, words: number, check: (words: Uint32Array) => Error | null, release?: () => void): void {
    this.deferred.push({ buffer, words, check, release });
  }

  /** The compiled pipeline of a kernel (cached by key) and its explicit bind group layout. */
  pipeline(kernel: GpuKernel): CachedPipeline {
    let hit = this.pipelines.get(kernel.key);
    if (hit) return hit;
    const entries: GPUBindGroupLayoutEntry[] = [];
    let binding = 0;
    const visibility = 0x4; // GPUShaderStage.COMPUTE
    if (kernel.uniform) entries.push({ binding: binding++, visibility, buffer: { type: 'uniform', hasDynamicOffset: true } });
    for (let i = 0; i < kernel.inputs; i++) entries.push({ binding: binding++, visibility, buffer: { type: 'read-only-storage' } });
    for (let i = 0; i < kernel.outputs; i++) entries.push({ binding: binding++, visibility, buffer: { type: 'storage' } });
    const layout = this.device.createBindGroupLayout({ entries });
    const module = this.device.createShaderModule({ code: kernel.code, label: kernel.key });
    const pipeline = this.device.createComputePipeline({
      label: kernel.key,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: kernel.entry ?? 'main' },
    });
    hit = { pipeline, layout, groups: new Map() };
    this.pipelines.set(kernel.key, hit);
    this.stats.pipelines++;
    return hit;
  }

  /**
   * A bind group following the kernel's binding convention; `uniform` may be a buffer the caller owns. The
   * uniform's offset is dynamic: `encode` adds its `uniformOffset` (0 unless given) to the binding's.
   */
  bindGroup(kernel: GpuKernel, buffers: readonly GPUBuffer[], uniform?: GPUBufferBinding): GPUBindGroup {
    if (buffers.length !== kernel.inputs + kernel.outputs) {
      throw new Error(`${kernel.key}: expected ${kernel.inputs + kernel.outputs} buffers, got ${buffers.length}`);
    }
    const entries: GPUBindGroupEntry[] = [];
    let binding = 0;
    if (kernel.uniform) {
      if (!uniform) throw new Error(`${kernel.key}: missing uniform`);
      entries.push({ binding: binding++, resource: uniform });
    }
    for (const buffer of buffers) entries.push({ binding: binding++, resource: { buffer } });
    return this.device.createBindGroup({ layout: this.pipeline(kernel).layout, entries });
  }

  /** Packs uniform data into this batch's uniform buffer; returns its binding. */
  uniform(data: ArrayBufferView): GPUBufferBinding {
    const offset = this.packUniform(data);
    return { buffer: this.uniformBuffer, offset, size: uniformSize(data.byteLength) };
  }

  /** Copies uniform data into this batch's uniform buffer (flushing first when full); returns its offset. */
  private packUniform(data: ArrayBufferView): number {
    const bytes = data.byteLength;
    if (this.uniformUsed + bytes > UNIFORM_BYTES) this.flush();
    const offset = this.uniformUsed;
    this.uniformData.set(new Uint8Array(data.buffer, data.byteOffset, bytes), offset);
    this.uniformUsed = Math.ceil((offset + bytes) / UNIFORM_ALIGN) * UNIFORM_ALIGN;
    return offset;
  }

  /** `run`'s bind group over `buffers` with this batch's uniform buffer at dynamic offsets (cached). */
  private cachedBindGroup(kernel: GpuKernel, buffers: readonly GPUBuffer[], uniformBytes: number): GPUBindGroup {
    const groups = this.pipeline(kernel).groups;
    let key = String(uniformBytes);
    for (const b of buffers) key += `,${bufferId(b)}`;
    let group = groups.get(key);
    if (!group) {
      if (groups.size >= MAX_BIND_GROUPS) groups.clear();
      const uniform = kernel.uniform ? { buffer: this.uniformBuffer, offset: 0, size: uniformSize(uniformBytes) } : undefined;
      group = this.bindGroup(kernel, buffers, uniform);
      groups.set(key, group);
    }
    return group;
  }

  /**
   * Lets an async task own the command stream across its awaits: eigh encodes its Jacobi steps in chunks
   * and reads a convergence flag back between them (src/ops/eigh/jacobi.ts). Stream calls from elsewhere
   * (dispatches, copies, flushes, other holds) wait in call order and replay when the task ends; reads and
   * `sync` wait for that too. `own(f)` runs f with the stream: the task's sections between its awaits. A
   * task's error surfaces at the next readback, like a device error.
   */
  hold(task: (own: <T>(f: () => T) => T) => Promise<void>): void {
    if (this.mustWait(() => this.hold(task))) return;
    this.waiting ??= [];
    this.holding = true;
    const op = currentOp(); // the task's later sections allocate as part of the op that started it
    const own = <T>(f: () => T): T => {
      const was = this.owning;
      this.owning = true;
      try {
        return op === null ? f() : duringOp(op, f);
      } finally {
        this.owning = was;
      }
    };
    let done: Promise<void>;
    try {
      done = task(own);
    } catch (e) {
      done = Promise.reject(e);
    }
    done.then(
      () => this.release(),
      (e: unknown) => {
        this.errors.push(e instanceof Error ? e.message : String(e));
        this.release();
      },
    );
  }

  /** Runs `call` in stream order: now, or after the calls that wait behind a task holding the stream. */
  inOrder(call: () => void): void {
    if (!this.mustWait(call)) call();
  }

  /** Resolves once no task holds the stream and the calls that waited have replayed. */
  async idle(): Promise<void> {
    while (this.waiting) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Queues a stream call while another task holds the stream; false when the call may run now. */
  private mustWait(call: () => void): boolean {
    if (this.waiting === null || this.owning) return false;
    this.waiting.push(call);
    return true;
  }

  /** The holder is done: replay the waiting calls in order, until one of them holds the stream again. */
  private release(): void {
    this.holding = false;
    const queue = this.waiting!;
    while (queue.length > 0 && !this.holding) {
      const call = queue.shift()!;
      this.owning = true;
      try {
        call();
      } catch (e) {
        this.errors.push(e instanceof Error ? e.message : String(e));
      } finally {
        this.owning = false;
      }
    }
    if (this.holding) return;
    this.waiting = null;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Records one dispatch of `kernel` over `buffers` (inputs then outputs). */
  run(kernel: GpuKernel, buffers: readonly GPUBuffer[], uniforms: ArrayBufferView | null, workgroups: readonly number[]): void {
    if (this.waiting !== null && !this.owning) {
      // Copies now: the caller may reuse its arrays before the call replays.
      const [u, bs, wg] = [
        uniforms && new Uint8Array(uniforms.buffer.slice(uniforms.byteOffset, uniforms.byteOffset + uniforms.byteLength)),
        buffers.slice(),
        workgroups.slice(),
      ];
      this.waiting.push(() => this.run(kernel, bs, u, wg));
      return;
    }
    this.checkAlive();
    if (kernel.uniform && !uniforms) throw new Error(`${kernel.key}: missing uniform`);
    const offset = uniforms && kernel.uniform ? this.packUniform(uniforms) : 0;
    this.encode(kernel, this.cachedBindGroup(kernel, buffers, uniforms?.byteLength ?? 0), workgroups, offset);
  }

  /** Records a dispatch with a prepared bind group (hot loops reuse theirs); `uniformOffset` is added to its uniform's. */
  encode(kernel: GpuKernel, bindGroup: GPUBindGroup, workgroups: readonly number[], uniformOffset = 0): void {
    if (this.waiting !== null && !this.owning) {
      const wg = workgroups.slice();
      this.waiting.push(() => this.encode(kernel, bindGroup, wg, uniformOffset));
      return;
    }
    const pass = this.passFor(kernel);
    this.setState(pass, kernel, bindGroup, uniformOffset);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1);
    this.afterDispatch();
  }

  /** Records a dispatch whose workgroup counts the GPU itself wrote (convergence-driven loops). */
  encodeIndirect(kernel: GpuKernel, bindGroup: GPUBindGroup, indirect: GPUBuffer, offset = 0): void {
    if (this.waiting !== null && this.mustWait(() => this.encodeIndirect(kernel, bindGroup, indirect, offset))) return;
    const pass = this.passFor(kernel);
    this.setState(pass, kernel, bindGroup, 0);
    pass.dispatchWorkgroupsIndirect(indirect, offset);
    this.afterDispatch();
  }

  /** Records a buffer copy in stream order. */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number, srcOffset = 0, dstOffset = 0): void {
    if (this.mustWait(() => this.copy(src, dst, bytes, srcOffset, dstOffset))) return;
    this.endPass();
    this.encoderNow().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (this.mustWait(() => this.flush())) return;
    this.endPass();
    if (!this.encoder) return;
    this.recorder?.beforeSubmit(this.encoder);
    if (this.uniformUsed > 0) this.device.queue.writeBuffer(this.uniformBuffer, 0, this.uniformData, 0, this.uniformUsed);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.uniformUsed = 0;
    this.batched = 0;
    this.stats.submits++;
    // While a task holds the stream, buffers freed meanwhile may still be read by the calls that wait.
    if (this.waiting === null) this.pool.afterSubmit();
  }

  /** Maps `staging` for reading; when that fails because the device was lost, says so. */
  private async mapOrLost(staging: GPUBuffer, bytes: number): Promise<void> {
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, bytes);
    } catch (e) {
      // device.lost resolves a moment after a map fails on a destroyed device.
      await Promise.race([this.device.lost, new Promise((resolve) => setTimeout(resolve, 200))]);
      this.checkAlive('data');
      throw e;
    }
  }

  /** Resolves when the GPU has finished everything submitted (benchmarks). */
  async sync(): Promise<void> {
    this.checkAlive('sync');
    await this.idle();
    await this.throwAllocationErrors();
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.checkAlive('sync');
    this.throwDeviceErrors();
  }

  /** Surfaces WebGPU validation errors (a webgrad bug, never user input: ops check that first). */
  throwDeviceErrors(): void {
    if (this.errors.length === 0) return;
    const msg = this.errors.join('\n');
    this.errors = [];
    throw new Error(`webgrad (webgpu): device error: ${msg}`);
  }

  /** Sets the pipeline and bind group of the next dispatch, skipping what the open pass has set already. */
  private setState(pass: GPUComputePassEncoder, kernel: GpuKernel, bindGroup: GPUBindGroup, uniformOffset: number): void {
    const pipeline = this.pipeline(kernel).pipeline;
    if (pipeline !== this.passPipeline) pass.setPipeline((this.passPipeline = pipeline));
    if (bindGroup === this.passGroup && uniformOffset === this.passOffset) return;
    this.passGroup = bindGroup;
    this.passOffset = uniformOffset;
    if (kernel.uniform) {
      this.dynamicOffset[0] = uniformOffset;
      pass.setBindGroup(0, bindGroup, this.dynamicOffset, 0, 1);
    } else {
      pass.setBindGroup(0, bindGroup);
    }
  }
  private readonly dynamicOffset = new Uint32Array(1);
  private passPipeline: GPUComputePipeline | null = null;
  private passGroup: GPUBindGroup | null = null;
  private passOffset = 0;

  /** The open compute pass; while a profile times dispatches, a timed pass of the dispatch's own. */
  private passFor(kernel: GpuKernel): GPUComputePassEncoder {
    if (!this.recorder) return this.passNow();
    const timestampWrites = this.recorder.dispatch(kernel.key);
    if (!timestampWrites) return this.passNow();
    this.endPass();
    this.timedPass = true;
    return (this.pass = this.encoderNow().beginComputePass({ timestampWrites }));
  }

  private afterDispatch(): void {
    if (this.timedPass) this.endPass(); // a timed pass holds one dispatch
    this.stats.dispatches++;
    if (++this.batched >= MAX_BATCH) this.flush();
  }

  private encoderNow(): GPUCommandEncoder {
    return (this.encoder ??= this.device.createCommandEncoder());
  }

  private passNow(): GPUComputePassEncoder {
    return (this.pass ??= this.encoderNow().beginComputePass());
  }

  private endPass(): void {
    this.timedPass = false;
    this.passPipeline = null;
    this.passGroup = null;
    this.pass?.end();
    this.pass = null;
  }
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
