// The data namespace: `import { data } from 'webgrad'`.
export { spiral, circles, xor, blobs } from './synthetic';
export type { Dataset2D, SyntheticOptions } from './synthetic';
export { DataLoader, permutation, toTensors } from './loader';
export type { LoaderOptions } from './loader';
export { parseImageSet, encodeImageSet, splitImageSet } from './mnist';
export type { ImageSet } from './mnist';
