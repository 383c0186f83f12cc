// Learning-rate schedulers: StepLR and CosineAnnealingLR, like torch.optim.lr_scheduler (call step()
// once per epoch, after the optimizer's step).
import { WebgradError } from '../shape';
import type { Optimizer } from './optimizer';

/** Base class of learning-rate schedulers: `step()` once per epoch sets the optimizer's `lr`. */
export abstract class LRScheduler {
  /** Epochs stepped so far. */
  lastEpoch = 0;
  /** The optimizer's learning rate when the scheduler was made. */
  readonly baseLr: number;

  /** Takes the optimizer whose `lr` it sets. */
  constructor(
    /** The optimizer whose `lr` this sets. */
    readonly optimizer: Optimizer,
  ) {
    if (!optimizer || typeof optimizer.lr !== 'number') throw new WebgradError('optim.LRScheduler', 'expects an optimizer');
    this.baseLr = optimizer.lr;
  }

  protected abstract lrAt(epoch: number): number;

  /** Advances one epoch and sets the optimizer's learning rate. */
  step(): void {
    this.lastEpoch++;
    this.optimizer.lr = this.lrAt(this.lastEpoch);
  }

  /** The learning rate set by the last step. */
  getLastLr(): number {
    return this.optimizer.lr;
  }

  /** The scheduler's position, for checkpoints. */
  stateDict(): {
    /** Epochs stepped. */
    lastEpoch: number;
    /** The initial learning rate. */
    baseLr: number;
  } {
    return { lastEpoch: this.lastEpoch, baseLr: this.baseLr };
  }
}

/** lr = baseLr · γ^⌊epoch / stepSize⌋. */
export class StepLR extends LRScheduler {
  /** Epochs between decays. */
  readonly stepSize: number;
  /** Factor of each decay. */
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number }) {
    super(optimizer);
    const { stepSize, gamma = 0.1 } = options ?? {};
    if (!Number.isInteger(stepSize) || stepSize <= 0) throw new WebgradError('optim.StepLR', `stepSize must be a positive integer, got ${stepSize}`);
    if (typeof gamma !== 'number' || !(gamma > 0)) throw new WebgradError('optim.StepLR', `gamma must be a positive number, got ${gamma}`);
    this.stepSize = stepSize;
    this.gamma = gamma;
  }

  protected lrAt(epoch: number): number {
    return this.baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/** lr = ηmin + (baseLr − ηmin)·(1 + cos(π·epoch / tMax)) / 2 (torch's closed form, without restarts). */
export class CosineAnnealingLR extends LRScheduler {
  /** Epochs of the half cosine from `baseLr` down to `etaMin`. */
  readonly tMax: number;
  /** The lowest learning rate. */
  readonly etaMin: number;

  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number }) {
    super(optimizer);
    const { tMax, etaMin = 0 } = options ?? {};
    if (!Number.isInteger(tMax) || tMax <= 0) throw new WebgradError('optim.CosineAnnealingLR', `tMax must be a positive integer, got ${tMax}`);
    if (typeof etaMin !== 'number' || !(etaMin >= 0)) throw new WebgradError('optim.CosineAnnealingLR', `etaMin must be a number ≥ 0, got ${etaMin}`);
    this.tMax = tMax;
    this.etaMin = etaMin;
  }

  protected lrAt(epoch: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}
