// Dual tensors for forward mode, PyTorch's make_dual/unpack_dual: a primal carrying a tangent at the
// innermost dual level.
import { fmt, sameShape, WebgradError } from '../shape';
import { Tensor } from '../tensor';
import { currentLevel, setTangent, tangentAt, withMasked } from './forward';
import { bind1, primitive } from './primitive';

/** The identity as a primitive: a view of its input, differentiable in both modes. */
const identity = primitive({
  name: 'dual',
  impl: { cpu: ([x]) => [x.alias()], webgpu: ([x]) => [x.alias()] },
  vjp: ([g]) => [g],
  jvp: ([t]) => [t],
  saves: { inputs: false, outputs: false },
});

/** A recorded view of `x` (a new node in both modes): what nested transforms differentiate with respect to. */
export function identityView(x: Tensor): Tensor {
  return bind1(identity, [x], undefined);
}

/**
 * A dual tensor: `primal` carrying `tangent` (same shape, same backend) at the innermost dual level (like
 * `torch.autograd.forward_ad.make_dual`). Every op on it carries the tangent along: J·tangent. The result
 * stays in reverse mode's graph through both `primal` and `tangent`.
 */
export function dual(primal: Tensor, tangent: Tensor): Tensor {
  for (const [what, t] of [
    ['primal', primal],
    ['tangent', tangent],
  ] as const) {
    if (!(t instanceof Tensor)) throw new WebgradError('dual', `${what} must be a float Tensor, got ${Array.isArray(t) ? 'an array' : typeof t}`);
    t.storageFor('dual');
  }
  if (tangent.backend !== primal.backend) {
    throw new WebgradError('dual', `tangent lives on ${tangent.backend.name} but the primal on ${primal.backend.name}; move one with toBackend()`);
  }
  if (!sameShape(primal.shape, tangent.shape)) {
    throw new WebgradError('dual', `tangent of shape ${fmt(tangent.shape)} does not match the primal's shape ${fmt(primal.shape)}`);
  }
  const level = currentLevel();
  const out = withMasked(level, () => bind1(identity, [primal], undefined));
  setTangent(out, level, tangent);
  return out;
}

/**
 * `[primal, tangent]` of `t` at the innermost dual level (tangent null when it has none), like
 * `torch.autograd.forward_ad.unpack_dual`. The primal is a view of `t` without that tangent.
 */
export function unpackDual(t: Tensor): [primal: Tensor, tangent: Tensor | null] {
  if (!(t instanceof Tensor)) throw new WebgradError('unpackDual', `expected a Tensor, got ${typeof t}`);
  const level = currentLevel();
  const tangent = tangentAt(t, level);
  const primal = withMasked(level, () => bind1(identity, [t], undefined));
  return [primal, tangent ? tangent.savedHandle(true) : null];
}

/**
 * Runs `y.backward()` and reads the gradient it accumulates into the scalar leaf `x` with its tangent at the
 * innermost dual level, then clears `x.grad`. With `x` a dual number x + ε (`dual(x, 1)`), the reverse pass
 * carries tangents, so the pair is dy/dx and d²y/dx² (forward over reverse).
 * @example const [dE0, d2E0] = await gradAndTangent(E0, kappa, true);
 */
export async function gradAndTangent(y: Tensor, x: Tensor, retainGraph = false): Promise<[first: number, second: number]> {
  return readPair(takeGradAndTangent(y, x, retainGraph, 'gradAndTangent'));
}

/**
 * `gradAndTangent` for several outputs of one graph: every backward pass is encoded first and all the values
 * come back in one wait, not one GPU round trip per output. The graph is freed after the last.
 * @example const [[dE0, d2E0], [dgap, d2gap]] = await gradsAndTangents([E0, gap], kappa);
 */
export async function gradsAndTangents(ys: readonly Tensor[], x: Tensor): Promise<[first: number, second: number][]> {
  const pairs = ys.map((y, i) => takeGradAndTangent(y, x, i < ys.length - 1, 'gradsAndTangents'));
  return Promise.all(pairs.map(readPair));
}

/** Backward from y; x's gradient and its tangent (null without one) handed over, x.grad cleared. */
function takeGradAndTangent(y: Tensor, x: Tensor, retainGraph: boolean, op: string): [Tensor, Tensor | null] {
  y.backward({ retainGraph });
  if (!x.grad) throw new WebgradError(op, 'no gradient reached x: is it a leaf that requires grad, and does y depend on it?');
  const [first, second] = unpackDual(x.grad);
  x.zeroGrad();
  return [first, second];
}

async function readPair([first, second]: [Tensor, Tensor | null]): Promise<[number, number]> {
  const values = await Promise.all([first.item(), second ? second.item() : 0]);
  first.dispose();
  second?.dispose();
  return values as [number, number];
}
