// webgrad's public API: re-exports only. Importing an op module also installs its Tensor methods.
export { init, getBackend, getWebGPUBackend, withBackend } from './runtime';
export type { InitOptions, InitResult } from './runtime';
export type { Backend, BackendName } from './backend/backend';
export { Tensor, tidy, keep, memory } from './tensor';
export type { NestedArray, MemoryInfo, TensorContainer } from './tensor';
export { WebgradError } from './shape';
export type { Shape } from './shape';

// Ops: each module's exports are its public functions (internal helpers live in src/ops/util.ts).
export { tensor, zeros, ones, full, zerosLike, onesLike, arange, linspace, eye, rand, randn, manualSeed, toBackend } from './ops/creation';
export type { TensorOptions, RandomOptions } from './ops/creation';
export * from './ops/elementwise';
export * from './ops/reduce';
export * from './ops/shape';

export { noGrad, enableGrad, isGradEnabled } from './autograd/node';
export { backward } from './autograd/backward';
export type { BackwardOptions } from './autograd/backward';
export { grad, valueAndGrad } from './autograd/functional';
export { gradcheck } from './autograd/gradcheck';
export type { GradcheckOptions, GradcheckReport } from './autograd/gradcheck';
