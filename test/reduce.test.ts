import { describe, expect, it } from 'vitest';
import { argmax, argmin, arange, gradcheck, logsumexp, max, mean, min, norm, randn, softmax, sum, tensor, Tensor, WebgradError } from '../src/index';
import { cpuBackend } from '../src/backend/cpu';
import { expectClose, forEachBackend, values } from './setup/backends';

/** The same computation on the CPU reference backend (the oracle for WebGPU results). */
async function reference(x: Tensor, f: (t: Tensor) => Tensor): Promise<Float32Array> {
  const c = tensor(await x.data(), { shape: x.shape, backend: cpuBackend });
  return f(c).data();
}

/** f on the current backend, checked against the CPU reference; returns the values. */
async function checked(x: Tensor, f: (t: Tensor) => Tensor, atol = 1e-5, rtol = 1e-5): Promise<number[]> {
  const got = await f(x).data();
  expectClose(got, await reference(x, f), atol, rtol);
  return Array.from(got);
}

/** A tensor of `shape` from flat values. */
const flat = (data: ArrayLike<number>, shape: number[]): Tensor => tensor(Float32Array.from(data), { shape });

const m23 = () =>
  tensor([
    [1, 5, 3],
    [4, 2, 6],
  ]);

forEachBackend(() => {
  describe('sum and mean', () => {
    it('over all elements, axes, negative axes and keepdim', async () => {
      expect(await sum(m23()).item()).toBe(21);
      expect(await checked(m23(), (t) => sum(t, { axis: 0 }))).toEqual([5, 7, 9]);
      expect(await checked(m23(), (t) => sum(t, { axis: -1 }))).toEqual([9, 12]);
      const k = sum(m23(), { axis: 1, keepdim: true });
      expect(k.shape).toEqual([2, 1]);
      expect(await values(k)).toEqual([9, 12]);
      expect(await checked(m23(), (t) => mean(t, { axis: [0, 1] }))).toEqual([3.5]);
      expect(mean(m23(), { keepdim: true }).shape).toEqual([1, 1]);
    });

    it('over non-adjacent axes of a rank-4 tensor', async () => {
      const x = randn([2, 3, 4, 5], { seed: 1 });
      const y = sum(x, { axis: [0, -2] });
      expect(y.shape).toEqual([3, 5]);
      expect(sum(x, { axis: [0, 2], keepdim: true }).shape).toEqual([1, 3, 1, 5]);
      const xs = await x.data();
      const hand = Array.from({ length: 15 }, (_, o) => {
        const [j, l] = [Math.floor(o / 5), o % 5];
        let s = 0;
        for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) s += xs[((i * 3 + j) * 4 + k) * 5 + l];
        return s;
      });
      expectClose(await y.data(), hand, 1e-5, 1e-5);
      await checked(x, (t) => mean(t, { axis: [1, 3] }));
    });

    it('of empty ranges: sum 0, mean NaN', async () => {
      const x = flat([], [0, 3]);
      expect(await values(sum(x, { axis: 0 }))).toEqual([0, 0, 0]);
      expect(await values(mean(x, { axis: 0 }))).toEqual([NaN, NaN, NaN]);
      expect(sum(x, { axis: 1 }).shape).toEqual([0]);
    });

    it('gradients', async () => {
      const x = randn([3, 4], { seed: 2 });
      await gradcheck((t) => sum(t, { axis: 1 }), [x]);
      await gradcheck((t) => mean(t, { axis: [0, 1], keepdim: true }), [x]);
    });
  });

  describe('max and min', () => {
    it('values by hand', async () => {
      expect(await max(m23()).item()).toBe(6);
      expect(await min(m23()).item()).toBe(1);
      expect(await checked(m23(), (t) => max(t, { axis: 0 }))).toEqual([4, 5, 6]);
      expect(await checked(m23(), (t) => min(t, { axis: -1 }))).toEqual([1, 2]);
      const k = max(m23(), { axis: 1, keepdim: true });
      expect(k.shape).toEqual([2, 1]);
      expect(await values(k)).toEqual([5, 6]);
      expect(await values(max(tensor([-Infinity, -Infinity])))).toEqual([-Infinity]);
      expect(await min(tensor(7)).item()).toBe(7);
    });

    it('over several axes match the reference', async () => {
      const x = randn([3, 4, 5], { seed: 3 });
      const y = await checked(x, (t) => max(t, { axis: [0, 2] }));
      expect(y.length).toBe(4);
      expect(max(x, { axis: [0, 2], keepdim: true }).shape).toEqual([1, 4, 1]);
      await checked(x, (t) => min(t, { axis: [-1, -3], keepdim: true }));
    });

    it('gradients (no ties)', async () => {
      const x = randn([3, 5], { seed: 4 });
      await gradcheck((t) => max(t), [x]);
      await gradcheck((t) => max(t, { axis: 1 }), [x]);
      await gradcheck((t) => min(t, { axis: 0, keepdim: true }), [x]);
      await gradcheck((t) => min(t, { axis: [0, 1] }), [x]);
    });

    it('ties share the gradient equally', async () => {
      const x = tensor(
        [
          [2, 2, 2],
          [1, 0, 1],
        ],
        { requiresGrad: true },
      );
      max(x, { axis: 1 }).backward(tensor([3, 2]));
      expect(await values(x.grad!)).toEqual([1, 1, 1, 1, 0, 1]);
      const y = tensor([1, 3, 3, 2], { requiresGrad: true });
      max(y).backward();
      expect(await values(y.grad!)).toEqual([0, 0.5, 0.5, 0]);
      const z = tensor(
        [
          [0, 5],
          [0, 5],
        ],
        { requiresGrad: true },
      );
      min(z, { axis: 0 })
        .mul(tensor([4, 6]))
        .sum()
        .backward();
      expect(await values(z.grad!)).toEqual([2, 3, 2, 3]);
    });
  });

  describe('argmax and argmin', () => {
    it('first extreme index along one axis or flattened', async () => {
      expect(await argmax(m23()).item()).toBe(5);
      expect(await argmin(m23()).item()).toBe(0);
      expect(await checked(m23(), (t) => argmax(t, { axis: 0 }))).toEqual([1, 0, 1]);
      expect(await checked(m23(), (t) => argmin(t, { axis: -1 }))).toEqual([0, 1]);
      const k = argmax(m23(), { axis: 1, keepdim: true });
      expect(k.shape).toEqual([2, 1]);
      expect(await values(k)).toEqual([1, 2]);
      expect(argmax(m23(), { keepdim: true }).shape).toEqual([1, 1]);
      // Ties: the first one wins; an all −inf row points at its first element.
      const ties = tensor([
        [3, 7, 7, 1],
        [-Infinity, -Infinity, -Infinity, -Infinity],
        [2, 2, 0, 0],
      ]);
      expect(await values(argmax(ties, { axis: 1 }))).toEqual([1, 0, 0]);
      expect(await values(argmin(ties, { axis: 1 }))).toEqual([3, 0, 2]);
    });

    it('is not differentiable', async () => {
      const x = randn([4, 3], { seed: 5, requiresGrad: true });
      const i = argmax(x, { axis: 0 });
      expect(i.requiresGrad).toBe(false);
      expect(i.isLeaf).toBe(true);
      await checked(x, (t) => argmin(t, { axis: 1 }));
    });
  });

  describe('logsumexp, norm, softmax', () => {
    it('logsumexp by hand, stable for large and infinite inputs', async () => {
      expectClose(await values(logsumexp(tensor([1, 2, 3]))), [3 + Math.log(1 + Math.exp(-1) + Math.exp(-2))]);
      expectClose(
        await values(
          logsumexp(
            tensor([
              [1000, 1000],
              [-1000, -1000],
            ]),
            { axis: 1 },
          ),
        ),
        [1000 + Math.LN2, -1000 + Math.LN2],
        1e-4,
      );
      expect(await values(logsumexp(tensor([-Infinity, 0])))).toEqual([0]);
      expect(await values(logsumexp(tensor([-Infinity, -Infinity])))).toEqual([-Infinity]);
      expect(await values(logsumexp(flat([], [0, 2]), { axis: 0 }))).toEqual([-Infinity, -Infinity]);
      const x = randn([3, 4, 5], { seed: 6 });
      await checked(x, (t) => logsumexp(t, { axis: [0, 2], keepdim: true }));
      expect(logsumexp(x, { axis: -1, keepdim: true }).shape).toEqual([3, 4, 1]);
    });

    it('norm by hand', async () => {
      expect(await norm(tensor([3, 4])).item()).toBe(5);
      expectClose(
        await values(
          norm(
            tensor([
              [3, 4],
              [0, 0],
              [1, 1],
            ]),
            { axis: 1 },
          ),
        ),
        [5, 0, Math.SQRT2],
      );
      expect(norm(tensor([[3, 4]]), { axis: -1, keepdim: true }).shape).toEqual([1, 1]);
      expect(await values(norm(flat([], [0, 2]), { axis: 0 }))).toEqual([0, 0]);
      await checked(randn([4, 6], { seed: 7 }), (t) => norm(t, { axis: 0 }));
    });

    it('softmax and logSoftmax by hand', async () => {
      expectClose(await values(softmax(tensor([0, Math.LN2]))), [1 / 3, 2 / 3]);
      expectClose(
        await values(
          softmax(
            tensor([
              [1000, 0],
              [1000, 1],
            ]),
            0,
          ),
        ),
        [0.5, 1 / (1 + Math.E), 0.5, Math.E / (1 + Math.E)],
      );
      expectClose(
        await values(tensor([1, 2, 3]).logSoftmax()),
        [1, 2, 3].map((v) => v - 3 - Math.log(1 + Math.exp(-1) + Math.exp(-2))),
      );
      const rows = await values(softmax(randn([3, 4], { seed: 8 })));
      for (let r = 0; r < 3; r++) expectClose([rows.slice(4 * r, 4 * r + 4).reduce((a, b) => a + b)], [1]);
    });

    it('gradients', async () => {
      const x = randn([3, 4], { seed: 9 });
      await gradcheck((t) => logsumexp(t), [x]);
      await gradcheck((t) => logsumexp(t, { axis: 0, keepdim: true }), [x]);
      await gradcheck((t) => norm(t), [x]);
      await gradcheck((t) => norm(t, { axis: [-1] }), [x]);
      await gradcheck((t) => softmax(t, 1), [x]);
      await gradcheck((t) => t.logSoftmax(0), [x]);
    });

    it('norm gradient is 0 where the norm is 0', async () => {
      const x = tensor(
        [
          [0, 0],
          [3, 4],
        ],
        { requiresGrad: true },
      );
      norm(x, { axis: 1 }).sum().backward();
      expectClose(await values(x.grad!), [0, 0, 0.6, 0.8]);
    });
  });

  describe('large and many reductions', () => {
    const n = 1_000_000;
    it('1e6 elements (multi-pass): sum, mean, max, min, argmax, argmin, logsumexp, norm vs exact values', async () => {
      const x = arange(n);
      expectClose([await sum(x).item()], [(n * (n - 1)) / 2], 0, 1e-6);
      expectClose([await mean(x).item()], [(n - 1) / 2], 0, 1e-6);
      expect(await max(x).item()).toBe(n - 1);
      expect(await min(x).item()).toBe(0);
      expect(await argmax(x).item()).toBe(n - 1);
      expect(await argmin(x).item()).toBe(0);
      expectClose([await logsumexp(x).item()], [n - 1 + Math.log(1 / (1 - Math.exp(-1)))], 0, 1e-6);
      // Ties across chunks: the earliest maximum wins the second pass too.
      const saw = flat(
        Float32Array.from({ length: n }, (_, i) => i % 1000),
        [n],
      );
      expect(await argmax(saw).item()).toBe(999);
      expect(await argmin(saw.neg()).item()).toBe(999);
      expectClose([await norm(flat(new Float32Array(n).fill(2), [n])).item()], [2000], 0, 1e-6);
    });

    it('[4096, 3] over axis 1 (one invocation per output)', async () => {
      const x = randn([4096, 3], { seed: 10 });
      const xs = await x.data();
      const rows = Array.from({ length: 4096 }, (_, r) => [xs[3 * r], xs[3 * r + 1], xs[3 * r + 2]]);
      expectClose(
        await checked(x, (t) => sum(t, { axis: 1 })),
        rows.map((r) => r[0] + r[1] + r[2]),
        1e-5,
        1e-5,
      );
      expect(await checked(x, (t) => max(t, { axis: 1 }))).toEqual(rows.map((r) => Math.max(...r)));
      expect(await checked(x, (t) => argmin(t, { axis: 1 }))).toEqual(rows.map((r) => r.indexOf(Math.min(...r))));
      await checked(x, (t) => logsumexp(t, { axis: 1 }));
      await checked(x, (t) => norm(t, { axis: 1, keepdim: true }));
    });

    it('[4096, 40] over axis 1 (a few lanes per output, tree in workgroup memory)', async () => {
      const x = randn([4096, 40], { seed: 16 });
      for (const f of [sum, max, argmax, logsumexp, norm] as const) await checked(x, (t) => f(t, { axis: 1 }), 1e-5, 1e-5);
      const xs = await x.data();
      const row = (r: number) => Array.from(xs.subarray(40 * r, 40 * r + 40));
      expect((await values(argmin(x, { axis: -1 }))).slice(0, 3)).toEqual([0, 1, 2].map((r) => row(r).indexOf(Math.min(...row(r)))));
    });

    it('multi-pass reductions: columns, long rows, strided and split axes', async () => {
      const x = randn([64, 3000], { seed: 11 });
      for (const f of [sum, max, min, argmax, argmin, logsumexp, norm] as const) {
        await checked(x, (t) => f(t, { axis: 1 }), 1e-4, 1e-5);
        await checked(x, (t) => f(t, { axis: 0 }), 1e-4, 1e-5);
      }
      const tall = randn([3000, 5], { seed: 12 });
      await checked(tall, (t) => argmax(t, { axis: 0 }));
      await checked(tall, (t) => logsumexp(t, { axis: 0 }), 1e-5, 1e-5);
      // Columns over three passes; long rows in interleaved chunks; a long range over two separate axes.
      const cols = randn([3000, 40], { seed: 13 });
      const rows = randn([3, 5000], { seed: 14 });
      const split = randn([50, 3, 100], { seed: 15 });
      for (const f of [sum, argmin, logsumexp] as const) {
        await checked(cols, (t) => f(t, { axis: 0 }), 1e-4, 1e-5);
        await checked(rows, (t) => f(t, { axis: -1 }), 1e-4, 1e-5);
      }
      for (const f of [sum, max, logsumexp] as const) await checked(split, (t) => f(t, { axis: [0, 2] }), 1e-4, 1e-5);
      await checked(split, (t) => argmax(t.reshape([15000])));
    });
  });

  describe('errors', () => {
    it('empty ranges for max, min, argmax, argmin', () => {
      const x = flat([], [0, 3]);
      for (const [name, f] of [
        ['max', max],
        ['min', min],
        ['argmax', argmax],
        ['argmin', argmin],
      ] as const) {
        expect(() => f(x, { axis: 0 })).toThrow(WebgradError);
        expect(() => f(x, { axis: 0 })).toThrow(`webgrad.${name}: cannot reduce an empty range: axes [0] of shape [0, 3]`);
        expect(() => f(x)).toThrow(`webgrad.${name}: cannot reduce an empty range`);
        expect(f(x, { axis: 1 }).shape).toEqual([0]);
      }
    });

    it('axes out of range, repeated, or several for argmax', () => {
      const x = m23();
      expect(() => sum(x, { axis: 2 })).toThrow('webgrad.sum: axis 2 is out of range for a tensor of rank 2');
      expect(() => max(x, { axis: -3 })).toThrow('webgrad.max: axis -3 is out of range');
      expect(() => min(x, { axis: [0, 5] })).toThrow('webgrad.min: axis 5 is out of range');
      expect(() => argmax(x, { axis: 2 })).toThrow('webgrad.argmax: axis 2 is out of range');
      expect(() => logsumexp(x, { axis: 1.5 })).toThrow('webgrad.logsumexp: axis 1.5 is out of range');
      expect(() => norm(x, { axis: [1, -1] })).toThrow('webgrad.norm: repeated axis in [1,-1]');
      expect(() => softmax(x, 2)).toThrow('webgrad.softmax: axis 2 is out of range');
      expect(() => x.logSoftmax(-3)).toThrow('webgrad.logSoftmax: axis -3 is out of range');
      expect(() => argmin(x, { axis: [0, 1] as unknown as number })).toThrow('webgrad.argmin: takes one axis (a number) or none, got [0,1]');
    });

    it('disposed inputs', () => {
      const x = m23();
      x.dispose();
      expect(() => max(x)).toThrow(/webgrad\.max: tensor #\d+ of shape \[2, 3\] was disposed/);
    });
  });
});
