// Products with the bands of a tridiagonal matrix, written in webgrad ops (differentiable to any order), on
// column blocks x [..., n, K].
import { Tensor } from '../../tensor';
import { add, mul } from '../elementwise';
import { slice } from '../indexing';
import { cat, reshape } from '../shape';
import { zeros } from '../creation';

/** Rows 0..n−2 and 1..n−1 of x [..., n, K]. */
export function rowsAboveBelow(x: Tensor): [upper: Tensor, lower: Tensor] {
  const n = x.shape[x.ndim - 2];
  return [slice(x, -2, 0, n - 1), slice(x, -2, 1, n)];
}

/** a_i b_(i+1) + a_(i+1) b_i for i < n − 1: [..., n − 1, K]. */
export function lowerTimesUpper(a: Tensor, b: Tensor): Tensor {
  const [a0, a1] = rowsAboveBelow(a);
  const [b0, b1] = rowsAboveBelow(b);
  return add(mul(a0, b1), mul(a1, b0));
}

/** A vector [..., m] as a column [..., m, 1]. */
export const column = (v: Tensor): Tensor => reshape(v, [...v.shape, 1]);

/** (D x)_i = ḋ_i x_i + ė_(i−1) x_(i−1) + ė_i x_(i+1) for the tridiagonal D with bands ḋ, ė (either may be null: zero). */
export function bandTimes(dd: Tensor | null, de: Tensor | null, x: Tensor): Tensor {
  const n = x.shape[x.ndim - 2];
  let out: Tensor | null = dd ? mul(column(dd), x) : null;
  if (de && n > 1) {
    const [x0, x1] = rowsAboveBelow(x);
    const ec = column(de);
    const pad = zeros([...x.shape.slice(0, -2), 1, x.shape[x.ndim - 1]], { backend: x.backend });
    const fromBelow = cat([mul(ec, x1), pad], -2); // row i < n − 1: ė_i x_(i+1)
    const fromAbove = cat([pad, mul(ec, x0)], -2); // row i > 0: ė_(i−1) x_(i−1)
    const off = add(fromBelow, fromAbove);
    out = out ? add(out, off) : off;
  }
  return out ?? mul(x, 0);
}
