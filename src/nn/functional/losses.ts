// The other losses, composed from existing ops: nllLoss (a gather), mseLoss, and binary cross-entropy
// on logits (one row of the elementwise table, stable for any logit).
import { binary, mul, neg, square, sub } from '../../ops/elementwise';
import { gather } from '../../ops/indexing';
import { reshape } from '../../ops/shape';
import { fmt, sameShape, WebgradError } from '../../shape';
import { assertUsable, Tensor } from '../../tensor';
import { Labels, labelTensor, rowsAndClasses } from './crossEntropy';
import { checkReduction, reduceLoss, Reduction } from './reduction';

/** Options of the element-wise losses. */
export interface LossOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

function checkPair(op: string, input: Tensor, target: Tensor): void {
  if (!(input instanceof Tensor) || !(target instanceof Tensor)) {
    throw new WebgradError(op, `expects input and target Tensors, got ${typeof input} and ${typeof target}`);
  }
  assertUsable(op, input, target);
  if (!sameShape(input.shape, target.shape)) {
    throw new WebgradError(op, `input of shape ${fmt(input.shape)} and target of shape ${fmt(target.shape)} differ (they must match)`);
  }
}

/**
 * Negative log-likelihood of log-probabilities `logProbs` ([N, C] or [C]) at integer class `target`,
 * like `torch.nn.functional.nll_loss`: −logProbs[n, target[n]], reduced.
 */
export function nllLoss(logProbs: Tensor, target: Labels, options: LossOptions = {}): Tensor {
  const op = 'nllLoss';
  const [rows, classes] = rowsAndClasses(op, logProbs);
  const reduction = checkReduction(op, options.reduction);
  const { t, made } = labelTensor(op, logProbs, target, rows, classes);
  const x2 = logProbs.ndim === 1 ? reshape(logProbs, [1, classes]) : logProbs;
  const t2 = reshape(t, [rows, 1]);
  const picked = gather(x2, 1, t2);
  const flat = reshape(picked, logProbs.ndim === 1 ? [] : [rows]);
  const losses = neg(flat);
  for (const v of [t2, picked, flat]) v.dispose();
  if (x2 !== logProbs) x2.dispose();
  if (made) t.dispose();
  return reduceLoss(losses, reduction);
}

/** Mean squared error (input − target)², like `torch.nn.functional.mse_loss`; shapes must match. */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  checkPair('mseLoss', input, target);
  const reduction = checkReduction('mseLoss', options.reduction);
  const d = sub(input, target);
  const sq = square(d);
  d.dispose();
  return reduceLoss(sq, reduction);
}

/** Options of `binaryCrossEntropyWithLogits`. */
export interface BceOptions extends LossOptions {
  /** Rescales each element's loss (broadcast to the input's shape), like torch's `weight`. */
  weight?: Tensor;
}

/**
 * Binary cross-entropy of `logits` against `target` probabilities in [0, 1] (same shape), like
 * `torch.nn.functional.binary_cross_entropy_with_logits`: max(x, 0) − x·y + log(1 + e^−|x|) per element,
 * stable for any logit. Optional `weight` rescales each element's loss (broadcast).
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, options: BceOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  checkPair(op, logits, target);
  const reduction = checkReduction(op, options.reduction);
  let losses = binary('bceWithLogits', logits, target);
  if (options.weight) {
    const weighted = mul(losses, options.weight);
    losses.dispose();
    losses = weighted;
  }
  return reduceLoss(losses, reduction);
}
