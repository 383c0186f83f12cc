// The optim namespace: `import { optim } from 'webgrad'`.
export { Optimizer } from './optimizer';
export type { OptimizerStateDict } from './optimizer';
export { SGD } from './sgd';
export type { SGDOptions } from './sgd';
export { Adam, AdamW } from './adam';
export type { AdamOptions } from './adam';
export { clipGradNorm } from './clip';
export { LRScheduler, StepLR, CosineAnnealingLR } from './scheduler';
