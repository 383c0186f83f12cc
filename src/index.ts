/**
 * webgrad: GPU tensor autograd on WebGPU — tensors, composable AD (reverse and forward mode, any order),
 * eigensolvers with derivatives, and a small training stack. Re-exports only: importing an op module also
 * installs its Tensor methods.
 * @module webgrad
 */
export { init, getBackend, withBackend } from './runtime';
export type { InitOptions, InitResult } from './runtime';
export type { Backend, BackendName } from './backend/backend';
export { Tensor, tidy, keep, memory } from './tensor';
export type { NestedArray, MemoryInfo, TensorContainer } from './tensor';
export { WebgradError } from './shape';
export type { Shape } from './shape';

// Ops. Explicit lists: op modules also export internals (kernel tables, helpers) that are not API.
export { tensor, zeros, ones, full, zerosLike, onesLike, arange, linspace, eye, rand, randn, manualSeed, toBackend } from './ops/creation';
export type { TensorOptions, RandomOptions } from './ops/creation';
export {
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  eq,
  ne,
  gt,
  ge,
  lt,
  le,
  neg,
  square,
  sqrt,
  exp,
  log,
  sin,
  cos,
  tanh,
  sigmoid,
  relu,
  abs,
  clamp,
} from './ops/elementwise';
export type { TensorLike } from './ops/elementwise';
export { sum, mean, max, min, argmax, argmin, logsumexp, norm, softmax, logSoftmax } from './ops/reduce';
export type { ReduceOptions, ArgReduceOptions } from './ops/reduce';
export { reshape, broadcastTo, expand, permute, transpose, squeeze, unsqueeze, cat, stack } from './ops/shape';
export * from './ops/indexing';
export { matmul, dot } from './ops/matmul';
export * from './ops/eigh';
export { eighTridiagonal } from './ops/eighTridiagonal/index';
export type { EighTridiagonalOptions } from './ops/eighTridiagonal/index';
export { tridiagonalSolve } from './ops/eighTridiagonal/solve';

// Physics: the 1-D Hamiltonian of the headline workload.
export * from './physics/hamiltonian';
export { hamiltonianTridiagonal, hamiltonianSweep, stateExpectations, solveKappaTridiagonal } from './physics/hamiltonianTridiagonal';
export type { TridiagonalSpectrum, TridiagonalSpectrumOptions, SweepResult, SolverChoice } from './physics/hamiltonianTridiagonal';

export { noGrad, enableGrad, isGradEnabled } from './autograd/node';
export { backward } from './autograd/backward';
export type { BackwardOptions } from './autograd/backward';
export { grad, valueAndGrad, vjp, jvp, hvp, jacfwd, jacrev, jacobian, jacobianMode, hessian } from './autograd/functional';
export type { Differentiable, MultiOutput, JacobianOptions, JacobianModeOptions } from './autograd/functional';
export { dual, unpackDual, gradAndTangent, gradsAndTangents } from './autograd/dual';
export { dualLevel, enterDualLevel, exitDualLevel } from './autograd/forward';
export type { DualLevel } from './autograd/forward';
export { gradcheck, gradgradcheck } from './autograd/gradcheck';
export { profile, type ProfileReport, type KernelProfile } from './profile';
export type { GradcheckOptions, GradcheckReport } from './autograd/gradcheck';

// Training: layers and losses, optimizers, datasets.
/** Layers, losses and `Module`, like `torch.nn` (`nn.functional` holds the stateless forms). */
export * as nn from './nn/index';
/** Optimizers (SGD, Adam, AdamW), gradient clipping and learning-rate schedulers, like `torch.optim`. */
export * as optim from './optim/index';
/** Seeded synthetic 2-D datasets, a `DataLoader`, and the compact digits file format. */
export * as data from './data/index';
