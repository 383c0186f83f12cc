// The nn namespace: `import { nn } from 'webgrad'`.
export { Module } from './module';
export type { StateDict, TensorData } from './module';
export { Linear, Sequential, ReLU, Tanh, Sigmoid, GELU, SiLU, Dropout, LayerNorm } from './layers';
export type { LinearOptions } from './layers';
/** Stateless layers and losses, like `torch.nn.functional` (camelCase names). */
export * as functional from './functional/index';
