// The op descriptor. A primitive is declared once: its forward per backend, its VJP and JVP rules written
// in webgrad ops (so they are recorded, and differentiated again, whenever that is needed), and an
// optional fused forward-with-tangent kernel. `bind` runs it: forward mode level by level, the forward
// kernel, and the tape record for reverse mode.
import type { BackendName } from '../backend/backend';
import { duringOp } from '../backend/opContext';
import { zerosLike } from '../ops/creation';
import { assertUsable, Tensor, tidy } from '../tensor';
import { activeLevels, DualLevel, hasActiveTangent, setTangent, tangentAt, withMasked } from './forward';
import { isGradEnabled } from './node';
import { record } from './record';

/** What a rule sees: the op's inputs and outputs (graph-connected handles) and its static parameters. */
export interface RuleContext<P> {
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly params: P;
}

type Maybe = Tensor | null;
type PerBackend<F> = Record<BackendName, F>;

export interface Primitive<P = void> {
  readonly name: string;
  /** The forward kernels: raw outputs, never recorded. */
  readonly impl: PerBackend<(inputs: readonly Tensor[], params: P) => Tensor[]>;
  /** Input cotangents (null: none) from output cotangents (null: zero). Omitted: not differentiable. */
  readonly vjp?: (cotangents: readonly Maybe[], ctx: RuleContext<P>) => Maybe[];
  /** Output tangents (null: zero) from input tangents (null: zero). Omitted: outputs get no tangent. */
  readonly jvp?: (tangents: readonly Maybe[], ctx: RuleContext<P>) => Maybe[];
  /** Forward and tangents in one kernel, taken when nothing needs recording: [outputs, output tangents]. */
  readonly fusedJvp?: PerBackend<(inputs: readonly Tensor[], tangents: readonly Maybe[], params: P) => [Tensor[], Maybe[]]>;
  /** What the VJP reads, kept on the tape: inputs, outputs (default both). Others are passed unretained. */
  readonly saves?: { inputs?: boolean; outputs?: boolean };
}

/** Declares a primitive (typed identity: the declaration is the object). */
export function primitive<P = void>(def: Primitive<P>): Primitive<P> {
  return def;
}

/**
 * True when an op on these tensors must run as recorded ops rather than a fused kernel: one of them
 * requires grad while grad mode is on, or carries a tangent at an active dual level.
 */
export function needsComposite(ts: readonly (Maybe | undefined)[]): boolean {
  const grad = isGradEnabled();
  return ts.some((t) => t != null && ((grad && t.requiresGrad) || hasActiveTangent(t)));
}

/** The innermost active level at which some input has a tangent. */
function tangentLevel(inputs: readonly Tensor[]): DualLevel | null {
  if (!inputs.some((t) => t.tangents?.size)) return null;
  for (const level of activeLevels()) if (inputs.some((t) => tangentAt(t, level))) return level;
  return null;
}

/** Runs `prim` on `inputs` (one backend, none disposed): forward mode, the forward kernel, the tape. */
export function bind<P>(prim: Primitive<P>, inputs: readonly Tensor[], params: P): Tensor[] {
  const backend = assertUsable(prim.name, ...inputs);
  const level = tangentLevel(inputs);
  if (!level) return recorded(prim, backend.name, inputs, params);
  const tangents = inputs.map((t) => tangentAt(t, level));
  return withMasked(level, () => {
    let outputs: Tensor[];
    let outTangents: Maybe[];
    if (prim.fusedJvp && !needsComposite(inputs) && !needsComposite(tangents)) {
      [outputs, outTangents] = duringOp(prim.name, () => prim.fusedJvp![backend.name](inputs, tangents, params));
    } else {
      outputs = bind(prim, inputs, params);
      const rule = prim.jvp;
      // tidy: the rule's temporaries go now; the tangents it returns are kept.
      outTangents = rule ? tidy(() => rule(tangents, { inputs, outputs, params })) : [];
    }
    outputs.forEach((y, i) => {
      const t = outTangents[i];
      if (!t) return;
      setTangent(y, level, t);
      // The tape saved y before its tangent existed: its handle needs it too (forward over reverse).
      for (const h of y.node?.saved ?? []) if (h.origin === y) setTangent(h, level, t);
    });
    return outputs;
  });
}

function recorded<P>(prim: Primitive<P>, backend: BackendName, inputs: readonly Tensor[], params: P): Tensor[] {
  const outputs = duringOp(prim.name, () => prim.impl[backend](inputs, params));
  const vjp = prim.vjp;
  if (!vjp) return outputs;
  const { inputs: saveIn = true, outputs: saveOut = true } = prim.saves ?? {};
  const nIn = saveIn ? inputs.length : 0;
  return record(
    prim.name,
    outputs,
    inputs,
    () => [...(saveIn ? inputs : []), ...(saveOut ? outputs : [])],
    (cts, saved) => vjp(cts, { inputs: saveIn ? saved.slice(0, nIn) : inputs, outputs: saveOut ? saved.slice(nIn) : outputs, params }),
  );
}

const renamings = new WeakMap<Primitive<never>, Map<string, Primitive<never>>>();

/**
 * `prim` under a public op's name (what errors and the tape show: 'mean' for the sum primitive, 'slice' for
 * a strided gather), built once per (primitive, name).
 */
export function renamed<P>(prim: Primitive<P>, name: string): Primitive<P> {
  const key = prim as unknown as Primitive<never>;
  let byName = renamings.get(key);
  if (!byName) renamings.set(key, (byName = new Map()));
  let p = byName.get(name) as Primitive<P> | undefined;
  if (!p) byName.set(name, (p = { ...prim, name }) as unknown as Primitive<never>);
  return p;
}

/** Convenience: a one-output primitive's output. */
export function bind1<P>(prim: Primitive<P>, inputs: readonly Tensor[], params: P): Tensor {
  return bind(prim, inputs, params)[0];
}

/** JVP of a linear primitive: the primitive applied to the tangents (zero where every tangent is zero). */
export function linearJvp<P>(prim: Primitive<P>): (tangents: readonly Maybe[], ctx: RuleContext<P>) => Maybe[] {
  return (tangents, ctx) => {
    if (tangents.every((t) => !t)) return [];
    const filled = tangents.map((t, i) => t ?? zerosLike(ctx.inputs[i]));
    return bind(prim, filled, ctx.params);
  };
}

/**
 * JVP of a bilinear primitive f(a, b): f(ȧ, b) + f(a, ḃ), each term skipped when its tangent is zero
 * (matmul, mul). `combine` adds the two terms (webgrad's add).
 */
export function bilinearJvp<P>(
  prim: Primitive<P>,
  combine: (x: Tensor, y: Tensor) => Tensor,
): (tangents: readonly Maybe[], ctx: RuleContext<P>) => Maybe[] {
  return ([ta, tb], { inputs: [a, b], params }) => {
    const left = ta ? bind1(prim, [ta, b], params) : null;
    const right = tb ? bind1(prim, [a, tb], params) : null;
    return [left && right ? combine(left, right) : (left ?? right)];
  };
}
