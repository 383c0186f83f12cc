// JAX-style functional transforms over the tape: grad(f)(...xs) and valueAndGrad(f)(...xs).
import { fromArray, zerosLike } from '../ops/creation';
import { fmt, WebgradError } from '../shape';
import { Tensor } from '../tensor';
import { computeGradients } from './backward';
import { enableGrad } from './node';

export type Differentiable = (...xs: Tensor[]) => Tensor;

function asLeaves(op: string, xs: readonly (Tensor | number)[]): Tensor[] {
  if (xs.length === 0) throw new WebgradError(op, 'needs at least one argument to differentiate');
  const like = xs.find((x): x is Tensor => x instanceof Tensor);
  return xs.map((x) => {
    if (x instanceof Tensor) return x.detach().requiresGrad_();
    if (typeof x === 'number') return fromArray([x], [], { backend: like?.backend, requiresGrad: true });
    throw new WebgradError(op, `arguments must be Tensors or numbers, got ${typeof x}`);
  });
}

/**
 * `valueAndGrad(f)(...xs)` → `[f(...xs), [∂f/∂x for each x]]` for a scalar-valued `f`. Nothing is
 * accumulated into `.grad`; arguments are treated as fresh leaves (like `jax.value_and_grad`).
 */
export function valueAndGrad(f: Differentiable): (...xs: (Tensor | number)[]) => [Tensor, Tensor[]] {
  return (...xs) => {
    const leaves = asLeaves('valueAndGrad', xs);
    const y = enableGrad(() => f(...leaves));
    if (!(y instanceof Tensor)) throw new WebgradError('valueAndGrad', 'the function must return a Tensor');
    if (y.size !== 1) throw new WebgradError('valueAndGrad', `the function must return a scalar, got shape ${fmt(y.shape)}`);
    let grads: Map<Tensor, Tensor>;
    if (y.requiresGrad) {
      const seed = fromArray([1], y.shape, { backend: y.backend });
      grads = computeGradients([y], [seed], leaves);
      seed.dispose();
    } else {
      grads = new Map();
    }
    const out = leaves.map((l) => grads.get(l) ?? zerosLike(l));
    const value = y.detach();
    y.dispose();
    leaves.forEach((l) => l.dispose());
    return [value, out];
  };
}

/** `grad(f)(...xs)` → the gradient of scalar `f` with respect to each argument (one tensor per argument). */
export function grad(f: Differentiable): (...xs: (Tensor | number)[]) => Tensor[] {
  const vg = valueAndGrad(f);
  return (...xs) => {
    const [value, grads] = vg(...xs);
    value.dispose();
    return grads;
  };
}
