// Every op's forward-mode and second-order derivatives, on both backends:
// - the JVP against float64 central differences of the same function on the CPU reference,
// - the transposition identity ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩ between jvp and vjp,
// - gradgradcheck for every op with a second derivative.
// Shapes, broadcasts and dims come from fast-check with fixed seeds; a failure prints the shrunk case.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index';
import { gradgradcheck, jvp, tensor, Tensor, vjp, withBackend } from '../src/index';
import { cpu64Backend } from '../src/backend/cpu';
import { mulberry32 } from '../src/ops/creation';
import { noGrad } from '../src/autograd/node';
import { forEachBackend } from './setup/backends';

const F = wg.nn.functional;

type Shape = number[];
type Domain = 'any' | 'positive' | 'awayFromZero';

interface OpCase {
  name: string;
  /** Input shapes for a drawn base shape and dims. */
  shapes: (s: Shape) => Shape[];
  f: (xs: Tensor[], s: Shape) => Tensor;
  domain?: Domain;
  /** Ops with a kink (relu, abs, max…) are checked away from it; no second derivative to check there. */
  secondOrder?: boolean;
}

const same =
  (n: number) =>
  (s: Shape): Shape[] =>
    Array.from({ length: n }, () => s);
const lastDim = (s: Shape): number => (s.length ? -1 : 0);

/** The op table: every differentiable public op at least once. */
const OPS: OpCase[] = [
  // biome-ignore lint/performance/noDynamicNamespaceImportAccess: a test table of ops by name; nothing to tree-shake
  ...(['neg', 'square', 'exp', 'sin', 'cos', 'tanh', 'sigmoid'] as const).map((n) => ({ name: n, shapes: same(1), f: ([x]: Tensor[]) => wg[n](x) })),
  { name: 'sqrt', shapes: same(1), f: ([x]) => wg.sqrt(x), domain: 'positive' },
  { name: 'log', shapes: same(1), f: ([x]) => wg.log(x), domain: 'positive' },
  { name: 'relu', shapes: same(1), f: ([x]) => wg.relu(x), domain: 'awayFromZero', secondOrder: false },
  { name: 'abs', shapes: same(1), f: ([x]) => wg.abs(x), domain: 'awayFromZero', secondOrder: false },
  { name: 'clamp', shapes: same(1), f: ([x]) => wg.clamp(x, -0.7, 0.9).mul(x), domain: 'awayFromZero' },
  {
    name: 'scalar forms',
    shapes: same(1),
    f: ([x]) =>
      x
        .add(1)
        .mul(3)
        .sub(0.5)
        .div(2)
        .pow(2)
        .add(wg.div(1, x.add(3))),
    domain: 'positive',
  },
  { name: 'rpow, maximum/minimum with a number', shapes: same(1), f: ([x]) => wg.pow(2, x).add(wg.maximum(x, 5)).add(wg.minimum(x, -5)) },
  { name: 'add (broadcast)', shapes: (s) => [s, s.slice(1)], f: ([a, b]) => wg.add(a, b) },
  { name: 'sub (broadcast)', shapes: (s) => [s.map((d, i) => (i === 0 ? 1 : d)), s], f: ([a, b]) => wg.sub(a, b) },
  { name: 'mul', shapes: same(2), f: ([a, b]) => wg.mul(a, b) },
  { name: 'div', shapes: (s) => [s, s.slice(-1)], f: ([a, b]) => wg.div(a, b), domain: 'awayFromZero' },
  { name: 'pow', shapes: same(2), f: ([a, b]) => wg.pow(a, b), domain: 'positive' },
  { name: 'maximum', shapes: same(2), f: ([a, b]) => wg.maximum(a, b).mul(a), secondOrder: false },
  { name: 'minimum', shapes: same(2), f: ([a, b]) => wg.minimum(a, b).mul(b), secondOrder: false },
  { name: 'sum(dim)', shapes: same(1), f: ([x], s) => wg.sum(x, s.length - 1, true).square() },
  { name: 'mean(dims)', shapes: same(1), f: ([x], s) => wg.mean(x.square(), [...s.keys()].slice(0, 2)) },
  { name: 'max', shapes: same(1), f: ([x]) => wg.max(x, -1).mul(x.sum()), secondOrder: false },
  { name: 'min', shapes: same(1), f: ([x]) => wg.min(x).mul(x.sum()), secondOrder: false },
  { name: 'logsumexp', shapes: same(1), f: ([x], s) => wg.logsumexp(x, lastDim(s)) },
  { name: 'norm', shapes: same(1), f: ([x]) => wg.norm(x, { dim: -1 }), domain: 'awayFromZero' },
  { name: 'softmax', shapes: same(1), f: ([x]) => wg.softmax(x, -1) },
  { name: 'logSoftmax', shapes: same(1), f: ([x]) => wg.logSoftmax(x).mul(x) },
  { name: 'reshape, transpose, permute', shapes: same(1), f: ([x]) => wg.transpose(x.reshape([-1, 1]).mul(x.reshape([1, -1]))).square() },
  {
    name: 'broadcastTo, squeeze, unsqueeze',
    shapes: same(1),
    f: ([x]) =>
      wg.squeeze(
        wg
          .unsqueeze(x, 0)
          .broadcastTo([2, ...x.shape])
          .mul(x),
      ),
  },
  { name: 'cat, stack', shapes: same(2), f: ([a, b]) => wg.cat([a.square(), wg.stack([a, b]).sum(0)], 0) },
  { name: 'slice, select', shapes: (s) => [[s[0] + 1, ...s.slice(1)]], f: ([x]) => wg.slice(x, 0, 0, 2).mul(wg.select(x, 0, 1)) },
  {
    name: 'diag, triu, tril',
    shapes: () => [[3, 3]],
    f: ([x]) =>
      wg
        .diag(x)
        .square()
        .sum()
        .add(wg.triu(x, 1).mul(wg.tril(x).transpose())),
  },
  {
    name: 'gather, indexSelect',
    shapes: () => [[3, 4]],
    f: ([x]) =>
      wg
        .gather(x, 1, [
          [0, 0],
          [3, 1],
          [2, 2],
        ])
        .mul(wg.indexSelect(x, 1, [1, 3])),
  },
  { name: 'outer', shapes: () => [[3], [2]], f: ([a, b]) => wg.outer(a, b).square() },
  {
    name: 'matmul (batched, broadcast)',
    shapes: () => [
      [2, 3, 4],
      [4, 2],
    ],
    f: ([a, b]) => wg.matmul(a, b).tanh(),
  },
  { name: 'matmul (vector), dot', shapes: () => [[3], [3, 2]], f: ([a, b]) => wg.matmul(a, b).add(wg.dot(a, a)) },
  {
    name: 'eigh (eigenvalues and eigenvectors)',
    shapes: () => [[4, 4]],
    f: ([a]) => {
      const [w, v] = wg.eigh(a.add(a.transpose()).add(wg.diag(tensor([0, 3, 6, 9], { backend: a.backend }))));
      return w.add(v.square().sum(0).mul(v.sum(0)));
    },
  },
  { name: 'eigvalsh', shapes: () => [[3, 3]], f: ([a]) => wg.eigvalsh(a.matmul(a.transpose())) },
  {
    name: 'eighTridiagonal (selected eigenvalues and eigenvectors)',
    shapes: () => [[5], [4]],
    f: ([d, e]) => {
      const [w, v] = wg.eighTridiagonal(d.add(tensor([0, 2, 4, 6, 8], { backend: d.backend })), e, { select: [1, 4] });
      return w.add(v.square().mul(v).sum(0));
    },
  },
  {
    name: 'tridiagonalSolve',
    shapes: () => [[4], [3], [2], [4, 2]],
    f: ([d, e, s, b]) => wg.tridiagonalSolve(d.add(tensor([3, 4, 5, 6], { backend: d.backend })), e, s, b),
  },
  { name: 'nn: gelu, silu', shapes: same(1), f: ([x]) => F.gelu(x).add(F.silu(x)) },
  { name: 'nn: linear', shapes: () => [[2, 3], [4, 3], [4]], f: ([x, w, b]) => F.linear(x, w, b).tanh() },
  { name: 'nn: layerNorm', shapes: () => [[2, 5]], f: ([x]) => F.layerNorm(x, [5]).mul(x) },
  {
    name: 'nn: crossEntropy (label smoothing, per row)',
    shapes: () => [[3, 4]],
    f: ([x]) => F.crossEntropy(x.mul(3), [0, 3, 1], { labelSmoothing: 0.1, reduction: 'none' }),
  },
  { name: 'nn: crossEntropy (mean)', shapes: () => [[2, 5]], f: ([x]) => F.crossEntropy(x, [4, 2]) },
  {
    name: 'nn: binaryCrossEntropyWithLogits',
    shapes: same(2),
    f: ([x, y]) => F.binaryCrossEntropyWithLogits(x.mul(2), y.sigmoid(), { reduction: 'none' }),
  },
  { name: 'nn: mseLoss', shapes: same(2), f: ([x, y]) => F.mseLoss(x, y) },
];

/** Deterministic values for a domain. */
function valuesFor(shape: Shape, seed: number, domain: Domain = 'any'): Float64Array {
  const next = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return Float64Array.from({ length: n }, () => {
    const u = 2 * next() - 1;
    if (domain === 'positive') return 0.3 + 1.5 * next();
    if (domain === 'awayFromZero') return Math.sign(u || 1) * (0.2 + Math.abs(u));
    return u;
  });
}

const dotOf = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((s, x, i) => s + x * b[i], 0);

/** f's output in float64 at x + h·v on the CPU reference. */
function evalReference(op: OpCase, base: Shape, xs: Float64Array[], vs: Float64Array[], shapes: Shape[], h: number): Float64Array {
  return noGrad(() =>
    withBackend(cpu64Backend, () => {
      const ts = xs.map((x, i) => new Tensor(cpu64Backend.upload(x.map((xi, j) => xi + h * vs[i][j])), shapes[i]));
      const y = op.f(ts, base);
      return Float64Array.from(y.storageFor('test').payload as Float64Array);
    }),
  );
}

const baseShape = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 });

forEachBackend((backend) => {
  describe('forward mode of every op', () => {
    for (const op of OPS) {
      it(`${op.name}: JVP against float64 central differences and ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩`, async () => {
        await fc.assert(
          fc.asyncProperty(baseShape, fc.integer({ min: 1, max: 1e6 }), async (base, seed) => {
            const shapes = op.shapes(base);
            const xs = shapes.map((s, i) => valuesFor(s, seed + i, op.domain));
            const vs = shapes.map((s, i) => valuesFor(s, seed + 100 + i));
            const primals = xs.map((x, i) => tensor(Float32Array.from(x), { shape: shapes[i] }));
            const tangents = vs.map((v, i) => tensor(Float32Array.from(v), { shape: shapes[i] }));
            const [y, t] = jvp((...ts: Tensor[]) => op.f(ts, base), primals, tangents) as [Tensor, Tensor];
            expect(t.shape).toEqual(y.shape);
            const got = await t.data();
            const h = 1e-6;
            const plus = evalReference(
              op,
              base,
              xs.map((x) => Float64Array.from(Float32Array.from(x))),
              vs,
              shapes,
              h,
            );
            const minus = evalReference(
              op,
              base,
              xs.map((x) => Float64Array.from(Float32Array.from(x))),
              vs,
              shapes,
              -h,
            );
            const scale = Math.max(1, ...Array.from(got, Math.abs));
            got.forEach((g, i) => expect(Math.abs(g - (plus[i] - minus[i]) / (2 * h)), `element ${i}`).toBeLessThanOrEqual(2e-4 * scale));
            // Transposition: the same J from both modes.
            const u = valuesFor([...y.shape], seed + 7);
            const [, pullback] = vjp((...ts: Tensor[]) => op.f(ts, base), ...primals);
            const cts = pullback(tensor(Float32Array.from(u), { shape: [...y.shape] }));
            const left = dotOf(u, got);
            let right = 0;
            for (let i = 0; i < cts.length; i++) right += dotOf(await cts[i].data(), vs[i]);
            expect(Math.abs(left - right)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(left)));
          }),
          { numRuns: backend === 'cpu' ? 12 : 4, seed: 1414 },
        );
      });
    }
  });

  describe('second derivatives of every op (gradgradcheck)', () => {
    for (const op of OPS.filter((o) => o.secondOrder !== false)) {
      it(op.name, async () => {
        const base = [2, 3];
        const shapes = op.shapes(base);
        const inputs = shapes.map((s, i) => tensor(Float32Array.from(valuesFor(s, 31 + i, op.domain)), { shape: s }));
        const reports = await gradgradcheck((...ts: Tensor[]) => op.f(ts, base), inputs, { atol: 2e-3, rtol: 2e-2, eps: 1e-5 });
        for (const r of reports) expect(r.ok).toBe(true);
      });
    }
  });
});
