// The one interface both backends implement. Kernels live with their ops (src/ops/*): a backend only owns
// memory (storage, upload, readback); the WebGPU backend also owns dispatch (pipelines, batching, uniforms).

/** The two backends: the CPU reference and WebGPU. */
export type BackendName = 'cpu' | 'webgpu';

/** A backend: owns tensor storage (upload, readback); WebGPU's also dispatches kernels. */
export interface Backend {
  /** Which backend this is. */
  readonly name: BackendName;
  /** Human-readable adapter description ("SwiftShader (google, swiftshader)", "CPU (float64 reference)"). */
  readonly adapter: string;
  /** A storage holding a copy of `data`. */
  upload(data: Float32Array): Storage;
  /** Uninitialised storage of `size` float32 elements (kernels overwrite it). */
  alloc(size: number): Storage;
  /** Throws a WebgradError naming the op in progress when `size` elements cannot be allocated (or the device is gone). */
  checkAllocation(size: number): void;
  /** Copy of the first `size` elements; the only way data leaves the device. */
  read(storage: Storage, size: number): Promise<Float32Array>;
  /** Return the payload to the backend (pool); called when the last reference goes. */
  free(storage: Storage): void;
}

/** Live storages and their bytes (4 per element), for `memory()`. */
export const storageStats = { storages: 0, bytes: 0 };

/** Reference-counted device memory: views (reshape, detach) and saved-for-backward handles share one storage. */
export class Storage<P = unknown> {
  refs = 1;
  constructor(
    readonly backend: Backend,
    readonly payload: P,
    /** Capacity in elements. */
    readonly size: number,
  ) {
    storageStats.storages++;
    storageStats.bytes += size * 4;
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs > 0) return;
    storageStats.storages--;
    storageStats.bytes -= this.size * 4;
    this.backend.free(this);
  }
}
