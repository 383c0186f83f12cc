// linear(x, W, b) = x·Wᵀ + b with torch's weight layout W: [out, in]. The product reads W transposed in
// the matmul kernel (no transposed copy); backward dX = dY·W and dW = dYᵀ·X reuse the same kernel, and
// the bias gradient is the broadcast add's sum over the batch.
import { record } from '../../autograd/record';
import { add } from '../../ops/elementwise';
import { plan, product } from '../../ops/matmul';
import { reshape } from '../../ops/shape';
import { fmt, WebgradError } from '../../shape';
import { assertUsable, Tensor } from '../../tensor';

function linearNoBias(x2: Tensor, w: Tensor): Tensor {
  const [rows, inF] = x2.shape;
  const outF = w.shape[0];
  const y = product(x2, w, plan([rows, inF], [outF, inF], false, true, [rows, outF]), [rows, outF]);
  return record('linear', [y], [x2, w], [x2, w], ([g], [xs, ws]) => [
    x2.requiresGrad ? product(g!, ws, plan([rows, outF], [outF, inF], false, false, [rows, inF]), [rows, inF]) : null,
    w.requiresGrad ? product(g!, xs, plan([rows, outF], [rows, inF], true, false, [outF, inF]), [outF, inF]) : null,
  ])[0];
}

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
