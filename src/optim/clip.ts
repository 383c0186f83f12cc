// clipGradNorm: torch.nn.utils.clip_grad_norm_ on the device (no readback): the total 2-norm of all
// gradients, then every gradient scaled by min(1, maxNorm / (total + 1e-6)).
import { noGrad } from '../autograd/node';
import { add, clamp, div, mul, sqrt } from '../ops/elementwise';
import { sum } from '../ops/reduce';
import { stack } from '../ops/shape';
import { fromArray } from '../ops/creation';
import { WebgradError } from '../shape';
import { keep, Tensor } from '../tensor';

/**
 * Scales the gradients of `params` in place so that their total 2-norm is at most `maxNorm`; returns the
 * total norm before clipping (a 0-d tensor: read it only when needed). Parameters without a gradient are skipped.
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number): Tensor {
  const op = 'optim.clipGradNorm';
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new WebgradError(op, `maxNorm must be a number ≥ 0, got ${maxNorm}`);
  const list = [...params];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new WebgradError(op, `parameter ${i} is not a Tensor (${typeof p})`);
  });
  const withGrad = list.filter((p) => p.grad);
  if (withGrad.length === 0) return fromArray([0], [], { backend: list[0]?.backend }); // nothing to clip
  return noGrad(() => {
    const squares = withGrad.map((p) => {
      const sq = mul(p.grad!, p.grad!);
      const s = sum(sq);
      sq.dispose();
      return s;
    });
    const stacked = stack(squares);
    const total2 = sum(stacked);
    const total = sqrt(total2);
    const denom = add(total, 1e-6);
    const ratio = div(maxNorm, denom);
    const coef = clamp(ratio, -Infinity, 1);
    for (const p of withGrad) {
      const scaled = mul(p.grad!, coef);
      p.grad!.dispose();
      p.grad = keep(scaled); // like backward's gradients, outside any tidy()
    }
    [...squares, stacked, total2, denom, ratio, coef].forEach((t) => t.dispose());
    return total;
  });
}
