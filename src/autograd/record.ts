import type { Tensor } from '../tensor';
import { BackwardFn, isGradEnabled } from './node';

/** Whether an op on these inputs must be recorded on the tape. */
export function needsGrad(inputs: readonly Tensor[]): boolean {
  return isGradEnabled() && inputs.some((t) => t.requiresGrad);
}

/**
 * Records an op producing `outputs` from `inputs` when any input requires grad (and grad mode is on).
 * `saved` are the tensors backward reads; the tape holds its own handles on them. `backward` gets one
 * gradient per output (null where none flowed) and returns one per input; gradients may have the broadcast
 * output shape: the engine sums them down to each input's shape.
 */
export function record<T extends Tensor[]>(op: string, outputs: T, inputs: readonly Tensor[], saved: readonly Tensor[], backward: BackwardFn): T {
  if (!needsGrad(inputs)) return outputs;
  const node = { op, inputs: [...inputs], saved: saved.map((t) => t.alias(t.shape, false)), backward };
  outputs.forEach((out, i) => {
    out.requiresGrad = true;
    out.node = node;
    out.outputIndex = i;
  });
  return outputs;
}
