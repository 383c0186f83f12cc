// Storage buffers pooled by size class. A buffer freed while the open command batch may still use it is
// parked until that batch is submitted: queue.writeBuffer runs before unsubmitted commands, so handing it
// out earlier could let an upload overwrite data a recorded dispatch has yet to read.

/** GPUBufferUsage flags as numbers: in Node the GPU* globals only exist once Dawn is loaded. */
export const Usage = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80, INDIRECT: 0x100 } as const;

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
  private parked: GPUBuffer[] = [];
  /** Bytes held by buffers the pool has made (in use + free). */
  pooledBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage = USAGE,
  ) {}

  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const hit = this.free.get(size)?.pop();
    if (hit) return hit;
    this.pooledBytes += size;
    return this.device.createBuffer({ size, usage: this.usage });
  }

  /** Back to the pool once the current batch is submitted. */
  release(buffer: GPUBuffer): void {
    this.parked.push(buffer);
  }

  /** Called right after a submit: parked buffers become reusable. */
  afterSubmit(): void {
    for (const b of this.parked) {
      const list = this.free.get(b.size) ?? [];
      list.push(b);
      this.free.set(b.size, list);
    }
    this.parked = [];
  }

  /** Destroys idle buffers (memory pressure or shutdown). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) {
      this.pooledBytes -= b.size;
      b.destroy();
    }
    this.free.clear();
  }
}
