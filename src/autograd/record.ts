import type { Tensor } from '../tensor';
import { fmt, WebgradError } from '../shape';
import { hasActiveTangent } from './forward';
import { BackwardFn, GradNode, isGradEnabled } from './node';

/** Whether an op on these inputs must be recorded on the tape. */
export function needsGrad(inputs: readonly Tensor[]): boolean {
  return isGradEnabled() && inputs.some((t) => t.requiresGrad);
}

/**
 * Records an op producing `outputs` from `inputs` when any input requires grad (and grad mode is on).
 * `saved` are the tensors backward reads (a function: called once the outputs joined the graph); the tape
 * keeps handles on them that remember their place in the graph, so a backward written in ops is itself
 * differentiable. `backward` gets one gradient per output (null where none flowed) and returns one per
 * input; gradients may have the broadcast output shape: the engine sums them down to each input's shape.
 */
export function record<T extends Tensor[]>(
  op: string,
  outputs: T,
  inputs: readonly Tensor[],
  saved: readonly Tensor[] | (() => readonly Tensor[]),
  backward: BackwardFn,
): T {
  // Ops declared as primitives meet here with every tangent level already handled; anything else would drop a tangent silently.
  const dual = inputs.find(hasActiveTangent);
  if (dual) throw new WebgradError(op, `has no forward-mode (JVP) rule: input of shape ${fmt(dual.shape)} carries a tangent`);
  if (!needsGrad(inputs)) return outputs;
  const edges = inputs.flatMap((t) => (t.node ? [t.node] : []));
  edges.forEach((n) => n.users++);
  const node: GradNode = { op, inputs: [...inputs], saved: null, backward, users: 0, edges };
  outputs.forEach((out, i) => {
    out.requiresGrad = true;
    out.node = node;
    out.outputIndex = i;
  });
  node.saved = (typeof saved === 'function' ? saved() : saved).map((t) => t.savedHandle(false, true));
  return outputs;
}
