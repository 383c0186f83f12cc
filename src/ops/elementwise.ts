// Elementwise ops: one table row each — the WGSL forward and g·f′ expressions beside the CPU reference
// function and its derivative, and f′ in webgrad ops (`d`) for when the derivative must itself be
// differentiated. Rows expand into the templates shaders/unary*.wgsl and shaders/binary*.wgsl. Each row is
// a primitive: backward is the fused g·f′ kernel, or g·d(x) in recorded ops while a graph is being
// recorded (createGraph, forward mode over reverse); forward mode is one fused kernel giving f and ẋ·f′.
import { bind1, needsComposite, primitive, Primitive, renamed } from '../autograd/primitive';
import { groups1d } from '../backend/webgpu/kernel';
import { broadcastShapes, broadcastStrides, collapseDims, packDims, sameShape, Shape, stridedOffsets, WebgradError } from '../shape';
import { Tensor } from '../tensor';
import { addMethods, asWebGPU, cpuData, empty, gpuBuffer, gpuKernel, uniformWords } from './util';
import { fromArray } from './creation';
import { broadcastTo } from './broadcast';
import unaryWgsl from '../../shaders/unary.wgsl?raw';
import unaryBackwardWgsl from '../../shaders/unary.backward.wgsl?raw';
import unaryJvpWgsl from '../../shaders/unary.jvp.wgsl?raw';
import binaryWgsl from '../../shaders/binary.wgsl?raw';
import binaryBackwardWgsl from '../../shaders/binary.backward.wgsl?raw';
import binaryJvpWgsl from '../../shaders/binary.jvp.wgsl?raw';

/** A tensor or a JS number (numbers travel in kernel uniforms and broadcast like 0-d tensors). */
export type TensorLike = Tensor | number;

interface UnaryDef {
  /** WGSL in x, p0, p1. */
  wgsl: string;
  /** WGSL g·f′ in x, y (forward output), g (incoming gradient or tangent), p0, p1. */
  wgslGrad: string;
  cpu: (x: number, p0: number, p1: number) => number;
  cpuGrad: (x: number, y: number, g: number, p0: number, p1: number) => number;
  /** f′ in webgrad ops (a number when constant), for derivatives that are themselves differentiated. */
  d: (x: Tensor, y: Tensor, p0: number, p1: number) => Tensor | number;
}

const sigmoidCpu = (x: number): number => 1 / (1 + Math.exp(-x));
/** The tie-splitting mask of maximum/minimum: 1 where `win`, ½ on ties (torch's convention). */
const tieMask = (win: Tensor, tie: Tensor): Tensor => add(win, mul(tie, 0.5));

/** erf to ~1e-7 (Abramowitz & Stegun 7.1.26 has 1.5e-7; this is the same form as erf_f in common.wgsl). */
export function erfCpu(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export const UNARY = {
  neg: { wgsl: '-x', wgslGrad: '-g', cpu: (x) => -x, cpuGrad: (_x, _y, g) => -g, d: () => -1 },
  square: { wgsl: 'x * x', wgslGrad: '2.0 * x * g', cpu: (x) => x * x, cpuGrad: (x, _y, g) => 2 * x * g, d: (x) => mul(x, 2) },
  sqrt: { wgsl: 'sqrt(x)', wgslGrad: 'g * 0.5 / y', cpu: Math.sqrt, cpuGrad: (_x, y, g) => (g * 0.5) / y, d: (_x, y) => div(0.5, y) },
  exp: { wgsl: 'exp(x)', wgslGrad: 'g * y', cpu: Math.exp, cpuGrad: (_x, y, g) => g * y, d: (_x, y) => y },
  log: { wgsl: 'log(x)', wgslGrad: 'g / x', cpu: Math.log, cpuGrad: (x, _y, g) => g / x, d: (x) => div(1, x) },
  sin: { wgsl: 'sin_f(x)', wgslGrad: 'g * cos_f(x)', cpu: Math.sin, cpuGrad: (x, _y, g) => g * Math.cos(x), d: (x) => cos(x) },
  cos: { wgsl: 'cos_f(x)', wgslGrad: '-g * sin_f(x)', cpu: Math.cos, cpuGrad: (x, _y, g) => -g * Math.sin(x), d: (x) => neg(sin(x)) },
  tanh: { wgsl: 'tanh_f(x)', wgslGrad: 'g * (1.0 - y * y)', cpu: Math.tanh, cpuGrad: (_x, y, g) => g * (1 - y * y), d: (_x, y) => sub(1, square(y)) },
  sigmoid: {
    wgsl: 'sigmoid_f(x)',
    wgslGrad: 'g * y * (1.0 - y)',
    cpu: sigmoidCpu,
    cpuGrad: (_x, y, g) => g * y * (1 - y),
    d: (_x, y) => mul(y, sub(1, y)),
  },
  relu: {
    wgsl: 'max(x, 0.0)',
    wgslGrad: 'select(0.0, g, x > 0.0)',
    cpu: (x) => Math.max(x, 0),
    cpuGrad: (x, _y, g) => (x > 0 ? g : 0),
    d: (x) => gt(x, 0),
  },
  /** erf, with d/dx = (2/√π)·e^{−x²}. */
  erf: {
    wgsl: 'erf_f(x)',
    wgslGrad: 'g * 1.1283791670955126 * exp(-x * x)',
    cpu: (x) => erfCpu(x),
    cpuGrad: (x, _y, g) => g * (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x),
    d: (x) => mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI)),
  },
  /** GELU, exact form x·Φ(x) (torch's default); derivative Φ(x) + x·φ(x). */
  gelu: {
    wgsl: '0.5 * x * (1.0 + erf_f(x * 0.70710678118654752))',
    wgslGrad: 'g * (0.5 * (1.0 + erf_f(x * 0.70710678118654752)) + x * 0.39894228040143268 * exp(-0.5 * x * x))',
    cpu: (x) => 0.5 * x * (1 + erfCpu(x * SQRT1_2)),
    cpuGrad: (x, _y, g) => g * (0.5 * (1 + erfCpu(x * SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x)),
    d: (x) => add(mul(add(erf(mul(x, SQRT1_2)), 1), 0.5), mul(x, mul(exp(mul(square(x), -0.5)), INV_SQRT_2PI))),
  },
  /** SiLU (swish), x·σ(x); derivative σ(x)·(1 + x·(1 − σ(x))). */
  silu: {
    wgsl: 'x * sigmoid_f(x)',
    wgslGrad: 'g * sigmoid_f(x) * (1.0 + x * (1.0 - sigmoid_f(x)))',
    cpu: (x) => x * sigmoidCpu(x),
    cpuGrad: (x, _y, g) => g * sigmoidCpu(x) * (1 + x * (1 - sigmoidCpu(x))),
    d: (x) => {
      const s = sigmoid(x);
      return mul(s, add(mul(x, sub(1, s)), 1));
    },
  },
  abs: { wgsl: 'abs(x)', wgslGrad: 'g * sign(x)', cpu: Math.abs, cpuGrad: (x, _y, g) => g * Math.sign(x), d: (x) => sub(gt(x, 0), lt(x, 0)) },
  // Tensor-with-JS-number forms of the binary ops: the number travels in the uniform, not in a buffer.
  addScalar: { wgsl: 'x + p0', wgslGrad: 'g', cpu: (x, p0) => x + p0, cpuGrad: (_x, _y, g) => g, d: () => 1 },
  subScalar: { wgsl: 'x - p0', wgslGrad: 'g', cpu: (x, p0) => x - p0, cpuGrad: (_x, _y, g) => g, d: () => 1 },
  rsubScalar: { wgsl: 'p0 - x', wgslGrad: '-g', cpu: (x, p0) => p0 - x, cpuGrad: (_x, _y, g) => -g, d: () => -1 },
  mulScalar: { wgsl: 'x * p0', wgslGrad: 'g * p0', cpu: (x, p0) => x * p0, cpuGrad: (_x, _y, g, p0) => g * p0, d: (_x, _y, p0) => p0 },
  divScalar: { wgsl: 'x / p0', wgslGrad: 'g / p0', cpu: (x, p0) => x / p0, cpuGrad: (_x, _y, g, p0) => g / p0, d: (_x, _y, p0) => 1 / p0 },
  rdivScalar: {
    wgsl: 'p0 / x',
    wgslGrad: '-g * p0 / (x * x)',
    cpu: (x, p0) => p0 / x,
    cpuGrad: (x, _y, g, p0) => (-g * p0) / (x * x),
    d: (x, _y, p0) => div(-p0, square(x)),
  },
  maximumScalar: {
    wgsl: 'max(x, p0)',
    wgslGrad: 'g * select(select(0.0, 0.5, x == p0), 1.0, x > p0)',
    cpu: (x, p0) => Math.max(x, p0),
    cpuGrad: (x, _y, g, p0) => g * (x > p0 ? 1 : x === p0 ? 0.5 : 0),
    d: (x, _y, p0) => tieMask(gt(x, p0), eq(x, p0)),
  },
  minimumScalar: {
    wgsl: 'min(x, p0)',
    wgslGrad: 'g * select(select(0.0, 0.5, x == p0), 1.0, x < p0)',
    cpu: (x, p0) => Math.min(x, p0),
    cpuGrad: (x, _y, g, p0) => g * (x < p0 ? 1 : x === p0 ? 0.5 : 0),
    d: (x, _y, p0) => tieMask(lt(x, p0), eq(x, p0)),
  },
  /** p0 ** x for a JS-number base. */
  rpowScalar: {
    wgsl: 'pow_f(p0, x)',
    wgslGrad: 'select(g * y * log(p0), 0.0, p0 == 0.0 && x >= 0.0)',
    cpu: (x, p0) => p0 ** x,
    cpuGrad: (x, y, g, p0) => (p0 === 0 && x >= 0 ? 0 : g * y * Math.log(p0)),
    d: (_x, y, p0) => (p0 === 0 ? 0 : mul(y, Math.log(p0))),
  },
  /** x ** p0 for a JS-number exponent. */
  powScalar: {
    wgsl: 'pow_f(x, p0)',
    wgslGrad: 'g * p0 * pow_f(x, p0 - 1.0)',
    cpu: (x, p0) => x ** p0,
    cpuGrad: (x, _y, g, p0) => g * p0 * x ** (p0 - 1),
    d: (x, _y, p0) => (p0 === 0 ? 0 : p0 === 1 ? 1 : mul(pow(x, p0 - 1), p0)),
  },
  /** Clamp to [p0, p1]; the gradient passes where the input lies inside (bounds included), as in torch. */
  clamp: {
    wgsl: 'clamp(x, p0, p1)',
    wgslGrad: 'select(0.0, g, x >= p0 && x <= p1)',
    cpu: (x, lo, hi) => Math.min(Math.max(x, lo), hi),
    cpuGrad: (x, _y, g, lo, hi) => (x >= lo && x <= hi ? g : 0),
    d: (x, _y, lo, hi) => mul(ge(x, lo), le(x, hi)),
  },
} satisfies Record<string, UnaryDef>;

export type UnaryName = keyof typeof UNARY;

interface BinaryDef {
  /** WGSL in a, b. */
  wgsl: string;
  /** WGSL g·∂f/∂a and g·∂f/∂b in a, b, g; null for ops without a derivative (comparisons). */
  wgslGrad: [string, string] | null;
  cpu: (a: number, b: number) => number;
  cpuGrad: [(a: number, b: number, g: number) => number, (a: number, b: number, g: number) => number] | null;
  /** ∂f/∂a and ∂f/∂b in webgrad ops (y is f(a, b)). */
  d: [(a: Tensor, b: Tensor, y: Tensor) => Tensor | number, (a: Tensor, b: Tensor, y: Tensor) => Tensor | number] | null;
}

// maximum/minimum split the gradient evenly on ties, as torch does.
const tieShare = (win: boolean, tie: boolean): number => (win ? 1 : tie ? 0.5 : 0);
const compare = (wgslOp: string, cpu: (a: number, b: number) => boolean): BinaryDef => ({
  wgsl: `select(0.0, 1.0, a ${wgslOp} b)`,
  wgslGrad: null,
  cpu: (a, b) => (cpu(a, b) ? 1 : 0),
  cpuGrad: null,
  d: null,
});

export const BINARY = {
  add: { wgsl: 'a + b', wgslGrad: ['g', 'g'], cpu: (a, b) => a + b, cpuGrad: [(_a, _b, g) => g, (_a, _b, g) => g], d: [() => 1, () => 1] },
  sub: { wgsl: 'a - b', wgslGrad: ['g', '-g'], cpu: (a, b) => a - b, cpuGrad: [(_a, _b, g) => g, (_a, _b, g) => -g], d: [() => 1, () => -1] },
  mul: {
    wgsl: 'a * b',
    wgslGrad: ['g * b', 'g * a'],
    cpu: (a, b) => a * b,
    cpuGrad: [(_a, b, g) => g * b, (a, _b, g) => g * a],
    d: [(_a, b) => b, (a) => a],
  },
  div: {
    wgsl: 'a / b',
    wgslGrad: ['g / b', '-g * a / (b * b)'],
    cpu: (a, b) => a / b,
    cpuGrad: [(_a, b, g) => g / b, (a, b, g) => (-g * a) / (b * b)],
    d: [(_a, b) => div(1, b), (_a, b, y) => neg(div(y, b))],
  },
  pow: {
    wgsl: 'pow_f(a, b)',
    // d/db a^b = a^b ln a, taken as 0 where a = 0 and b >= 0 (torch's convention).
    wgslGrad: ['g * b * pow_f(a, b - 1.0)', 'select(g * pow_f(a, b) * log(a), 0.0, a == 0.0 && b >= 0.0)'],
    cpu: Math.pow,
    cpuGrad: [(a, b, g) => g * b * a ** (b - 1), (a, b, g) => (a === 0 && b >= 0 ? 0 : g * a ** b * Math.log(a))],
    // ln(a + [a = 0 ∧ b ≥ 0]) is ln a, or 0 where the convention sets the derivative to 0.
    d: [(a, b) => mul(b, pow(a, sub(b, 1))), (a, b, y) => mul(y, log(add(a, mul(eq(a, 0), ge(b, 0)))))],
  },
  maximum: {
    wgsl: 'max(a, b)',
    wgslGrad: ['g * select(select(0.0, 0.5, a == b), 1.0, a > b)', 'g * select(select(0.0, 0.5, a == b), 1.0, b > a)'],
    cpu: Math.max,
    cpuGrad: [(a, b, g) => g * tieShare(a > b, a === b), (a, b, g) => g * tieShare(b > a, a === b)],
    d: [(a, b) => tieMask(gt(a, b), eq(a, b)), (a, b) => tieMask(gt(b, a), eq(a, b))],
  },
  minimum: {
    wgsl: 'min(a, b)',
    wgslGrad: ['g * select(select(0.0, 0.5, a == b), 1.0, a < b)', 'g * select(select(0.0, 0.5, a == b), 1.0, b < a)'],
    cpu: Math.min,
    cpuGrad: [(a, b, g) => g * tieShare(a < b, a === b), (a, b, g) => g * tieShare(b < a, a === b)],
    d: [(a, b) => tieMask(lt(a, b), eq(a, b)), (a, b) => tieMask(lt(b, a), eq(a, b))],
  },
  /** Binary cross-entropy of logits a against targets b, max(a, 0) − a·b + log(1 + e^−|a|) (stable for any a). */
  bceWithLogits: {
    wgsl: 'max(a, 0.0) - a * b + log(1.0 + exp(-abs(a)))',
    wgslGrad: ['g * (sigmoid_f(a) - b)', '-g * a'],
    cpu: (a, b) => Math.max(a, 0) - a * b + Math.log1p(Math.exp(-Math.abs(a))),
    cpuGrad: [(a, b, g) => g * (sigmoidCpu(a) - b), (a, _b, g) => -g * a],
    d: [(a, b) => sub(sigmoid(a), b), (a) => neg(a)],
  },
  eq: compare('==', (a, b) => a === b),
  ne: compare('!=', (a, b) => a !== b),
  gt: compare('>', (a, b) => a > b),
  ge: compare('>=', (a, b) => a >= b),
  lt: compare('<', (a, b) => a < b),
  le: compare('<=', (a, b) => a <= b),
} satisfies Record<string, BinaryDef>;

export type BinaryName = keyof typeof BINARY;

/** t · f′ where f′ may be a constant; the result has t's shape broadcast with f′'s. */
function times(t: Tensor, d: Tensor | number): Tensor {
  if (typeof d !== 'number') return mul(t, d);
  return d === 1 ? t : mul(t, d);
}

// ---- unary kernels and primitives --------------------------------------------------------------------

interface UnaryParams {
  name: UnaryName;
  p0: number;
  p1: number;
}

const unaryWords = (n: number, p: UnaryParams): Uint32Array => uniformWords([n, { f: p.p0 }, { f: p.p1 }, 0]);

const unaryImpl = {
  cpu([x]: readonly Tensor[], p: UnaryParams): Tensor[] {
    const def: UnaryDef = UNARY[p.name];
    const out = empty(x.backend, x.shape);
    const [xs, ys] = [cpuData(x), cpuData(out)];
    for (let i = 0; i < x.size; i++) ys[i] = def.cpu(xs[i], p.p0, p.p1);
    return [out];
  },
  webgpu([x]: readonly Tensor[], p: UnaryParams): Tensor[] {
    const out = empty(x.backend, x.shape);
    if (x.size === 0) return [out];
    const k = gpuKernel(`unary:${p.name}`, unaryWgsl, { EXPR: UNARY[p.name].wgsl }, [1, 1]);
    asWebGPU(x.backend).run(k, [gpuBuffer(x), gpuBuffer(out)], unaryWords(x.size, p), groups1d(x.size));
    return [out];
  },
};

/** The fused g·f′ kernel: backward's cotangent, or forward mode's tangent with g = ẋ. */
const unaryGradImpl = {
  cpu(x: Tensor, y: Tensor, g: Tensor, p: UnaryParams): Tensor {
    const def: UnaryDef = UNARY[p.name];
    const out = empty(x.backend, x.shape);
    const [xs, ys, gs, ds] = [cpuData(x), cpuData(y), cpuData(g), cpuData(out)];
    for (let i = 0; i < x.size; i++) ds[i] = def.cpuGrad(xs[i], ys[i], gs[i], p.p0, p.p1);
    return out;
  },
  webgpu(x: Tensor, y: Tensor, g: Tensor, p: UnaryParams): Tensor {
    const out = empty(x.backend, x.shape);
    if (x.size === 0) return out;
    const k = gpuKernel(`unary_bwd:${p.name}`, unaryBackwardWgsl, { GRAD: UNARY[p.name].wgslGrad }, [3, 1]);
    asWebGPU(x.backend).run(k, [gpuBuffer(x), gpuBuffer(y), gpuBuffer(g), gpuBuffer(out)], unaryWords(x.size, p), groups1d(x.size));
    return out;
  },
};

const unaryFusedJvp = {
  cpu([x]: readonly Tensor[], [t]: readonly (Tensor | null)[], p: UnaryParams): [Tensor[], Tensor[]] {
    const [y] = unaryImpl.cpu([x], p);
    return [[y], [unaryGradImpl.cpu(x, y, t!, p)]];
  },
  webgpu([x]: readonly Tensor[], [t]: readonly (Tensor | null)[], p: UnaryParams): [Tensor[], Tensor[]] {
    const [y, dy] = [empty(x.backend, x.shape), empty(x.backend, x.shape)];
    if (x.size > 0) {
      const def: UnaryDef = UNARY[p.name];
      const k = gpuKernel(`unary_jvp:${p.name}`, unaryJvpWgsl, { EXPR: def.wgsl, GRAD: def.wgslGrad }, [2, 2]);
      asWebGPU(x.backend).run(k, [gpuBuffer(x), gpuBuffer(t!), gpuBuffer(y), gpuBuffer(dy)], unaryWords(x.size, p), groups1d(x.size));
    }
    return [[y], [dy]];
  },
};

/**
 * One primitive for all unary rows (the row is a parameter). Backward: the fused g·f′ kernel, or g·d(x) in
 * recorded ops when the gradient must be differentiable. Forward mode: the fused kernel for y and ẋ·f′ when
 * nothing records, else ẋ·d(x) in ops.
 */
const unaryPrim: Primitive<UnaryParams> = primitive({
  name: 'unary',
  impl: unaryImpl,
  vjp([g], { inputs: [x], outputs: [y], params: p }) {
    if (!g) return [null];
    if (needsComposite([x, y, g])) return [times(g, UNARY[p.name].d(x, y, p.p0, p.p1))];
    return [unaryGradImpl[x.backend.name](x, y, g, p)];
  },
  jvp([t], { inputs: [x], outputs: [y], params: p }) {
    return [t && times(t, UNARY[p.name].d(x, y, p.p0, p.p1))];
  },
  fusedJvp: unaryFusedJvp,
});

// ---- binary kernels and primitives -------------------------------------------------------------------

interface BinaryParams {
  name: BinaryName;
  outShape: Shape;
}

/** Uniform words of a broadcast binary kernel writing `outShape`, and the rank of its collapsed shape. */
function binaryPlan(a: Tensor, b: Tensor, outShape: Shape): { words: Uint32Array; rank: number } {
  const plan = collapseDims(outShape, [broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape)]);
  const words = uniformWords([sizeOfShape(outShape), plan.shape.length, 0, 0, ...packDims('binary', [plan.shape, ...plan.strides])]);
  return { words, rank: plan.shape.length };
}

/**
 * The WGSL that finds an element's two source offsets, specialised by the collapsed rank: same-shape and
 * scalar operands (rank ≤ 1) and row/column broadcasts (rank 2) index directly; deeper ones walk the
 * shape (dynamic indexing of uniform arrays costs CPU drivers ~10× an elementwise op).
 */
function offsetsWgsl(rank: number): { key: string; code: string } {
  if (rank <= 1) return { key: '1d', code: 'vec2<u32>(i * params.stride_a[0].x, i * params.stride_b[0].x)' };
  if (rank === 2) {
    const code =
      'vec2<u32>((i / params.shape[0].y) * params.stride_a[0].x + (i % params.shape[0].y) * params.stride_a[0].y, ' +
      '(i / params.shape[0].y) * params.stride_b[0].x + (i % params.shape[0].y) * params.stride_b[0].y)';
    return { key: '2d', code };
  }
  return { key: '3d+', code: 'strided_offsets(i, params.rank, params.shape, params.stride_a, params.stride_b)' };
}

const sizeOfShape = (s: Shape): number => s.reduce((p, d) => p * d, 1);

/** f(a[ia], b[ib]) for every output element on the CPU, `f` given the element's two source offsets. */
function cpuBroadcast(a: Tensor, b: Tensor, out: Tensor, f: (ia: number, ib: number, i: number) => number): void {
  const { shape, strides } = collapseDims(out.shape, [broadcastStrides(a.shape, out.shape), broadcastStrides(b.shape, out.shape)]);
  const [sa, sb] = strides;
  const ys = cpuData(out);
  const at = [0, 0];
  for (let i = 0; i < out.size; i++) {
    stridedOffsets(i, shape, sa, sb, at);
    ys[i] = f(at[0], at[1], i);
  }
}

const binaryImpl = {
  cpu([a, b]: readonly Tensor[], p: BinaryParams): Tensor[] {
    const def: BinaryDef = BINARY[p.name];
    const out = empty(a.backend, p.outShape);
    const [as, bs, ys] = [cpuData(a), cpuData(b), cpuData(out)];
    if (a.size === out.size && b.size === out.size) {
      const f = def.cpu; // same shapes: no index walk
      for (let i = 0; i < out.size; i++) ys[i] = f(as[i], bs[i]);
    } else {
      cpuBroadcast(a, b, out, (ia, ib) => def.cpu(as[ia], bs[ib]));
    }
    return [out];
  },
  webgpu([a, b]: readonly Tensor[], p: BinaryParams): Tensor[] {
    const out = empty(a.backend, p.outShape);
    if (out.size === 0) return [out];
    const { words, rank } = binaryPlan(a, b, p.outShape);
    const at = offsetsWgsl(rank);
    const k = gpuKernel(`binary:${p.name}:${at.key}`, binaryWgsl, { EXPR: BINARY[p.name].wgsl, OFFSETS: at.code }, [2, 1]);
    asWebGPU(a.backend).run(k, [gpuBuffer(a), gpuBuffer(b), gpuBuffer(out)], words, groups1d(out.size));
    return [out];
  },
};

/** The fused g·∂f/∂(side) kernel at the output's shape (the engine sums it down to the operand's). */
const binaryGradImpl = {
  cpu(a: Tensor, b: Tensor, g: Tensor, side: 0 | 1, p: BinaryParams): Tensor {
    const f = BINARY[p.name].cpuGrad![side];
    const out = empty(a.backend, p.outShape);
    const [as, bs, gs] = [cpuData(a), cpuData(b), cpuData(g)];
    cpuBroadcast(a, b, out, (ia, ib, i) => f(as[ia], bs[ib], gs[i]));
    return out;
  },
  webgpu(a: Tensor, b: Tensor, g: Tensor, side: 0 | 1, p: BinaryParams): Tensor {
    const out = empty(a.backend, p.outShape);
    if (out.size === 0) return out;
    const name = side === 0 ? 'a' : 'b';
    const { words, rank } = binaryPlan(a, b, p.outShape);
    const at = offsetsWgsl(rank);
    const values = { GRAD: BINARY[p.name].wgslGrad![side], SIDE: name, OFFSETS: at.code };
    const k = gpuKernel(`binary_bwd:${p.name}:${name}:${at.key}`, binaryBackwardWgsl, values, [3, 1]);
    asWebGPU(a.backend).run(k, [gpuBuffer(a), gpuBuffer(b), gpuBuffer(g), gpuBuffer(out)], words, groups1d(out.size));
    return out;
  },
};

const binaryFusedJvp = {
  cpu([a, b]: readonly Tensor[], [ta, tb]: readonly (Tensor | null)[], p: BinaryParams): [Tensor[], Tensor[]] {
    const def: BinaryDef = BINARY[p.name];
    const [fa, fb] = def.cpuGrad!;
    const [y, dy] = [empty(a.backend, p.outShape), empty(a.backend, p.outShape)];
    const [as, bs, tas, tbs, dys] = [cpuData(a), cpuData(b), ta && cpuData(ta), tb && cpuData(tb), cpuData(dy)];
    cpuBroadcast(a, b, y, (ia, ib, i) => {
      dys[i] = (tas ? fa(as[ia], bs[ib], tas[ia]) : 0) + (tbs ? fb(as[ia], bs[ib], tbs[ib]) : 0);
      return def.cpu(as[ia], bs[ib]);
    });
    return [[y], [dy]];
  },
  webgpu([a, b]: readonly Tensor[], [ta, tb]: readonly (Tensor | null)[], p: BinaryParams): [Tensor[], Tensor[]] {
    const def: BinaryDef = BINARY[p.name];
    const [y, dy] = [empty(a.backend, p.outShape), empty(a.backend, p.outShape)];
    if (y.size === 0) return [[y], [dy]];
    const terms = [ta ? 'grad_a(a, b, tas[at.x])' : '', tb ? 'grad_b(a, b, tbs[at.y])' : ''].filter(Boolean);
    const { words, rank } = binaryPlan(a, b, p.outShape);
    const at = offsetsWgsl(rank);
    const values = { EXPR: def.wgsl, GRAD_A: def.wgslGrad![0], GRAD_B: def.wgslGrad![1], TANGENT: terms.join(' + '), OFFSETS: at.code };
    const k = gpuKernel(`binary_jvp:${p.name}:${ta ? 'a' : ''}${tb ? 'b' : ''}:${at.key}`, binaryJvpWgsl, values, [4, 2]);
    const bufs = [a, b, ta ?? a, tb ?? b, y, dy].map(gpuBuffer);
    asWebGPU(a.backend).run(k, bufs, words, groups1d(y.size));
    return [[y], [dy]];
  },
};

/** A tangent term at the output's shape. */
function atShape(t: Tensor, shape: Shape): Tensor {
  return sameShape(t.shape, shape) ? t : broadcastTo(t, shape);
}

/** One primitive for all differentiable binary rows; comparisons use `comparePrim` (no derivative). */
const binaryPrim: Primitive<BinaryParams> = primitive({
  name: 'binary',
  impl: binaryImpl,
  vjp([g], { inputs: [a, b], outputs: [y], params: p }) {
    if (!g) return [null, null];
    const def: BinaryDef = BINARY[p.name];
    if (needsComposite([a, b, y, g])) {
      return [a.requiresGrad ? times(g, def.d![0](a, b, y)) : null, b.requiresGrad ? times(g, def.d![1](a, b, y)) : null];
    }
    const fused = binaryGradImpl[a.backend.name];
    return [a.requiresGrad ? fused(a, b, g, 0, p) : null, b.requiresGrad ? fused(a, b, g, 1, p) : null];
  },
  jvp([ta, tb], { inputs: [a, b], outputs: [y], params: p }) {
    const def: BinaryDef = BINARY[p.name];
    const left = ta && atShape(times(ta, def.d![0](a, b, y)), p.outShape);
    const right = tb && atShape(times(tb, def.d![1](a, b, y)), p.outShape);
    return [left && right ? add(left, right) : (left ?? right)];
  },
  fusedJvp: binaryFusedJvp,
});

const comparePrim: Primitive<BinaryParams> = primitive({ name: 'compare', impl: binaryImpl });

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
  return bind1(renamed(unaryPrim, op), [x], { name, p0, p1 });
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
  const outShape = broadcastShapes(name, a.shape, b.shape);
  const prim = BINARY[name].d ? binaryPrim : comparePrim;
  return bind1(renamed(prim, name), [a, b], { name, outShape });
}

/** a + b, elementwise with NumPy broadcasting (JS numbers allowed). */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
/** a − b, elementwise with broadcasting. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
/** a · b, elementwise with broadcasting. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
/** a / b, elementwise with broadcasting. */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', a, b);
/** The larger of a and b, elementwise with broadcasting (ties split the gradient evenly). */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', a, b);
/** The smaller of a and b, elementwise with broadcasting (ties split the gradient evenly). */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('minimum', a, b);
/** 1 where a = b, else 0 (float32), with broadcasting; not differentiable. */
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary('eq', a, b);
/** 1 where a ≠ b, else 0, with broadcasting; not differentiable. */
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary('ne', a, b);
/** 1 where a > b, else 0, with broadcasting; not differentiable. */
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary('gt', a, b);
/** 1 where a ≥ b, else 0, with broadcasting; not differentiable. */
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary('ge', a, b);
/** 1 where a < b, else 0, with broadcasting; not differentiable. */
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary('lt', a, b);
/** 1 where a ≤ b, else 0, with broadcasting; not differentiable. */
export const le = (a: TensorLike, b: TensorLike): Tensor => binary('le', a, b);

/** a ** b (x.pow(2) is exactly x·x; negative bases work for integer exponents, like torch). */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', a, b);

/** −x, elementwise. */
export const neg = (x: Tensor): Tensor => unary('neg', x);
/** x², elementwise. */
export const square = (x: Tensor): Tensor => unary('square', x);
/** √x, elementwise. */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/** eˣ, elementwise. */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/** The natural logarithm ln x, elementwise. */
export const log = (x: Tensor): Tensor => unary('log', x);
/** sin x, elementwise (~1 ulp in WGSL, not the builtin). */
export const sin = (x: Tensor): Tensor => unary('sin', x);
/** cos x, elementwise (~1 ulp in WGSL, not the builtin). */
export const cos = (x: Tensor): Tensor => unary('cos', x);
/** tanh x, elementwise. */
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** The logistic function 1 / (1 + e^{−x}), elementwise. */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
/** max(x, 0), elementwise. */
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** |x|, elementwise. */
export const abs = (x: Tensor): Tensor => unary('abs', x);
/** The error function (Abramowitz–Stegun form, ~1e-7). */
export const erf = (x: Tensor): Tensor => unary('erf', x);

/** Clamps to [min, max] (either may be omitted). */
export function clamp(x: Tensor, min = -Infinity, max = Infinity): Tensor {
  if (Number.isNaN(min) || Number.isNaN(max) || min > max) throw new WebgradError('clamp', `invalid bounds [${min}, ${max}]`);
  return unary('clamp', x, min, max);
}

declare module '../tensor' {
  interface Tensor {
    /** this + other, elementwise with NumPy broadcasting; `other` may be a JS number. */
    add(other: TensorLike): Tensor;
    /** this − other, elementwise with broadcasting. */
    sub(other: TensorLike): Tensor;
    /** this · other, elementwise with broadcasting. */
    mul(other: TensorLike): Tensor;
    /** this / other, elementwise with broadcasting. */
    div(other: TensorLike): Tensor;
    /** this raised to the power `exponent`, elementwise with broadcasting. */
    pow(exponent: TensorLike): Tensor;
    /** The larger of this and other, elementwise with broadcasting (ties split the gradient evenly). */
    maximum(other: TensorLike): Tensor;
    /** The smaller of this and other, elementwise with broadcasting (ties split the gradient evenly). */
    minimum(other: TensorLike): Tensor;
    /** 1 where this = other, else 0 (float32), with broadcasting; not differentiable. */
    eq(other: TensorLike): Tensor;
    /** 1 where this ≠ other, else 0, with broadcasting; not differentiable. */
    ne(other: TensorLike): Tensor;
    /** 1 where this > other, else 0, with broadcasting; not differentiable. */
    gt(other: TensorLike): Tensor;
    /** 1 where this ≥ other, else 0, with broadcasting; not differentiable. */
    ge(other: TensorLike): Tensor;
    /** 1 where this < other, else 0, with broadcasting; not differentiable. */
    lt(other: TensorLike): Tensor;
    /** 1 where this ≤ other, else 0, with broadcasting; not differentiable. */
    le(other: TensorLike): Tensor;
    /** −x, elementwise. */
    neg(): Tensor;
    /** x², elementwise. */
    square(): Tensor;
    /** √x, elementwise. */
    sqrt(): Tensor;
    /** eˣ, elementwise. */
    exp(): Tensor;
    /** The natural logarithm ln x, elementwise. */
    log(): Tensor;
    /** sin x, elementwise (~1 ulp in WGSL, not the builtin). */
    sin(): Tensor;
    /** cos x, elementwise (~1 ulp in WGSL, not the builtin). */
    cos(): Tensor;
    /** tanh x, elementwise. */
    tanh(): Tensor;
    /** The logistic function 1 / (1 + e^{−x}), elementwise. */
    sigmoid(): Tensor;
    /** max(x, 0), elementwise. */
    relu(): Tensor;
    /** |x|, elementwise. */
    abs(): Tensor;
    /** Clamps every element into [min, max] (either bound may be omitted). */
    clamp(min?: number, max?: number): Tensor;
  }
}

addMethods({
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
});
