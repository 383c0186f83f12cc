// Messages between the digits page and its training worker.
import type { InitResult } from 'webgrad';

export type Request =
  | { type: 'init'; backend: 'auto' | 'cpu' | 'webgpu'; url: string }
  | { type: 'train'; epochs: number }
  | { type: 'classify'; pixels: Float32Array };

export type Response =
  | { type: 'ready'; init: InitResult; train: number; test: number; side: number }
  | { type: 'progress'; step: number; epoch: number; loss: number; msPerStep: number }
  | {
      type: 'epoch';
      epoch: number;
      step: number;
      testAccuracy: number;
      /** confusion[true * 10 + predicted] over the test set. */
      confusion: number[];
      /** The first test digits: pixels, true and predicted class. */
      samples: { pixels: Float32Array; label: number; predicted: number }[];
      tensors: number;
    }
  | { type: 'done' }
  | { type: 'classified'; probabilities: number[] }
  | { type: 'error'; message: string };
