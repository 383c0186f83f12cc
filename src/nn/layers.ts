// Layers: Linear (torch's initialisation and [out, in] weight layout), Sequential, activations, Dropout,
// LayerNorm.
import { fromArray, full, mulberry32, TensorOptions } from '../ops/creation';
import { WebgradError } from '../shape';
import { Tensor } from '../tensor';
import { dropout, gelu, layerNorm, relu, sigmoid, silu, tanh } from './functional/activations';
import { linear } from './functional/linear';
import { Module } from './module';

let initSeed = 0x1234567;
/** Seeds for layers built without one: a fixed sequence, so a program builds the same model every run. */
const nextInitSeed = (): number => (initSeed = (Math.imul(initSeed, 1664525) + 1013904223) >>> 0);

/** U(−bound, bound) computed on the host (identical on every backend). */
function uniform(shape: number[], bound: number, next: () => number, options: TensorOptions): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return fromArray(
    Float32Array.from({ length: n }, () => (2 * next() - 1) * bound),
    shape,
    options,
  );
}

/** Options of `Linear`. */
export interface LinearOptions {
  /** Add a learnable bias (default true). */
  bias?: boolean;
  /** Seed of the initial weights (default: the next of a fixed sequence). */
  seed?: number;
  /** Backend of the parameters (default: the one `init()` chose). */
  backend?: TensorOptions['backend'];
}

/**
 * y = x·Wᵀ + b with `weight` [out, in] and `bias` [out], initialised like torch.nn.Linear: Kaiming-uniform
 * with a = √5 for the weight and U(±1/√in) for the bias, which both come to U(±1/√in).
 */
export class Linear extends Module {
  /** The weight, [outFeatures, inFeatures]. */
  readonly weight!: Tensor;
  /** The bias, [outFeatures], or null without one. */
  readonly bias!: Tensor | null;

  constructor(
    /** Size of each input sample (the last dim). */
    readonly inFeatures: number,
    /** Size of each output sample. */
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    for (const [what, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new WebgradError('nn.Linear', `${what} must be a positive integer, got ${v}`);
    }
    const next = mulberry32(options.seed ?? nextInitSeed());
    const bound = 1 / Math.sqrt(inFeatures);
    const opts = { backend: options.backend };
    this.registerParameter('weight', uniform([outFeatures, inFeatures], bound, next, opts));
    if (options.bias === false) (this as { bias: Tensor | null }).bias = null;
    else this.registerParameter('bias', uniform([outFeatures], bound, next, opts));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** Runs modules in order, each on the previous one's output; parameters are named "0.weight", "1.bias", …. */
export class Sequential extends Module {
  /** The modules, in the order they run. */
  readonly modules: readonly Module[];

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => this.registerModule(String(i), m));
    this.modules = modules;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.modules) y = m.forward(y);
    return y;
  }
}

/** max(x, 0) as a module. */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** tanh as a module. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** The logistic sigmoid as a module. */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** GELU with the exact normal CDF (torch's default). */
export class GELU extends Module {
  forward(x: Tensor): Tensor {
    return gelu(x);
  }
}

/** x·sigmoid(x) (swish) as a module. */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** Inverted dropout in training mode (seeded: each call draws the next mask of its own sequence); identity in eval. */
export class Dropout extends Module {
  private readonly next: () => number;

  constructor(
    /** Probability of zeroing an element in training mode. */
    readonly p = 0.5,
    options: { seed?: number } = {},
  ) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new WebgradError('nn.Dropout', `p must be in [0, 1], got ${p}`);
    this.next = mulberry32(options.seed ?? nextInitSeed());
  }

  forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training, seed: Math.floor(this.next() * 2 ** 32) });
  }
}

/** Layer normalisation over the trailing `normalizedShape` dims, with a learnable scale (ones) and shift (zeros). */
export class LayerNorm extends Module {
  /** The elementwise scale (ones at first), or null without `elementwiseAffine`. */
  readonly weight!: Tensor | null;
  /** The elementwise shift (zeros at first), or null without `elementwiseAffine`. */
  readonly bias!: Tensor | null;
  /** The trailing dims normalised over. */
  readonly normalizedShape: number[];

  constructor(
    normalizedShape: number | number[],
    /** Added to the variance for stability. */
    readonly eps = 1e-5,
    options: { elementwiseAffine?: boolean; backend?: TensorOptions['backend'] } = {},
  ) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new WebgradError('nn.LayerNorm', `normalizedShape must hold positive integers, got ${JSON.stringify(normalizedShape)}`);
    }
    if (options.elementwiseAffine === false) {
      Object.assign(this, { weight: null, bias: null });
    } else {
      this.registerParameter('weight', full(this.normalizedShape, 1, { backend: options.backend }));
      this.registerParameter('bias', full(this.normalizedShape, 0, { backend: options.backend }));
    }
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}
