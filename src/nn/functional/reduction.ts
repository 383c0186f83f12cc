// PyTorch's loss reductions over per-element losses.
import { mean, sum } from '../../ops/reduce';
import { WebgradError } from '../../shape';
import type { Tensor } from '../../tensor';

/** How per-element losses combine, as in PyTorch: their mean, their sum, or none (one loss each). */
export type Reduction = 'mean' | 'sum' | 'none';

export function checkReduction(op: string, reduction: unknown): Reduction {
  if (reduction === undefined) return 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new WebgradError(op, `reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  }
  return reduction;
}

/** Reduces per-element losses; the unreduced tensor is disposed when a reduction replaces it (the tape keeps its own handle). */
export function reduceLoss(losses: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return losses;
  const out = reduction === 'mean' ? mean(losses) : sum(losses);
  losses.dispose();
  return out;
}
