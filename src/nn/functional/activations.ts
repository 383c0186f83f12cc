// Activations beyond the core ops (GELU, SiLU: rows of the elementwise table), dropout and layer norm.
import { mulberry32, fromArray } from '../../ops/creation';
import { add, div, mul, relu, sigmoid, sqrt, sub, tanh, unary } from '../../ops/elementwise';
import { mean } from '../../ops/reduce';
import { fmt, sameShape, WebgradError } from '../../shape';
import { assertUsable, Tensor } from '../../tensor';

export { relu, sigmoid, tanh };

/** GELU, x·Φ(x) with the exact normal CDF (torch's default `approximate='none'`). */
export const gelu = (x: Tensor): Tensor => unary('gelu', x);

/** SiLU (swish), x·σ(x). */
export const silu = (x: Tensor): Tensor => unary('silu', x);

/** Options of `dropout`. */
export interface DropoutOptions {
  /** Probability of zeroing an element, in [0, 1). Default 0.5. */
  p?: number;
  /** Whether to drop at all (false: identity, as in eval mode). Default true. */
  training?: boolean;
  /** Seed of the mask (a host generator, so both backends drop the same elements). */
  seed?: number;
}

let dropoutSeed = 0x5eed;

/** Zeroes each element with probability p and scales the rest by 1/(1 − p) (inverted dropout, like torch). */
export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  const p = options.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new WebgradError('dropout', `p must be in [0, 1], got ${p}`);
  assertUsable('dropout', x);
  if (options.training === false || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const next = mulberry32(options.seed ?? (dropoutSeed = (Math.imul(dropoutSeed, 1664525) + 1013904223) >>> 0));
  const scale = 1 / (1 - p);
  const mask = fromArray(
    Float32Array.from({ length: x.size }, () => (next() < p ? 0 : scale)),
    x.shape,
    { backend: x.backend },
  );
  const y = mul(x, mask);
  mask.dispose();
  return y;
}

/**
 * Normalises over the trailing dims `normalizedShape` (biased variance, like torch.nn.functional.layer_norm),
 * then scales by `weight` and shifts by `bias` when given.
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const op = 'layerNorm';
  assertUsable(op, x, ...[weight, bias].filter((t): t is Tensor => !!t));
  const k = normalizedShape.length;
  if (k === 0 || k > x.ndim || !sameShape(x.shape.slice(x.ndim - k), normalizedShape)) {
    throw new WebgradError(op, `normalizedShape ${fmt(normalizedShape)} must be the trailing dims of the input ${fmt(x.shape)}`);
  }
  for (const [name, t] of [
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (t && !sameShape(t.shape, normalizedShape))
      throw new WebgradError(op, `${name} of shape ${fmt(t.shape)} must have shape ${fmt(normalizedShape)}`);
  }
  const axis = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  const temps: Tensor[] = [];
  const t = (v: Tensor): Tensor => {
    temps.push(v);
    return v;
  };
  const mu = t(mean(x, { axis, keepdim: true }));
  const centered = t(sub(x, mu));
  const variance = t(mean(t(mul(centered, centered)), { axis, keepdim: true }));
  const std = t(sqrt(t(add(variance, eps))));
  let y = div(centered, std);
  if (weight) y = t(y) && mul(y, weight);
  if (bias) y = t(y) && add(y, bias);
  temps.forEach((v) => v.dispose());
  return y;
}
