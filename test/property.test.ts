// Property tests: random shapes, axes and broadcast pairs; WebGPU results and gradients must match the CPU
// reference. Each case builds the same data on both backends (tensors carry their backend, so ops run
// where their inputs live). Fixed seeds keep runs reproducible; a failure prints the shrunk case.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { add, div, init, logsumexp, max, maximum, mean, min, mul, sum, tensor, Tensor } from '../src/index';
import { getWebGPUBackend } from '../src/diagnostics';
import type { Backend } from '../src/index';
import { cpuBackend } from '../src/backend/cpu';
import { mulberry32 } from '../src/ops/creation';
import { expectClose, webgpuInfo } from './setup/backends';

const RUNS = { numRuns: 30, seed: 20240611 };
const TOL = [1e-4, 1e-4] as const; // float32 sums in a different order

type Shape = number[];

/** Deterministic values in (-2, 2) for a shape, from a seed. */
function valuesFor(shape: Shape, seed: number, avoidZero = false): Float32Array {
  const next = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => {
    const u = 4 * next() - 2;
    return avoidZero ? Math.sign(u || 1) * (0.5 + Math.abs(u)) : u;
  });
}

/** The same data on both backends; each one a leaf requiring grad. */
function pair(data: Float32Array, shape: Shape, gpu: Backend): [Tensor, Tensor] {
  return [cpuBackend, gpu].map((backend) => tensor(data, { shape, backend, requiresGrad: true })) as [Tensor, Tensor];
}

/** Runs `f` on both sides, compares values, backpropagates the same random seed and compares gradients. */
async function compare(f: (...xs: Tensor[]) => Tensor, inputs: [Tensor, Tensor][], seed: number): Promise<void> {
  const [yc, yg] = [0, 1].map((side) => f(...inputs.map((p) => p[side])));
  expect(yg.shape).toEqual(yc.shape);
  expectClose(await yg.data(), await yc.data(), ...TOL);
  const g = valuesFor([...yc.shape], seed + 1);
  yc.backward(tensor(g, { shape: yc.shape, backend: yc.backend }));
  yg.backward(tensor(g, { shape: yg.shape, backend: yg.backend }));
  for (const [c, w] of inputs) {
    expect(w.grad!.shape).toEqual(c.grad!.shape);
    expectClose(await w.grad!.data(), await c.grad!.data(), ...TOL);
  }
  [yc, yg, ...inputs.flat()].forEach((t) => t.dispose());
}

const shapeArb = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 0, maxLength: 4 });

/** A shape, a subset of its axes (some written negative; one axis sometimes as a number) or none (all), and keepdim. */
const reductionArb = shapeArb.chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    axis: fc.option(
      fc
        .subarray([...shape.keys()])
        .chain((axes) => fc.tuple(fc.boolean(), ...axes.map((a) => fc.constantFrom(a, a - shape.length))))
        .map(([asNumber, ...axes]): number | number[] => (asNumber && axes.length === 1 ? axes[0] : axes)),
      { nil: undefined },
    ),
    keepdim: fc.boolean(),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  }),
);

/** An output shape and two operand shapes that broadcast to it: leading dims dropped, others set to 1. */
const broadcastArb = shapeArb.chain((shape) => {
  const operand = fc
    .tuple(fc.integer({ min: 0, max: shape.length }), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }))
    .map(([drop, ones]) => shape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
  return fc.record({ a: operand, b: operand, seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }) });
});

describe.skipIf(!webgpuInfo.available)('WebGPU matches the CPU reference on random cases', () => {
  let gpu: Backend;
  beforeAll(async () => {
    await init({ backend: 'webgpu' });
    gpu = getWebGPUBackend()!;
  });

  const reductions = { sum, mean, max, min, logsumexp } as const;
  for (const [name, f] of Object.entries(reductions)) {
    it(`${name} over random axes, values and gradients`, async () => {
      await fc.assert(
        fc.asyncProperty(reductionArb, async ({ shape, axis, keepdim, seed }) => {
          const x = pair(valuesFor(shape, seed), shape, gpu);
          await compare((t) => f(t, { axis, keepdim }), [x], seed);
        }),
        RUNS,
      );
    });
  }

  const binaries = { add, mul, maximum, div } as const;
  for (const [name, f] of Object.entries(binaries)) {
    it(`${name} with broadcasting both ways, values and gradients`, async () => {
      await fc.assert(
        fc.asyncProperty(broadcastArb, async ({ a, b, seed }) => {
          const pa = pair(valuesFor(a, seed), a, gpu);
          const pb = pair(valuesFor(b, seed + 7, name === 'div'), b, gpu);
          await compare((x, y) => f(x, y), [pa, pb], seed);
        }),
        RUNS,
      );
    });
  }

  it('the generators cover broadcasting in both directions and every rank', () => {
    const cases = fc.sample(broadcastArb, { numRuns: 200, seed: RUNS.seed });
    const expands = (x: Shape, y: Shape) => x.some((d, i) => d === 1 && (y[i - x.length + y.length] ?? 1) > 1);
    expect(cases.some(({ a, b }) => expands(a, b) && expands(b, a))).toBe(true);
    expect(cases.some(({ a, b }) => a.length < b.length)).toBe(true);
    const ranks = new Set(fc.sample(reductionArb, { numRuns: 200, seed: RUNS.seed }).map((c) => c.shape.length));
    expect([...ranks].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
