// Storage buffers pooled by size class. A buffer freed while the open command batch may still read it is
// at once reusable as a kernel output (dispatches are ordered on the GPU), but not as an upload target:
// queue.writeBuffer runs before the unsubmitted commands, so it could overwrite data they have yet to read.

/** GPUBufferUsage flags as numbers: in Node the GPU* globals only exist once Dawn is loaded. */
export const Usage = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80, INDIRECT: 0x100, QUERY_RESOLVE: 0x200 } as const;

const USAGE = Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST;

/** Round up to 1, 1.25, 1.5 or 1.75 × 2^k bytes (≤ 25 % waste), at least 256 bytes. */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const p = 2 ** Math.floor(Math.log2(bytes));
  const step = p / 4;
  return Math.ceil(bytes / step) * step;
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  /** Freed during the open batch: fine for kernel outputs, not for uploads. */
  private freedInBatch = new Set<GPUBuffer>();
  /** Buffers whose creation failed (out of memory): destroyed when released, never reused. */
  readonly broken = new WeakSet<GPUBuffer>();
  /** Bytes held by buffers the pool has made (in use + free). */
  pooledBytes = 0;

  constructor(
    /** Makes a buffer of `size` bytes with `usage` (the backend's, which checks for device errors). */
    private readonly create: (size: number, usage: number) => GPUBuffer,
    private readonly usage = USAGE,
    /** The largest buffer to make: a size class is clamped to it (a multiple of 4). */
    private readonly maxSize = Infinity,
  ) {}

  /** A buffer of at least `bytes`; `forUpload` skips buffers the open batch may still read. */
  acquire(bytes: number, forUpload = false): GPUBuffer {
    const size = Math.min(sizeClass(bytes), Math.floor(this.maxSize / 4) * 4);
    const list = this.free.get(size);
    if (list) {
      for (let i = list.length - 1; i >= 0; i--) {
        const b = list[i];
        if (forUpload && this.freedInBatch.has(b)) continue;
        list[i] = list[list.length - 1];
        list.pop();
        this.freedInBatch.delete(b);
        return b;
      }
    }
    this.pooledBytes += size;
    return this.create(size, this.usage);
  }

  release(buffer: GPUBuffer): void {
    if (this.broken.has(buffer)) {
      this.pooledBytes -= buffer.size;
      buffer.destroy();
      return;
    }
    const list = this.free.get(buffer.size) ?? [];
    list.push(buffer);
    this.free.set(buffer.size, list);
    this.freedInBatch.add(buffer);
  }

  /** Called right after a submit: every free buffer is safe to upload into again. */
  afterSubmit(): void {
    this.freedInBatch.clear();
  }

  /** Destroys idle buffers (memory pressure or shutdown). */
  trim(): void {
    for (const list of this.free.values())
      for (const b of list) {
        this.pooledBytes -= b.size;
        b.destroy();
      }
    this.free.clear();
    this.freedInBatch.clear();
  }
}
