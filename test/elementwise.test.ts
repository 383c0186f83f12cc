import { describe, expect, it } from 'vitest';
import { gradcheck, tensor, add, mul, pow, clamp, Tensor } from '../src/index';
import { BINARY, UNARY, binary, unary } from '../src/ops/elementwise';
import { expectClose, forEachBackend, values } from './setup/backends';

// Inputs chosen inside every op's domain (log, sqrt need x > 0) and away from kinks (relu, abs at 0).
const xs = [0.3, 0.7, 1.2, 2.5, 0.05, 1.9];
const signed = [-1.3, 0.4, -0.2, 2.2, -0.7, 1.1];
const positiveOnly = new Set(['sqrt', 'log']);

function reference(f: (...v: number[]) => number, ...cols: number[][]): number[] {
  return cols[0].map((_, i) => Math.fround(f(...cols.map((c) => c[i]))));
}

forEachBackend(() => {
  describe('unary ops', () => {
    for (const name of Object.keys(UNARY) as (keyof typeof UNARY)[]) {
      const data = positiveOnly.has(name) ? xs : signed;
      // Scalar parameters: the exponent, the clamp bounds, or the JS number of a tensor-with-number op.
      const p: [number, number] =
        name === 'powScalar'
          ? [3, 0]
          : name === 'clamp'
            ? [-0.5, 1.5]
            : name === 'rpowScalar'
              ? [1.7, 0]
              : name.endsWith('Scalar')
                ? [0.35, 0]
                : [0, 0];
      it(`${name}: forward matches the reference`, async () => {
        const y = unary(name, tensor(data, { shape: [2, 3] }), ...p);
        expect(y.shape).toEqual([2, 3]);
        expectClose(
          await values(y),
          reference((x) => UNARY[name].cpu(x, ...p), data),
          1e-6,
          2e-6,
        );
      });
      it(`${name}: gradient matches finite differences`, async () => {
        const report = await gradcheck((x) => unary(name, x, ...p), [tensor(data, { shape: [2, 3] })], { atol: 1e-4, rtol: 1e-4 });
        expect(report.ok).toBe(true);
      });
    }
  });

  describe('binary ops', () => {
    const a = [0.5, 1.5, 2.0, 0.8, 1.1, 3.0];
    const b = [1.2, 0.3, 2.0, 0.9, 2.5, 0.7];
    for (const name of Object.keys(BINARY) as (keyof typeof BINARY)[]) {
      it(`${name}: forward matches the reference`, async () => {
        const y = binary(name, tensor(a, { shape: [2, 3] }), tensor(b, { shape: [2, 3] }));
        expectClose(await values(y), reference(BINARY[name].cpu, a, b), 1e-6, 2e-6);
      });
      if (!BINARY[name].wgslGrad) continue;
      it(`${name}: gradients match finite differences, broadcasting both ways`, async () => {
        // [2,1,3] op [2,1] → [2,2,3]: a broadcasts on dim 1, b on dims 0 and 2.
        const ta = tensor([0.5, 1.5, 2.1, 0.8, 1.1, 3.0], { shape: [2, 1, 3] });
        const tb = tensor([1.2, 0.35], { shape: [2, 1] });
        const report = await gradcheck((x, y) => binary(name, x, y), [ta, tb], { atol: 1e-4, rtol: 1e-4 });
        expect(report.ok).toBe(true);
      });
    }
  });

  it('broadcasts [3] with [2,1] to [2,3] and reduces gradients back to each shape', async () => {
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const b = tensor([[10], [20]], { requiresGrad: true });
    const y = a.mul(b);
    expect(y.shape).toEqual([2, 3]);
    expect(await y.array()).toEqual([
      [10, 20, 30],
      [20, 40, 60],
    ]);
    y.sum().backward();
    expect(a.grad!.shape).toEqual([3]);
    expect(await values(a.grad!)).toEqual([30, 30, 30]);
    expect(b.grad!.shape).toEqual([2, 1]);
    expect(await values(b.grad!)).toEqual([6, 6]);
  });

  it('accepts JS numbers on either side', async () => {
    const x = tensor([1, 2, 4]);
    expect(await values(x.mul(2))).toEqual([2, 4, 8]);
    expect(await values(x.add(1))).toEqual([2, 3, 5]);
    expect(await values(mul(3, x))).toEqual([3, 6, 12]);
    expect(await values(x.pow(2))).toEqual([1, 4, 16]);
    expect(await values(pow(2, x))).toEqual([2, 4, 16]);
    expect(await values(tensor([-2, -3]).pow(3))).toEqual([-8, -27]);
    expect(await values(tensor([0]).pow(0))).toEqual([1]);
  });

  it('lets NaN and Infinity flow as IEEE values', async () => {
    const y = await values(tensor([1, 0, -1, Infinity]).div(tensor([0, 0, 0, 2])));
    expect(y[0]).toBe(Infinity);
    expect(y[1]).toBeNaN();
    expect(y[2]).toBe(-Infinity);
    expect(y[3]).toBe(Infinity);
    expect((await values(tensor([NaN, 1]).add(1)))[0]).toBeNaN();
    expectClose(await values(tensor([-Infinity, 0, 1]).exp()), [0, 1, Math.E], 0, 1e-6);
  });

  it('splits the gradient of maximum/minimum evenly on ties, like torch', async () => {
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const b = tensor([1, 5, 0], { requiresGrad: true });
    a.maximum(b).sum().backward();
    expect(await values(a.grad!)).toEqual([0.5, 0, 1]);
    expect(await values(b.grad!)).toEqual([0.5, 1, 0]);
  });

  it('clamp passes the gradient inside the bounds only', async () => {
    const x = tensor([-2, -1, 0, 1, 2], { requiresGrad: true });
    const y = clamp(x, -1, 1);
    expect(await values(y)).toEqual([-1, -1, 0, 1, 1]);
    y.sum().backward();
    expect(await values(x.grad!)).toEqual([0, 1, 1, 1, 0]);
  });

  it('comparison ops give 0/1 masks and no gradient', async () => {
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const m = a.gt(1.5);
    expect(await values(m)).toEqual([0, 1, 1]);
    expect(m.requiresGrad).toBe(false);
  });

  it('sin and cos are accurate to float32 rounding over a wide range (not the 2^-11 WGSL minimum)', async () => {
    const x = Array.from({ length: 2001 }, (_, i) => (i - 1000) * 0.0537);
    const sinRef = x.map((v) => Math.sin(Math.fround(v)));
    const cosRef = x.map((v) => Math.cos(Math.fround(v)));
    expectClose(await values(tensor(x).sin()), sinRef, 2e-7, 0);
    expectClose(await values(tensor(x).cos()), cosRef, 2e-7, 0);
  });

  it('large tensors use 2-D dispatch folding correctly', async () => {
    const n = 65535 * 256 + 1000; // past one dimension's workgroup limit
    const x = new Float32Array(n);
    for (let i = 0; i < n; i += 9973) x[i] = i % 17;
    const y = await tensor(x).mul(2).data();
    for (let i = 0; i < n; i += 9973) expect(y[i]).toBe(2 * (i % 17));
    expect(y[n - 1]).toBe(0);
  });

  it('names the op and both shapes on a broadcast mismatch', () => {
    expect(() => add(tensor([1, 2, 3]), tensor([1, 2]))).toThrow(/webgrad\.add: shapes \[3\] and \[2\] cannot be broadcast/);
    expect(() => tensor([[1, 2]]).mul(tensor([[1], [2], [3]]).reshape([1, 3]))).toThrow(/webgrad\.mul: shapes \[1, 2\] and \[1, 3\]/);
  });

  it('rejects bad clamp bounds and non-tensor operands', () => {
    expect(() => clamp(tensor([1]), 2, 1)).toThrow(/webgrad\.clamp: invalid bounds/);
    expect(() => add(tensor([1]), 'x' as unknown as Tensor)).toThrow(/webgrad\.add: expected a Tensor or a number/);
  });
});
