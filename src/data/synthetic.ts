// Synthetic 2-D classification sets, generated on the host from a seed (identical on every backend):
// spiral arms, concentric circles, XOR quadrants and Gaussian blobs. Features are float32 [n, 2], labels
// float32 class indices [n].
import { mulberry32 } from '../ops/creation';
import { WebgradError } from '../shape';

/** Labelled 2-D points for classification. */
export interface Dataset2D {
  /** Row-major [n, 2] points. */
  x: Float32Array;
  /** Class index of each point. */
  y: Float32Array;
  /** Number of points. */
  n: number;
  /** Number of classes. */
  classes: number;
}

/** Options of the synthetic 2-D sets. */
export interface SyntheticOptions {
  /** Points in all (split evenly between classes). Default 300. */
  n?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate. */
  noise?: number;
  /** Seed of the generator (the same seed gives the same points). */
  seed?: number;
}

function gaussian(next: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

function build(
  op: string,
  n: number,
  classes: number,
  seed: number,
  point: (i: number, label: number, t: number, normal: () => number, next: () => number) => [number, number],
): Dataset2D {
  if (!Number.isInteger(n) || n <= 0) throw new WebgradError(op, `n must be a positive integer, got ${n}`);
  const next = mulberry32(seed);
  const normal = gaussian(next);
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  const per = Math.ceil(n / classes);
  for (let i = 0; i < n; i++) {
    const label = Math.floor(i / per);
    const t = (i % per) / Math.max(1, per - 1);
    const [a, b] = point(i, label, t, normal, next);
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = label;
  }
  return { x, y, n, classes };
}

/** `classes` interleaved spiral arms (the classic CS231n set): radius t, angle 4t + arm·2π/classes, plus noise. */
export function spiral(options: SyntheticOptions & { classes?: number } = {}): Dataset2D {
  const { n = 300, noise = 0.2, seed = 1, classes = 3 } = options;
  return build('data.spiral', n, classes, seed, (_i, k, t, normal) => {
    const r = t;
    const th = k * ((2 * Math.PI) / classes) + 4 * t + normal() * noise;
    return [r * Math.sin(th), r * Math.cos(th)];
  });
}

/** Two concentric circles (radius 1 and `factor`), labels 0 (outer) and 1 (inner), like sklearn's make_circles. */
export function circles(options: SyntheticOptions & { factor?: number } = {}): Dataset2D {
  const { n = 300, noise = 0.05, seed = 1, factor = 0.5 } = options;
  return build('data.circles', n, 2, seed, (_i, k, _t, normal, next) => {
    const th = 2 * Math.PI * next();
    const r = k === 0 ? 1 : factor;
    return [r * Math.cos(th) + noise * normal(), r * Math.sin(th) + noise * normal()];
  });
}

/** Points uniform in [−1, 1]², labelled 1 where x·y < 0 (the XOR quadrants), with noise on the inputs. */
export function xor(options: SyntheticOptions = {}): Dataset2D {
  const { n = 300, noise = 0.05, seed = 1 } = options;
  const d = build('data.xor', n, 2, seed, (_i, _k, _t, normal, next) => [2 * next() - 1 + noise * normal(), 2 * next() - 1 + noise * normal()]);
  for (let i = 0; i < n; i++) d.y[i] = d.x[2 * i] * d.x[2 * i + 1] < 0 ? 1 : 0;
  return d;
}

/** `classes` Gaussian blobs with centres evenly on a circle of radius 1, spread `noise`. */
export function blobs(options: SyntheticOptions & { classes?: number } = {}): Dataset2D {
  const { n = 300, noise = 0.25, seed = 1, classes = 3 } = options;
  return build('data.blobs', n, classes, seed, (_i, k, _t, normal) => {
    const th = (2 * Math.PI * k) / classes;
    return [Math.cos(th) + noise * normal(), Math.sin(th) + noise * normal()];
  });
}
