// linear(x, W, b) = x·Wᵀ + b with torch's weight layout W: [out, in]. The product primitive reads W
// transposed in the matmul kernel (no transposed copy); its VJP (dX = dY·W, dW = dYᵀ·X) and JVP reuse the
// same kernel at every order, and the bias gradient is the broadcast add's sum over the batch.
import { add } from '../../ops/elementwise';
import { product } from '../../ops/matmul';
import { reshape } from '../../ops/shape';
import { fmt, WebgradError } from '../../shape';
import { assertUsable, Tensor } from '../../tensor';

const linearNoBias = (x2: Tensor, w: Tensor): Tensor => product(x2, w, false, true);

/**
 * x·Wᵀ + b over the last dim of `x` ([..., in]), with `weight` [out, in] and `bias` [out] (optional), like
 * `torch.nn.functional.linear`.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const op = 'linear';
  if (!(x instanceof Tensor) || !(weight instanceof Tensor)) throw new WebgradError(op, 'expects Tensors for the input and the weight');
  assertUsable(op, x, weight, ...(bias ? [bias] : []));
  if (weight.ndim !== 2) throw new WebgradError(op, `weight must be 2-D [out, in], got ${fmt(weight.shape)}`);
  const [outF, inF] = weight.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new WebgradError(op, `input of shape ${fmt(x.shape)} does not fit weight ${fmt(weight.shape)}: the last dim must be ${inF}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outF)) throw new WebgradError(op, `bias must have shape [${outF}], got ${fmt(bias.shape)}`);
  const lead = x.shape.slice(0, -1);
  const x2 = x.ndim === 2 ? x : reshape(x, [-1, inF]);
  let y = linearNoBias(x2, weight);
  if (x2 !== x) x2.dispose();
  if (bias) {
    const yb = add(y, bias);
    y.dispose();
    y = yb;
  }
  if (x.ndim === 2) return y;
  const out = reshape(y, [...lead, outF]);
  y.dispose();
  return out;
}
