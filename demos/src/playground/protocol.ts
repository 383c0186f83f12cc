// Messages between the playground page and its training worker.
import type { InitResult } from 'webgrad';

export type DatasetName = 'spiral' | 'circles' | 'xor' | 'blobs';
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'gelu' | 'silu';
export type OptimizerName = 'adam' | 'adamw' | 'sgd';

export interface Config {
  dataset: DatasetName;
  /** Hidden layer widths, e.g. [16, 16]. */
  hidden: number[];
  activation: Activation;
  optimizer: OptimizerName;
  lr: number;
  seed: number;
}

export type Request =
  | { type: 'init'; backend: 'auto' | 'cpu' | 'webgpu' }
  /** Build a fresh model and dataset; training starts paused. */
  | { type: 'reset'; config: Config }
  | { type: 'train'; running: boolean };

export interface Snapshot {
  type: 'snapshot';
  step: number;
  loss: number;
  accuracy: number;
  /** Class of each grid cell (row-major, GRID × GRID over [−LIMIT, LIMIT]²) and its probability. */
  grid: Float32Array;
  confidence: Float32Array;
  msPerStep: number;
  tensors: number;
}

export type Response =
  | { type: 'ready'; init: InitResult }
  | { type: 'dataset'; x: Float32Array; y: Float32Array; classes: number }
  | Snapshot
  | { type: 'error'; message: string };

export const GRID = 48;
export const LIMIT = 1.5;
