import { Backend, Storage } from './backend';
import { opInProgress } from './opContext';
import { WebgradError } from '../shape';

export type FloatArray = Float32Array | Float64Array;

/** V8's longest typed array (elements); other engines' limits surface from `array()` instead. */
const MAX_ARRAY_LENGTH = 2 ** 32;

/**
 * The CPU reference backend: storage is a typed array; kernels are plain TypeScript in src/ops. The public
 * backend stores float32 like the GPU; `gradcheck` uses a float64 instance so finite differences are clean.
 */
export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  readonly adapter: string;

  constructor(readonly precision: 'float32' | 'float64') {
    this.adapter = precision === 'float32' ? 'CPU (TypeScript reference kernels)' : 'CPU float64 (TypeScript reference kernels)';
  }

  checkAllocation(size: number): void {
    if (size <= MAX_ARRAY_LENGTH) return;
    const bytes = size * (this.precision === 'float32' ? 4 : 8);
    throw new WebgradError(
      opInProgress(),
      `a tensor of ${size} elements needs ${bytes} bytes, more than a JavaScript typed array holds (${MAX_ARRAY_LENGTH} elements)`,
    );
  }

  /** A zeroed array of `size` elements; a WebgradError naming the op when JavaScript cannot allocate it. */
  array(size: number): FloatArray {
    try {
      return this.precision === 'float32' ? new Float32Array(size) : new Float64Array(size);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      const bytes = size * (this.precision === 'float32' ? 4 : 8);
      throw new WebgradError(
        opInProgress(),
        `a tensor of ${size} elements needs ${bytes} bytes, more than this JavaScript engine can allocate (${e.message})`,
      );
    }
  }

  upload(data: ArrayLike<number>): Storage<FloatArray> {
    const a = this.array(data.length);
    a.set(data);
    return new Storage(this, a, data.length);
  }

  alloc(size: number): Storage<FloatArray> {
    return new Storage(this, this.array(size), size);
  }

  async read(storage: Storage, size: number): Promise<Float32Array> {
    return Float32Array.from((storage.payload as FloatArray).subarray(0, size));
  }

  free(): void {
    // Garbage collection reclaims the array.
  }
}

export const cpuBackend = new CpuBackend('float32');
/** The float64 reference: `gradcheck`'s finite differences, and `init({ backend: 'cpu', precision: 'float64' })`. */
export const cpu64Backend = new CpuBackend('float64');
