// JAX-style function transforms over the tape and the dual levels: grad, valueAndGrad, vjp, jvp, hvp,
// jacfwd, jacrev, jacobian, hessian. They compose: grad of grad, jvp of grad, grad of jvp.
import { fromArray, zerosLike } from '../ops/creation';
import { cat, reshape } from '../ops/shape';
import { fmt, sameShape, sizeOf, WebgradError } from '../shape';
import { copyTangents, Tensor } from '../tensor';
import { computeGradients } from './backward';
import { dual, identityView, unpackDual } from './dual';
import { dualLevel } from './forward';
import { enableGrad, isGradEnabled } from './node';

/** A function of tensors returning one tensor (what `grad` differentiates). */
export type Differentiable = (...xs: Tensor[]) => Tensor;
/** A function of tensors returning one tensor or several (what `vjp`, `jvp` and the Jacobians take). */
export type MultiOutput = (...xs: Tensor[]) => Tensor | Tensor[];
type Arg = Tensor | number;

/** A number argument becomes a 0-d tensor on the backend of the first tensor argument. */
function asTensors(op: string, xs: readonly Arg[]): Tensor[] {
  if (xs.length === 0) throw new WebgradError(op, 'needs at least one argument to differentiate');
  const like = xs.find((x): x is Tensor => x instanceof Tensor);
  return xs.map((x) => {
    if (x instanceof Tensor) return x;
    if (typeof x === 'number') return fromArray([x], [], { backend: like?.backend });
    throw new WebgradError(op, `arguments must be Tensors or numbers, got ${Array.isArray(x) ? 'an array' : typeof x}`);
  });
}

/**
 * The tensors to differentiate with respect to. An argument recorded by an enclosing transform (it requires
 * grad and grad mode is on) gets a recorded view: the gradient is taken with respect to that view alone
 * (what the function closes over does not count, as in JAX) and is itself recorded, so the enclosing
 * transform can differentiate it again. Other arguments become fresh leaves that keep their tangents.
 */
function differentiationTargets(xs: readonly Tensor[]): { targets: Tensor[]; nested: boolean } {
  const nested = isGradEnabled() && xs.some((x) => x.requiresGrad);
  const targets = xs.map((x) => {
    if (nested && x.requiresGrad) return identityView(x);
    const leaf = x.detach().requiresGrad_();
    copyTangents(x, leaf);
    return leaf;
  });
  return { targets, nested };
}

function checkOutput(op: string, y: unknown, scalar: boolean): Tensor {
  if (!(y instanceof Tensor)) throw new WebgradError(op, `the function must return a Tensor, got ${Array.isArray(y) ? 'an array' : typeof y}`);
  if (scalar && y.size !== 1) throw new WebgradError(op, `the function must return a scalar, got shape ${fmt(y.shape)}`);
  return y;
}

/** Gradients of `outputs` (seeded with `seeds`) with respect to `targets`; zeros where none flowed. */
function pull(outputs: Tensor[], seeds: Tensor[], targets: Tensor[], nested: boolean, retain: boolean): Tensor[] {
  const live = outputs.map((y, i) => [y, seeds[i]] as const).filter(([y]) => y.requiresGrad);
  const grads = live.length
    ? computeGradients(
        live.map(([y]) => y),
        live.map(([, s]) => s),
        targets,
        { createGraph: nested, retainGraph: retain },
      )
    : new Map<Tensor, Tensor>();
  return targets.map((t) => grads.get(t) ?? zerosLike(t));
}

/**
 * `valueAndGrad(f)(...xs)` → `[f(...xs), [∂f/∂x for each x]]` for a scalar-valued `f` (like
 * `jax.value_and_grad`). Nothing is accumulated into `.grad`. Inside another transform the result is
 * itself differentiable (grad of grad, jvp of grad).
 */
export function valueAndGrad(f: Differentiable): (...xs: Arg[]) => [Tensor, Tensor[]] {
  return (...args) => {
    const xs = asTensors('valueAndGrad', args);
    const { targets, nested } = differentiationTargets(xs);
    const y = checkOutput(
      'valueAndGrad',
      enableGrad(() => f(...targets)),
      true,
    );
    const seed = fromArray([1], y.shape, { backend: y.backend });
    const grads = pull([y], [seed], targets, nested, false);
    seed.dispose();
    if (nested) return [y, grads];
    const value = detachKeepingTangents(y);
    y.dispose();
    targets.forEach((t, i) => t !== xs[i] && t.dispose());
    return [value, grads];
  };
}

/** `y` out of the graph, its forward-mode tangents kept. */
function detachKeepingTangents(y: Tensor): Tensor {
  const out = y.detach();
  copyTangents(y, out);
  return out;
}

/** `grad(f)(...xs)` → the gradient of scalar `f` with respect to each argument (one tensor per argument). */
export function grad(f: Differentiable): (...xs: Arg[]) => Tensor[] {
  const vg = valueAndGrad(f);
  return (...xs) => {
    const [value, grads] = vg(...xs);
    if (!value.requiresGrad) value.dispose();
    return grads;
  };
}

/**
 * `vjp(f, ...xs)` → `[y, pullback]` with `pullback(ȳ)` → `[ȳᵀ ∂y/∂x for each x]` (like `jax.vjp`). The
 * pullback may be called many times; `y` may be a tensor or an array of tensors (then ȳ is an array too).
 */
export function vjp(f: MultiOutput, ...args: Arg[]): [Tensor | Tensor[], (cotangent: Tensor | Tensor[]) => Tensor[]] {
  const xs = asTensors('vjp', args);
  const { targets, nested } = differentiationTargets(xs);
  const out = enableGrad(() => f(...targets));
  const ys = Array.isArray(out) ? out : [out];
  ys.forEach((y) => checkOutput('vjp', y, false));
  const pullback = (cotangent: Tensor | Tensor[]): Tensor[] => {
    const cts = Array.isArray(cotangent) ? cotangent : [cotangent];
    if (cts.length !== ys.length) throw new WebgradError('vjp', `pullback got ${cts.length} cotangents for ${ys.length} outputs`);
    cts.forEach((c, i) => {
      if (!(c instanceof Tensor) || !sameShape(c.shape, ys[i].shape)) {
        throw new WebgradError(
          'vjp',
          `cotangent ${i} must be a Tensor of shape ${fmt(ys[i].shape)}, got ${c instanceof Tensor ? fmt(c.shape) : typeof c}`,
        );
      }
    });
    return pull(ys, cts, targets, nested, true);
  };
  return [out, pullback];
}

/**
 * `jvp(f, primals, tangents)` → `[f(...primals), J·tangents]` by forward mode (dual numbers; like
 * `jax.jvp`): one pass, whatever the number of outputs. `f` may return a tensor or an array of tensors;
 * the tangent output matches (zeros where an output does not depend on the inputs).
 */
export function jvp(f: MultiOutput, primals: readonly Arg[], tangents: readonly Arg[]): [Tensor | Tensor[], Tensor | Tensor[]] {
  if (!Array.isArray(primals) || !Array.isArray(tangents)) throw new WebgradError('jvp', 'takes arrays of primals and tangents: jvp(f, [x], [v])');
  if (primals.length !== tangents.length) throw new WebgradError('jvp', `got ${primals.length} primals but ${tangents.length} tangents`);
  const xs = asTensors('jvp', primals);
  const vs = tangents.map((t) => (typeof t === 'number' ? fromArray([t], [], { backend: xs[0].backend }) : t));
  vs.forEach((v, i) => {
    if (!(v instanceof Tensor)) throw new WebgradError('jvp', `tangent ${i} must be a Tensor or a number, got ${typeof v}`);
    if (!sameShape(v.shape, xs[i].shape))
      throw new WebgradError('jvp', `tangent ${i} has shape ${fmt(v.shape)} but primal ${i} has shape ${fmt(xs[i].shape)}`);
  });
  return dualLevel(() => {
    const out = f(...xs.map((x, i) => dual(x, vs[i])));
    const ys = Array.isArray(out) ? out : [out];
    const pairs = ys.map((y) => {
      const [primal, tangent] = unpackDual(checkOutput('jvp', y, false));
      return [primal, tangent ?? zerosLike(primal)] as const;
    });
    const primalsOut = pairs.map(([p]) => p);
    const tangentsOut = pairs.map(([, t]) => t);
    return Array.isArray(out) ? [primalsOut, tangentsOut] : [primalsOut[0], tangentsOut[0]];
  });
}

/**
 * `hvp(f, xs, vs)` → `[f(...xs), H·v for each x]`: the Hessian of scalar `f` times `vs`, forward over
 * reverse (one reverse pass carrying tangents), like `torch.autograd.functional.hvp`.
 */
export function hvp(f: Differentiable, xs: readonly Arg[], vs: readonly Arg[]): [Tensor, Tensor[]] {
  const [outs, tangents] = jvp(
    (...ts) => {
      const [value, grads] = valueAndGrad(f)(...ts);
      return [value, ...grads];
    },
    xs,
    vs,
  ) as [Tensor[], Tensor[]];
  tangents[0].dispose();
  return [outs[0], tangents.slice(1)];
}

/** Options of {@link jacfwd} and {@link jacrev}. */
export interface JacobianOptions {
  /** Which argument(s) to differentiate with respect to (default 0, as in JAX). An array gives one Jacobian per entry. */
  argnums?: number | number[];
}

type JacobianOf = (...xs: Arg[]) => Tensor | Tensor[];

function argnumsOf(op: string, argnums: number | number[] | undefined, n: number): number[] {
  const list = argnums === undefined ? [0] : Array.isArray(argnums) ? argnums : [argnums];
  for (const a of list) if (!Number.isInteger(a) || a < 0 || a >= n) throw new WebgradError(op, `argnums ${a} is out of range for ${n} argument(s)`);
  return list;
}

/** Columns (one per input element, each of the output's shape) → the Jacobian [...out, ...in]. */
function fromColumns(columns: Tensor[], outShape: readonly number[], inShape: readonly number[]): Tensor {
  const flat = columns.map((c) => reshape(c, [sizeOf(outShape), 1]));
  const j = reshape(flat.length === 1 ? flat[0] : cat(flat, 1), [...outShape, ...inShape]);
  flat.forEach((t) => t.dispose());
  return j;
}

/** The standard basis of `x`'s shape, one tensor per element. */
function basis(x: Tensor): Tensor[] {
  return Array.from({ length: x.size }, (_, i) => {
    const e = new Float32Array(x.size);
    e[i] = 1;
    return fromArray(e, x.shape, { backend: x.backend });
  });
}

/**
 * `jacfwd(f)(...xs)` → ∂f/∂x of shape `[...out, ...in]` by forward mode: one JVP per input element (like
 * `jax.jacfwd`). Cheapest when inputs are fewer than outputs.
 */
export function jacfwd(f: Differentiable, options: JacobianOptions = {}): JacobianOf {
  return (...args) => {
    const xs = asTensors('jacfwd', args);
    const which = argnumsOf('jacfwd', options.argnums, xs.length);
    const jacobians = which.map((k) => {
      let outShape: readonly number[] = [];
      const columns = basis(xs[k]).map((e) => {
        const [y, t] = jvp((xk) => checkOutput('jacfwd', f(...xs.map((x, i) => (i === k ? xk : x))), false), [xs[k]], [e]) as [Tensor, Tensor];
        outShape = y.shape;
        y.dispose();
        e.dispose();
        return t;
      });
      const j = fromColumns(columns, outShape, xs[k].shape);
      columns.forEach((c) => c !== j && c.dispose());
      return j;
    });
    return Array.isArray(options.argnums) ? jacobians : jacobians[0];
  };
}

/**
 * `jacrev(f)(...xs)` → ∂f/∂x of shape `[...out, ...in]` by reverse mode: one forward pass, then one
 * backward pass per output element (like `jax.jacrev`). Cheapest when outputs are fewer than inputs.
 */
export function jacrev(f: Differentiable, options: JacobianOptions = {}): JacobianOf {
  return (...args) => {
    const xs = asTensors('jacrev', args);
    const which = argnumsOf('jacrev', options.argnums, xs.length);
    const [out, pullback] = vjp((...ts) => checkOutput('jacrev', f(...ts), false), ...xs);
    const y = out as Tensor;
    const rows = basis(y).map((e) => {
      const grads = pullback(e);
      e.dispose();
      grads.forEach((g, i) => !which.includes(i) && g.dispose());
      return which.map((i) => grads[i]);
    });
    const jacobians = which.map((k, w) => {
      const flat = rows.map((r) => reshape(r[w], [1, xs[k].size]));
      const j = reshape(flat.length === 1 ? flat[0] : cat(flat, 0), [...y.shape, ...xs[k].shape]);
      flat.forEach((t) => t.dispose());
      return j;
    });
    if (!y.requiresGrad || !isGradEnabled()) y.dispose();
    return Array.isArray(options.argnums) ? jacobians : jacobians[0];
  };
}

/** Options of {@link jacobian}. */
export interface JacobianModeOptions extends JacobianOptions {
  /**
   * 'forward' (one pass per input element), 'reverse' (one per output element) or 'auto' (default): the
   * cheaper of the two by that count; on a tie forward mode, which keeps no tape.
   */
  mode?: 'auto' | 'forward' | 'reverse';
}

/** The mode `jacobian(f, { mode: 'auto' })` takes for these sizes (inputs and outputs in elements). */
export function jacobianMode(inputs: number, outputs: number): 'forward' | 'reverse' {
  return inputs <= outputs ? 'forward' : 'reverse';
}

/**
 * `jacobian(f, { mode })(...xs)` → ∂f/∂x of shape `[...out, ...in]`, by forward or reverse mode. 'auto'
 * runs `f` once to learn the output's size, then applies the notes' rule (see `jacobianMode`).
 */
export function jacobian(f: Differentiable, options: JacobianModeOptions = {}): JacobianOf {
  const mode = options.mode ?? 'auto';
  if (!['auto', 'forward', 'reverse'].includes(mode))
    throw new WebgradError('jacobian', `mode must be 'auto', 'forward' or 'reverse', got '${String(mode)}'`);
  return (...args) => {
    let chosen = mode;
    if (chosen === 'auto') {
      const xs = asTensors('jacobian', args);
      const which = argnumsOf('jacobian', options.argnums, xs.length);
      const y = checkOutput('jacobian', f(...xs), false);
      chosen = jacobianMode(
        which.reduce((n, i) => n + xs[i].size, 0),
        y.size,
      );
      y.dispose();
    }
    return (chosen === 'forward' ? jacfwd : jacrev)(f, options)(...args);
  };
}

/**
 * `hessian(f)(x)` → ∂²f/∂x² of shape `[...in, ...in]` for scalar `f`, forward over reverse (jacfwd of
 * grad, like `jax.hessian`).
 */
export function hessian(f: Differentiable, options: JacobianOptions = {}): JacobianOf {
  const which = options.argnums;
  return (...args) => {
    const xs = asTensors('hessian', args);
    const ks = argnumsOf('hessian', which, xs.length);
    const results = ks.map(
      (k) =>
        jacfwd((xk: Tensor) => {
          const g = grad((xi: Tensor) => checkOutput('hessian', f(...xs.map((x, i) => (i === k ? xi : x))), true))(xk);
          return g[0];
        })(xs[k]) as Tensor,
    );
    return Array.isArray(which) ? results : results[0];
  };
}
