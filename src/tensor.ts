import { Backend, Storage, storageStats } from './backend/backend';
import { GradNode, releaseNode } from './autograd/node';
import { getWebGPUBackend } from './runtime';
import { Shape, sizeOf, WebgradError } from './shape';

/** A number or nested arrays of numbers (rectangular), as `tensor()` takes and `array()` returns. */
export type NestedArray = number | NestedArray[];

// ---- scopes for tidy() -------------------------------------------------------------------------------

const scopes: Set<Tensor>[] = [];
let liveTensors = 0;
let nextId = 0;

// Tensors dropped without dispose() give their storage back when collected (a safety net, not the plan).
const collector = new FinalizationRegistry<Storage>((storage) => {
  liveTensors--;
  storage.release();
});

/**
 * A float32, contiguous, row-major tensor on one backend. Ops are methods (x.add(y)) and free functions
 * (add(x, y)); each op module adds its methods to this class.
 */
export class Tensor {
  /** A process-unique number (named in error messages). */
  readonly id = nextId++;
  /** Size of each dim, outermost first. */
  readonly shape: readonly number[];
  /** Number of elements. */
  readonly size: number;
  /** The backend holding the storage. */
  readonly backend: Backend;
  /** Accumulated gradient of a leaf after `backward()`. */
  grad: Tensor | null = null;
  private _node: GradNode | null = null;
  /** Whether this tensor counts as a user of its node (tape-held handles do not: see releaseNode). */
  private _counted = true;
  /** Which output of `node` this is (ops like eigh have several). */
  outputIndex = 0;
  /** Forward-mode tangents by dual level id (see autograd/forward.ts); null when there are none. */
  tangents: Map<number, Tensor> | null = null;
  /** For a saved handle: the tensor it stands for (gradients asked for that tensor collect here too). */
  origin: Tensor | null = null;
  private _requiresGrad: boolean;
  private _storage: Storage | null;

  constructor(storage: Storage, shape: Shape, requiresGrad = false, tracked = true) {
    this._storage = storage;
    this.backend = storage.backend;
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    this._requiresGrad = requiresGrad;
    liveTensors++;
    collector.register(this, storage, this);
    if (tracked) scopes[scopes.length - 1]?.add(this);
  }

  /**
   * The op that produced this tensor when it was recorded for autograd; null for leaves.
   * @internal
   */
  get node(): GradNode | null {
    return this._node;
  }

  /** @internal */
  set node(node: GradNode | null) {
    if (node && this._counted) node.users++;
    if (this._node && this._storage && this._counted) releaseNode(this._node);
    this._node = node;
  }

  /** Number of dims. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Whether backward computes a gradient for this tensor (settable on leaves only). */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  /** Makes a leaf require grad (or not); throws for tensors produced by a recorded op. */
  set requiresGrad(v: boolean) {
    if (v && this.node) throw new WebgradError('requiresGrad', 'only leaf tensors can be set to require grad; use detach() first');
    this._requiresGrad = v;
  }

  /** In-place `requiresGrad = flag`, returning this (like torch's `requires_grad_()`). */
  requiresGrad_(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }

  /** True for tensors not produced by a recorded op. */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /** Whether `dispose()` has freed this tensor. */
  get isDisposed(): boolean {
    return this._storage === null;
  }

  /**
   * The storage; throws naming `op` if the tensor was disposed.
   * @internal
   */
  storageFor(op: string): Storage {
    if (!this._storage) throw new WebgradError(op, `tensor #${this.id} of shape [${this.shape.join(', ')}] was disposed`);
    return this._storage;
  }

  /** Frees the storage now (it returns to the pool once no view or saved-for-backward handle needs it). */
  dispose(): void {
    if (!this._storage) return;
    collector.unregister(this);
    liveTensors--;
    this._storage.release();
    this._storage = null;
    this.grad?.dispose();
    this.grad = null;
    this.tangents?.forEach((t) => t.dispose());
    this.tangents = null;
    // The node stays readable (nodes downstream route gradients through this tensor); it loses a user.
    if (this._node && this._counted) releaseNode(this._node);
  }

  /**
   * Makes this tensor hold `value`'s data (same shape and backend), keeping its identity, requiresGrad
   * and .grad: the optimizer step of a training loop. Storage is rebound, not overwritten, so graphs
   * that saved the old values stay correct.
   */
  assign(value: Tensor): this {
    const next = value.storageFor('assign');
    const prev = this.storageFor('assign');
    if (value.backend !== this.backend || value.shape.length !== this.shape.length || value.shape.some((d, i) => d !== this.shape[i])) {
      throw new WebgradError(
        'assign',
        `value of shape [${value.shape.join(', ')}] on ${value.backend.name} does not match [${this.shape.join(', ')}] on ${this.backend.name}`,
      );
    }
    if (next === prev) return this;
    collector.unregister(this);
    this._storage = next.retain();
    collector.register(this, next, this);
    prev.release();
    return this;
  }

  /** A new tensor sharing this storage, outside the graph (like `torch.Tensor.detach`). */
  detach(): Tensor {
    return new Tensor(this.storageFor('detach').retain(), this.shape);
  }

  /** An internal handle sharing storage: used for views and for tensors saved for backward. */
  alias(shape: Shape = this.shape, tracked = true): Tensor {
    return new Tensor(this.storageFor('view').retain(), shape, false, tracked);
  }

  /**
   * An untracked handle on the same value for the tape or a tangent slot: it shares the storage, keeps the
   * graph position (node, output index, requiresGrad) so rules written in ops stay differentiable, and
   * carries the tangents along.
   */
  savedHandle(tracked = false, forTape = false): Tensor {
    const h = new Tensor(this.storageFor('saved tensor').retain(), this.shape, this._requiresGrad, tracked);
    if (forTape) {
      // Held by a node: its graph is reachable through that node's edges, so it keeps no node alive.
      h._counted = false;
      h._node = this._node;
    } else {
      h.node = this.node;
    }
    h.outputIndex = this.outputIndex;
    if (this._requiresGrad) h.origin = this.origin ?? this;
    copyTangents(this, h);
    return h;
  }

  /** Copies the data to the host. The only readback: call it when you need the numbers. */
  async data(): Promise<Float32Array> {
    const storage = this.storageFor('data');
    return storage.backend.read(storage, this.size);
  }

  /** The data as nested arrays of this shape (a number for 0-d tensors). */
  async array(): Promise<NestedArray> {
    const flat = await this.data();
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return flat[offset];
      const inner = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * inner));
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new WebgradError('item', `needs a tensor with one element, got shape [${this.shape.join(', ')}]`);
    const payload = this.storageFor('item').payload;
    // A float64 CPU tensor gives its full value; everything else reads back as float32.
    if (payload instanceof Float64Array) return payload[0];
    return (await this.data())[0];
  }

  /** Shape and backend, e.g. `Tensor(shape=[2, 3], backend=webgpu)`; values need an async readback (`data()`). */
  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], backend=${this.backend.name}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

/** Gives `to` its own handles on `from`'s forward-mode tangents (a detached copy that stays dual). */
export function copyTangents(from: Tensor, to: Tensor): void {
  if (from.tangents?.size) to.tangents = new Map([...from.tangents].map(([level, t]) => [level, t.savedHandle()]));
}

/** Throws naming `op` when any tensor was disposed or tensors mix backends. */
export function assertUsable(op: string, ...ts: Tensor[]): Backend {
  const backend = ts[0].backend;
  for (const t of ts) {
    t.storageFor(op);
    if (t.backend !== backend) {
      throw new WebgradError(op, `tensors live on different backends (${backend.name} and ${t.backend.name}); move one with toBackend()`);
    }
  }
  return backend;
}

// ---- memory ------------------------------------------------------------------------------------------

/** What `tidy` may return: tensors, plain values, and arrays or objects of them (the tensors inside are kept). */
export type TensorContainer = Tensor | void | undefined | null | number | string | boolean | TensorContainer[] | { [k: string]: TensorContainer };

function collect(result: unknown, out: Set<Tensor>): void {
  if (result instanceof Tensor) out.add(result);
  else if (Array.isArray(result)) for (const r of result) collect(r, out);
  else if (result && typeof result === 'object' && Object.getPrototypeOf(result) === Object.prototype) {
    for (const r of Object.values(result)) collect(r, out);
  }
}

/**
 * Runs `fn` and disposes every tensor created inside it except those it returns (in arrays or plain
 * objects too) and gradients accumulated into leaves. Synchronous, like `tf.tidy`. The graph of a
 * returned tensor stays differentiable: backward keeps its own handles on what it needs.
 */
export function tidy<T extends TensorContainer>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const keep = new Set<Tensor>();
  collect(result, keep);
  for (const t of scope) if (!keep.has(t)) t.dispose();
  // Returned tensors belong to the enclosing scope now.
  for (const t of keep) if (scope.has(t)) scopes[scopes.length - 1]?.add(t);
  return result;
}

/** Removes a tensor from the enclosing tidy scopes so it survives them (like `tf.keep`). */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

/** Live tensors and storage, from {@link memory}. */
export interface MemoryInfo {
  /** Live tensors (not disposed, not yet collected). */
  tensors: number;
  /** Bytes of live storage (shared storage counted once). */
  bytes: number;
  /** Bytes the WebGPU buffer pool holds from the device, in use or free (0 without WebGPU). */
  pooledBytes: number;
}

/** Live tensors, their bytes, and the bytes the WebGPU pool holds: for checking that loops do not leak. */
export function memory(): MemoryInfo {
  return { tensors: liveTensors, bytes: storageStats.bytes, pooledBytes: getWebGPUBackend()?.pool.pooledBytes ?? 0 };
}
