// nn.functional: stateless layers and losses (torch.nn.functional's names, camelCase).
export { linear } from './linear';
export { gelu, silu, relu, sigmoid, tanh, dropout, layerNorm } from './activations';
export type { DropoutOptions } from './activations';
export { crossEntropy } from './crossEntropy';
export type { CrossEntropyOptions, Labels } from './crossEntropy';
export { nllLoss, mseLoss, binaryCrossEntropyWithLogits } from './losses';
export type { LossOptions, BceOptions } from './losses';
export type { Reduction } from './reduction';
export { logSoftmax, softmax } from '../../ops/reduce';
