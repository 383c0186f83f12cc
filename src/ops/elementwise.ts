// Elementwise ops: one table row each (WGSL forward and backward expressions beside the CPU reference
// function and its derivative), expanded into the templates shaders/unary*.wgsl and shaders/binary*.wgsl.
import { record } from '../autograd/record';
import { groups1d } from '../backend/webgpu/kernel';
import { broadcastShapes, broadcastStrides, collapseDims, packDims, Shape, WebgradError } from '../shape';
import { assertUsable, Tensor } from '../tensor';
import { addMethods, asWebGPU, cpuData, empty, gpuBuffer, gpuKernel, uniformWords } from './util';
import { fromArray } from './creation';
import unaryWgsl from '../../shaders/unary.wgsl?raw';
import unaryBackwardWgsl from '../../shaders/unary.backward.wgsl?raw';
import binaryWgsl from '../../shaders/binary.wgsl?raw';
import binaryBackwardWgsl from '../../shaders/binary.backward.wgsl?raw';

export type TensorLike = Tensor | number;

interface UnaryDef {
  /** WGSL in x, p0, p1. */
  wgsl: string;
  /** WGSL in x, y (forward output), g (incoming gradient), p0, p1. */
  wgslGrad: string;
  cpu: (x: number, p0: number, p1: number) => number;
  cpuGrad: (x: number, y: number, g: number, p0: number, p1: number) => number;
}

const sigmoidCpu = (x: number): number => 1 / (1 + Math.exp(-x));

/** erf to ~1e-7 (Abramowitz & Stegun 7.1.26 has 1.5e-7; this is the same form as erf_f in common.wgsl). */
export function erfCpu(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export const UNARY = {
  neg: { wgsl: '-x', wgslGrad: '-g', cpu: (x) => -x, cpuGrad: (_x, _y, g) => -g },
  square: { wgsl: 'x * x', wgslGrad: '2.0 * x * g', cpu: (x) => x * x, cpuGrad: (x, _y, g) => 2 * x * g },
  sqrt: { wgsl: 'sqrt(x)', wgslGrad: 'g * 0.5 / y', cpu: Math.sqrt, cpuGrad: (_x, y, g) => (g * 0.5) / y },
  exp: { wgsl: 'exp(x)', wgslGrad: 'g * y', cpu: Math.exp, cpuGrad: (_x, y, g) => g * y },
  log: { wgsl: 'log(x)', wgslGrad: 'g / x', cpu: Math.log, cpuGrad: (x, _y, g) => g / x },
  sin: { wgsl: 'sin_f(x)', wgslGrad: 'g * cos_f(x)', cpu: Math.sin, cpuGrad: (x, _y, g) => g * Math.cos(x) },
  cos: { wgsl: 'cos_f(x)', wgslGrad: '-g * sin_f(x)', cpu: Math.cos, cpuGrad: (x, _y, g) => -g * Math.sin(x) },
  tanh: { wgsl: 'tanh_f(x)', wgslGrad: 'g * (1.0 - y * y)', cpu: Math.tanh, cpuGrad: (_x, y, g) => g * (1 - y * y) },
  sigmoid: { wgsl: 'sigmoid_f(x)', wgslGrad: 'g * y * (1.0 - y)', cpu: sigmoidCpu, cpuGrad: (_x, y, g) => g * y * (1 - y) },
  relu: { wgsl: 'max(x, 0.0)', wgslGrad: 'select(0.0, g, x > 0.0)', cpu: (x) => Math.max(x, 0), cpuGrad: (x, _y, g) => (x > 0 ? g : 0) },
  /** GELU, exact form x·Φ(x) (torch's default); derivative Φ(x) + x·φ(x). */
  gelu: {
    wgsl: '0.5 * x * (1.0 + erf_f(x * 0.70710678118654752))',
    wgslGrad: 'g * (0.5 * (1.0 + erf_f(x * 0.70710678118654752)) + x * 0.39894228040143268 * exp(-0.5 * x * x))',
    cpu: (x) => 0.5 * x * (1 + erfCpu(x * SQRT1_2)),
    cpuGrad: (x, _y, g) => g * (0.5 * (1 + erfCpu(x * SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x)),
  },
  /** SiLU (swish), x·σ(x); derivative σ(x)·(1 + x·(1 − σ(x))). */
  silu: {
    wgsl: 'x * sigmoid_f(x)',
    wgslGrad: 'g * sigmoid_f(x) * (1.0 + x * (1.0 - sigmoid_f(x)))',
    cpu: (x) => x * sigmoidCpu(x),
    cpuGrad: (x, _y, g) => g * sigmoidCpu(x) * (1 + x * (1 - sigmoidCpu(x))),
  },
  abs: { wgsl: 'abs(x)', wgslGrad: 'g * sign(x)', cpu: Math.abs, cpuGrad: (x, _y, g) => g * Math.sign(x) },
  // Tensor-with-JS-number forms of the binary ops: the number travels in the uniform, not in a buffer.
  addScalar: { wgsl: 'x + p0', wgslGrad: 'g', cpu: (x, p0) => x + p0, cpuGrad: (_x, _y, g) => g },
  subScalar: { wgsl: 'x - p0', wgslGrad: 'g', cpu: (x, p0) => x - p0, cpuGrad: (_x, _y, g) => g },
  rsubScalar: { wgsl: 'p0 - x', wgslGrad: '-g', cpu: (x, p0) => p0 - x, cpuGrad: (_x, _y, g) => -g },
  mulScalar: { wgsl: 'x * p0', wgslGrad: 'g * p0', cpu: (x, p0) => x * p0, cpuGrad: (_x, _y, g, p0) => g * p0 },
  divScalar: { wgsl: 'x / p0', wgslGrad: 'g / p0', cpu: (x, p0) => x / p0, cpuGrad: (_x, _y, g, p0) => g / p0 },
  rdivScalar: { wgsl: 'p0 / x', wgslGrad: '-g * p0 / (x * x)', cpu: (x, p0) => p0 / x, cpuGrad: (x, _y, g, p0) => (-g * p0) / (x * x) },
  maximumScalar: {
    wgsl: 'max(x, p0)',
    wgslGrad: 'g * select(select(0.0, 0.5, x == p0), 1.0, x > p0)',
    cpu: (x, p0) => Math.max(x, p0),
    cpuGrad: (x, _y, g, p0) => g * (x > p0 ? 1 : x === p0 ? 0.5 : 0),
  },
  minimumScalar: {
    wgsl: 'min(x, p0)',
    wgslGrad: 'g * select(select(0.0, 0.5, x == p0), 1.0, x < p0)',
    cpu: (x, p0) => Math.min(x, p0),
    cpuGrad: (x, _y, g, p0) => g * (x < p0 ? 1 : x === p0 ? 0.5 : 0),
  },
  /** p0 ** x for a JS-number base. */
  rpowScalar: {
    wgsl: 'pow_f(p0, x)',
    wgslGrad: 'select(g * y * log(p0), 0.0, p0 == 0.0 && x >= 0.0)',
    cpu: (x, p0) => Math.pow(p0, x),
    cpuGrad: (x, y, g, p0) => (p0 === 0 && x >= 0 ? 0 : g * y * Math.log(p0)),
  },
  /** x ** p0 for a JS-number exponent. */
  powScalar: {
    wgsl: 'pow_f(x, p0)',
    wgslGrad: 'g * p0 * pow_f(x, p0 - 1.0)',
    cpu: (x, p0) => Math.pow(x, p0),
    cpuGrad: (x, _y, g, p0) => g * p0 * Math.pow(x, p0 - 1),
  },
  /** Clamp to [p0, p1]; the gradient passes where the input lies inside (bounds included), as in torch. */
  clamp: {
    wgsl: 'clamp(x, p0, p1)',
    wgslGrad: 'select(0.0, g, x >= p0 && x <= p1)',
    cpu: (x, lo, hi) => Math.min(Math.max(x, lo), hi),
    cpuGrad: (x, _y, g, lo, hi) => (x >= lo && x <= hi ? g : 0),
  },
} satisfies Record<string, UnaryDef>;

export type UnaryName = keyof typeof UNARY;

interface BinaryDef {
  /** WGSL in a, b. */
  wgsl: string;
  /** WGSL gradients for a and b in a, b, g; null for ops without a gradient (comparisons). */
  wgslGrad: [string, string] | null;
  cpu: (a: number, b: number) => number;
  cpuGrad: [(a: number, b: number, g: number) => number, (a: number, b: number, g: number) => number] | null;
}

// maximum/minimum split the gradient evenly on ties, as torch does.
const tieShare = (win: boolean, tie: boolean): number => (win ? 1 : tie ? 0.5 : 0);
const compare = (wgslOp: string, cpu: (a: number, b: number) => boolean): BinaryDef => ({
  wgsl: `select(0.0, 1.0, a ${wgslOp} b)`,
  wgslGrad: null,
  cpu: (a, b) => (cpu(a, b) ? 1 : 0),
  cpuGrad: null,
});

export const BINARY = {
  add: { wgsl: 'a + b', wgslGrad: ['g', 'g'], cpu: (a, b) => a + b, cpuGrad: [(_a, _b, g) => g, (_a, _b, g) => g] },
  sub: { wgsl: 'a - b', wgslGrad: ['g', '-g'], cpu: (a, b) => a - b, cpuGrad: [(_a, _b, g) => g, (_a, _b, g) => -g] },
  mul: { wgsl: 'a * b', wgslGrad: ['g * b', 'g * a'], cpu: (a, b) => a * b, cpuGrad: [(_a, b, g) => g * b, (a, _b, g) => g * a] },
  div: {
    wgsl: 'a / b',
    wgslGrad: ['g / b', '-g * a / (b * b)'],
    cpu: (a, b) => a / b,
    cpuGrad: [(_a, b, g) => g / b, (a, b, g) => (-g * a) / (b * b)],
  },
  pow: {
    wgsl: 'pow_f(a, b)',
    // d/db a^b = a^b ln a, taken as 0 where a = 0 and b >= 0 (torch's convention).
    wgslGrad: ['g * b * pow_f(a, b - 1.0)', 'select(g * pow_f(a, b) * log(a), 0.0, a == 0.0 && b >= 0.0)'],
    cpu: Math.pow,
    cpuGrad: [(a, b, g) => g * b * Math.pow(a, b - 1), (a, b, g) => (a === 0 && b >= 0 ? 0 : g * Math.pow(a, b) * Math.log(a))],
  },
  maximum: {
    wgsl: 'max(a, b)',
    wgslGrad: ['g * select(select(0.0, 0.5, a == b), 1.0, a > b)', 'g * select(select(0.0, 0.5, a == b), 1.0, b > a)'],
    cpu: Math.max,
    cpuGrad: [(a, b, g) => g * tieShare(a > b, a === b), (a, b, g) => g * tieShare(b > a, a === b)],
  },
  minimum: {
    wgsl: 'min(a, b)',
    wgslGrad: ['g * select(select(0.0, 0.5, a == b), 1.0, a < b)', 'g * select(select(0.0, 0.5, a == b), 1.0, b < a)'],
    cpu: Math.min,
    cpuGrad: [(a, b, g) => g * tieShare(a < b, a === b), (a, b, g) => g * tieShare(b < a, a === b)],
  },
  /** Binary cross-entropy of logits a against targets b, max(a, 0) − a·b + log(1 + e^−|a|) (stable for any a). */
  bceWithLogits: {
    wgsl: 'max(a, 0.0) - a * b + log(1.0 + exp(-abs(a)))',
    wgslGrad: ['g * (sigmoid_f(a) - b)', '-g * a'],
    cpu: (a, b) => Math.max(a, 0) - a * b + Math.log1p(Math.exp(-Math.abs(a))),
    cpuGrad: [(a, b, g) => g * (sigmoidCpu(a) - b), (a, _b, g) => -g * a],
  },
  eq: compare('==', (a, b) => a === b),
  ne: compare('!=', (a, b) => a !== b),
  gt: compare('>', (a, b) => a > b),
  ge: compare('>=', (a, b) => a >= b),
  lt: compare('<', (a, b) => a < b),
  le: compare('<=', (a, b) => a <= b),
} satisfies Record<string, BinaryDef>;

export type BinaryName = keyof typeof BINARY;

// ---- kernels -----------------------------------------------------------------------------------------

function unaryKernel(name: UnaryName, x: Tensor, p0: number, p1: number): Tensor {
  const def: UnaryDef = UNARY[name];
  const out = empty(x.backend, x.shape);
  if (x.size === 0) return out;
  if (x.backend.name === 'cpu') {
    const xs = cpuData(x);
    const ys = cpuData(out);
    for (let i = 0; i < xs.length && i < x.size; i++) ys[i] = def.cpu(xs[i], p0, p1);
  } else {
    const k = gpuKernel(`unary:${name}`, unaryWgsl, { EXPR: def.wgsl }, [1, 1]);
    asWebGPU(x.backend).run(k, [gpuBuffer(x), gpuBuffer(out)], uniformWords([x.size, { f: p0 }, { f: p1 }, 0]), groups1d(x.size));
  }
  return out;
}

function unaryGradKernel(name: UnaryName, x: Tensor, y: Tensor, g: Tensor, p0: number, p1: number): Tensor {
  const def: UnaryDef = UNARY[name];
  const out = empty(x.backend, x.shape);
  if (x.size === 0) return out;
  if (x.backend.name === 'cpu') {
    const [xs, ys, gs, ds] = [cpuData(x), cpuData(y), cpuData(g), cpuData(out)];
    for (let i = 0; i < x.size; i++) ds[i] = def.cpuGrad(xs[i], ys[i], gs[i], p0, p1);
  } else {
    const k = gpuKernel(`unary_bwd:${name}`, unaryBackwardWgsl, { GRAD: def.wgslGrad }, [3, 1]);
    const bufs = [gpuBuffer(x), gpuBuffer(y), gpuBuffer(g), gpuBuffer(out)];
    asWebGPU(x.backend).run(k, bufs, uniformWords([x.size, { f: p0 }, { f: p1 }, 0]), groups1d(x.size));
  }
  return out;
}

/** Index plan for a broadcast binary kernel: collapsed output shape and operand strides. */
function broadcastPlan(a: Shape, b: Shape, out: Shape) {
  return collapseDims(out, [broadcastStrides(a, out), broadcastStrides(b, out)]);
}

/**
 * Runs a broadcast binary kernel writing a tensor of `outShape`: the forward (grad undefined) or the
 * gradient of one side (g given, `side` 0 for a, 1 for b).
 */
function binaryKernel(name: BinaryName, a: Tensor, b: Tensor, outShape: Shape, grad?: { g: Tensor; side: 0 | 1 }): Tensor {
  const def: BinaryDef = BINARY[name];
  const out = empty(a.backend, outShape);
  if (out.size === 0) return out;
  const plan = broadcastPlan(a.shape, b.shape, outShape);
  if (a.backend.name === 'cpu') {
    const [as, bs, ys] = [cpuData(a), cpuData(b), cpuData(out)];
    const gs = grad ? cpuData(grad.g) : null;
    const f = grad ? def.cpuGrad![grad.side] : null;
    const { shape, strides } = plan;
    const [sa, sb] = strides;
    const rank = shape.length;
    for (let i = 0; i < out.size; i++) {
      let rest = i;
      let ia = 0;
      let ib = 0;
      for (let d = rank - 1; d >= 0; d--) {
        const c = rest % shape[d];
        rest = (rest - c) / shape[d];
        ia += c * sa[d];
        ib += c * sb[d];
      }
      ys[i] = f ? f(as[ia], bs[ib], gs![i]) : def.cpu(as[ia], bs[ib]);
    }
  } else {
    const words = uniformWords([out.size, plan.shape.length, 0, 0, ...packDims(name, [plan.shape, ...plan.strides])]);
    const gpu = asWebGPU(a.backend);
    if (grad) {
      const side = grad.side === 0 ? 'a' : 'b';
      const k = gpuKernel(`binary_bwd:${name}:${side}`, binaryBackwardWgsl, { GRAD: def.wgslGrad![grad.side], SIDE: side }, [3, 1]);
      gpu.run(k, [gpuBuffer(a), gpuBuffer(b), gpuBuffer(grad.g), gpuBuffer(out)], words, groups1d(out.size));
    } else {
      const k = gpuKernel(`binary:${name}`, binaryWgsl, { EXPR: def.wgsl }, [2, 1]);
      gpu.run(k, [gpuBuffer(a), gpuBuffer(b), gpuBuffer(out)], words, groups1d(out.size));
    }
  }
  return out;
}

// ---- ops ---------------------------------------------------------------------------------------------

/** A JS number becomes a 0-d tensor on the other operand's backend. */
export function toTensor(v: TensorLike, like: Tensor, op: string): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v !== 'number') throw new WebgradError(op, `expected a Tensor or a number, got ${typeof v}`);
  return fromArray([v], [], { backend: like.backend });
}

/** Runs the table's unary op `name`; `op` is the name errors and the tape show (e.g. 'mul' for mulScalar). */
export function unary(name: UnaryName, x: Tensor, p0 = 0, p1 = 0, op: string = name): Tensor {
  if (!(x instanceof Tensor)) throw new WebgradError(op, `expected a Tensor, got ${typeof x}`);
  assertUsable(op, x);
  const y = unaryKernel(name, x, p0, p1);
  return record(op, [y], [x], [x, y], ([g], [xs, ys]) => [unaryGradKernel(name, xs, ys, g!, p0, p1)])[0];
}

/** Unary forms of a binary op with a JS number on the right ([0]) or on the left ([1]). */
const SCALAR_FORMS: Partial<Record<BinaryName, [UnaryName, UnaryName]>> = {
  add: ['addScalar', 'addScalar'],
  sub: ['subScalar', 'rsubScalar'],
  mul: ['mulScalar', 'mulScalar'],
  div: ['divScalar', 'rdivScalar'],
  pow: ['powScalar', 'rpowScalar'],
  maximum: ['maximumScalar', 'maximumScalar'],
  minimum: ['minimumScalar', 'minimumScalar'],
};

export function binary(name: BinaryName, aIn: TensorLike, bIn: TensorLike): Tensor {
  const like = aIn instanceof Tensor ? aIn : bIn instanceof Tensor ? bIn : null;
  if (!like) throw new WebgradError(name, 'needs at least one Tensor operand');
  const forms = SCALAR_FORMS[name];
  if (forms && typeof bIn === 'number') return unary(forms[0], like, bIn, 0, name);
  if (forms && typeof aIn === 'number') return unary(forms[1], like, aIn, 0, name);
  const a = toTensor(aIn, like, name);
  const b = toTensor(bIn, like, name);
  assertUsable(name, a, b);
  const outShape = broadcastShapes(name, a.shape, b.shape);
  const y = binaryKernel(name, a, b, outShape);
  if (!BINARY[name].wgslGrad) return y;
  return record(name, [y], [a, b], [a, b], ([g], [as, bs]) => [
    a.requiresGrad ? binaryKernel(name, as, bs, outShape, { g: g!, side: 0 }) : null,
    b.requiresGrad ? binaryKernel(name, as, bs, outShape, { g: g!, side: 1 }) : null,
  ])[0];
}

export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', a, b);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('minimum', a, b);
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary('eq', a, b);
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary('ne', a, b);
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary('gt', a, b);
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary('ge', a, b);
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary('lt', a, b);
export const le = (a: TensorLike, b: TensorLike): Tensor => binary('le', a, b);

/** a ** b (x.pow(2) is exactly x·x; negative bases work for integer exponents, like torch). */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', a, b);

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sin = (x: Tensor): Tensor => unary('sin', x);
export const cos = (x: Tensor): Tensor => unary('cos', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);

/** Clamps to [min, max] (either may be omitted). */
export function clamp(x: Tensor, min = -Infinity, max = Infinity): Tensor {
  if (Number.isNaN(min) || Number.isNaN(max) || min > max) throw new WebgradError('clamp', `invalid bounds [${min}, ${max}]`);
  return unary('clamp', x, min, max);
}

declare module '../tensor' {
  interface Tensor {
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(exponent: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    eq(other: TensorLike): Tensor;
    ne(other: TensorLike): Tensor;
    gt(other: TensorLike): Tensor;
    ge(other: TensorLike): Tensor;
    lt(other: TensorLike): Tensor;
    le(other: TensorLike): Tensor;
    neg(): Tensor;
    square(): Tensor;
    sqrt(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    abs(): Tensor;
    clamp(min?: number, max?: number): Tensor;
  }
}

addMethods({
  add, sub, mul, div, pow, maximum, minimum, eq, ne, gt, ge, lt, le,
  neg, square, sqrt, exp, log, sin, cos, tanh, sigmoid, relu, abs, clamp,
});
