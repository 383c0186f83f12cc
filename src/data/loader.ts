// Mini-batches on the device: the whole dataset is uploaded once; each epoch a seeded permutation is
// uploaded (one small upload) and every batch is an indexSelect of features and labels by a slice of it.
import { noGrad } from '../autograd/node';
import { fromArray, mulberry32, TensorOptions } from '../ops/creation';
import { indexSelect, slice } from '../ops/indexing';
import { fmt, WebgradError } from '../shape';
import { Tensor } from '../tensor';

/** A seeded permutation of 0…n−1 (Fisher–Yates). */
export function permutation(n: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const p = Float32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Options of `DataLoader`. */
export interface LoaderOptions {
  /** Samples per batch. */
  batchSize: number;
  /** Reshuffle every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the first epoch's order; epoch e uses seed + e. */
  seed?: number;
  /** Drop the last, smaller batch (default false). */
  dropLast?: boolean;
}

/**
 * Batches of (features, labels) from tensors whose first dim indexes samples, like a torch DataLoader over
 * a TensorDataset. `for (const [x, y] of loader.epoch()) { … }`; each batch's tensors belong to the caller.
 */
export class DataLoader {
  /** Number of samples (the first dim of `x` and `y`). */
  readonly n: number;
  private epochs = 0;

  constructor(
    /** Features; the first dim indexes samples. */
    readonly x: Tensor,
    /** Labels; the first dim indexes samples. */
    readonly y: Tensor,
    /** Batch size, shuffling, seed and `dropLast`. */
    readonly options: LoaderOptions,
  ) {
    if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new WebgradError('data.DataLoader', 'expects feature and label Tensors');
    if (x.ndim === 0 || y.ndim === 0 || x.shape[0] !== y.shape[0]) {
      throw new WebgradError('data.DataLoader', `features ${fmt(x.shape)} and labels ${fmt(y.shape)} must have the same first dim`);
    }
    if (!Number.isInteger(options?.batchSize) || options.batchSize <= 0) {
      throw new WebgradError('data.DataLoader', `batchSize must be a positive integer, got ${options?.batchSize}`);
    }
    this.n = x.shape[0];
  }

  /** Batches per epoch. */
  get length(): number {
    const { batchSize, dropLast } = this.options;
    return dropLast ? Math.floor(this.n / batchSize) : Math.ceil(this.n / batchSize);
  }

  /** One pass over the data in a fresh seeded order (or in order without shuffle). */
  *epoch(): Generator<[Tensor, Tensor]> {
    const { batchSize, shuffle = true, seed = 0 } = this.options;
    const order = shuffle ? permutation(this.n, seed + this.epochs) : Float32Array.from({ length: this.n }, (_, i) => i);
    this.epochs++;
    const idx = fromArray(order, [this.n], { backend: this.x.backend });
    try {
      for (let b = 0; b < this.length; b++) {
        const batch = noGrad(() => {
          const part = slice(idx, 0, b * batchSize, Math.min(this.n, (b + 1) * batchSize));
          const out: [Tensor, Tensor] = [indexSelect(this.x, 0, part), indexSelect(this.y, 0, part)];
          part.dispose();
          return out;
        });
        yield batch;
      }
    } finally {
      idx.dispose();
    }
  }
}

/** Features [n, 2] and labels [n] of a 2-D set as tensors. */
export function toTensors(d: { x: Float32Array; y: Float32Array; n: number }, options: TensorOptions = {}): [Tensor, Tensor] {
  const features = d.x.length / d.n;
  return [fromArray(d.x, [d.n, features], options), fromArray(d.y, [d.n], options)];
}
