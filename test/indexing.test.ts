import { describe, expect, it } from 'vitest';
import { arange, diag, gather, gradcheck, indexSelect, outer, randn, select, slice, tensor, Tensor, tril, triu } from '../src/index';
import { cpuBackend } from '../src/backend/cpu';
import { expectClose, forEachBackend, values } from './setup/backends';

/** f on the current backend, checked against the CPU reference (data movement: exact); returns the values. */
async function checked(xs: Tensor[], f: (...t: Tensor[]) => Tensor): Promise<number[]> {
  const got = await f(...xs).data();
  const cpu = await Promise.all(xs.map(async (x) => tensor(await x.data(), { shape: x.shape, backend: cpuBackend })));
  expectClose(got, await f(...cpu).data(), 0, 0);
  return Array.from(got);
}

const m34 = () => arange(12).reshape([3, 4]); // [[0,1,2,3],[4,5,6,7],[8,9,10,11]]
const ok = async (f: (...t: Tensor[]) => Tensor, xs: Tensor[]) => expect((await gradcheck(f, xs)).ok).toBe(true);

forEachBackend((backend) => {
  describe('slice', () => {
    it('follows Python slicing: defaults, steps, negative and clamped bounds', async () => {
      const x = arange(10);
      expect(await values(slice(x, 0, 2, 5))).toEqual([2, 3, 4]);
      expect(await values(x.slice(0, 1, 8, 3))).toEqual([1, 4, 7]);
      expect(await values(x.slice(0, -3))).toEqual([7, 8, 9]);
      expect(await values(x.slice(0, -100, 2))).toEqual([0, 1]);
      expect(await values(x.slice(0, 8, 100))).toEqual([8, 9]);
      expect(await values(x.slice(0, 0, -7, 2))).toEqual([0, 2]);
      expect(x.slice(0, 5, 3).shape).toEqual([0]);
      expect(x.slice(0, 20, 30).shape).toEqual([0]);
    });

    it('slices inner and outer dims of a matrix', async () => {
      expect(await slice(m34(), 1, 1, 3).array()).toEqual([
        [1, 2],
        [5, 6],
        [9, 10],
      ]);
      expect(await m34().slice(0, 0, 3, 2).array()).toEqual([
        [0, 1, 2, 3],
        [8, 9, 10, 11],
      ]);
      expect(await checked([m34()], (t) => t.slice(-1, 0, 4, 3))).toEqual([0, 3, 4, 7, 8, 11]);
      const big = arange(3 * 200).reshape([3, 200]);
      expect(await checked([big], (t) => t.slice(1, 7, 190, 4).slice(0, 1))).toEqual(
        [1, 2].flatMap((r) => Array.from({ length: 46 }, (_, j) => r * 200 + 7 + 4 * j)),
      );
    });

    it('gradient scatters into zeros (empty slices give zero gradients)', async () => {
      const x = randn([3, 5], { seed: 1 });
      await ok((t) => t.slice(1, 1, 5, 2), [x]);
      await ok((t) => t.slice(0, -2).mul(t.slice(0, 0, 2)), [x]);
      const v = tensor([1, 2, 3, 4, 5], { requiresGrad: true });
      v.slice(0, 1, 5, 2)
        .mul(tensor([10, 20]))
        .sum()
        .backward();
      expect(await values(v.grad!)).toEqual([0, 10, 0, 20, 0]);
      const w = tensor([1, 2, 3], { requiresGrad: true });
      w.slice(0, 2, 1).sum().add(w.sum()).backward();
      expect(await values(w.grad!)).toEqual([1, 1, 1]);
    });

    it('rejects bad steps, bounds and dims', () => {
      const x = m34();
      expect(() => x.slice(0, 0, 2, 0)).toThrow(/webgrad\.slice: step must be a positive integer, got 0/);
      expect(() => x.slice(0, 0, 2, -1)).toThrow(/webgrad\.slice: step must be a positive integer, got -1/);
      expect(() => x.slice(0, 0.5)).toThrow(/webgrad\.slice: start must be an integer, got 0.5/);
      expect(() => x.slice(2, 0, 1)).toThrow(/webgrad\.slice: axis 2 is out of range for a tensor of rank 2/);
      expect(() => tensor(3).slice(0, 0, 1)).toThrow(/webgrad\.slice: needs a tensor with at least one dim/);
    });
  });

  describe('select', () => {
    it('drops the dim; negative indices count from the end', async () => {
      expect(await select(m34(), 0, 1).array()).toEqual([4, 5, 6, 7]);
      expect(await m34().select(1, -1).array()).toEqual([3, 7, 11]);
      expect(await checked([arange(24).reshape([2, 3, 4])], (t) => t.select(1, 2))).toEqual([8, 9, 10, 11, 20, 21, 22, 23]);
      const s = tensor([5, 6, 7]).select(0, 1);
      expect(s.shape).toEqual([]);
      expect(await s.item()).toBe(6);
    });

    it('gradient lands on the selected slice only', async () => {
      await ok((t) => t.select(1, 2), [randn([2, 3, 4], { seed: 2 })]);
      const x = tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { requiresGrad: true },
      );
      x.select(0, -1)
        .mul(tensor([5, 6]))
        .sum()
        .backward();
      expect(await x.grad!.array()).toEqual([
        [0, 0],
        [5, 6],
      ]);
    });

    it('rejects out-of-range indices', () => {
      expect(() => m34().select(0, 3)).toThrow(/webgrad\.select: index 3 is out of range for dim 0 of size 3 \(shape \[3, 4\]\)/);
      expect(() => m34().select(1, -5)).toThrow(/webgrad\.select: index -5 is out of range for dim 1 of size 4/);
      expect(() => m34().select(-3, 0)).toThrow(/webgrad\.select: axis -3 is out of range/);
    });
  });

  describe('gather and indexSelect', () => {
    it('indexSelect picks rows or columns in order, repeats allowed', async () => {
      expect(await indexSelect(m34(), 0, [2, 0, 2]).array()).toEqual([
        [8, 9, 10, 11],
        [0, 1, 2, 3],
        [8, 9, 10, 11],
      ]);
      expect(await m34().indexSelect(1, [3, 1]).array()).toEqual([
        [3, 1],
        [7, 5],
        [11, 9],
      ]);
      expect(await checked([m34(), tensor([0, 0, 2])], (t, i) => t.indexSelect(-1, i))).toEqual([0, 0, 2, 4, 4, 6, 8, 8, 10]);
      expect(m34().indexSelect(0, []).shape).toEqual([0, 4]);
      expect(await m34().indexSelect(1, 2).array()).toEqual([[2], [6], [10]]);
    });

    it('gather follows torch.gather, with an index smaller than x off dim', async () => {
      expect(
        await gather(m34(), 1, [
          [0, 3],
          [2, 2],
          [1, 0],
        ]).array(),
      ).toEqual([
        [0, 3],
        [6, 6],
        [9, 8],
      ]);
      expect(
        await m34()
          .gather(0, [[2, 0, 1, 1]])
          .array(),
      ).toEqual([[8, 1, 6, 7]]);
      const idx = tensor([
        [1, 1],
        [0, 2],
      ]);
      expect(await checked([m34(), idx], (t, i) => t.gather(1, i))).toEqual([1, 1, 4, 6]);
      // Over several workgroups: out[i][j][k] = x[i][idx][k] on a [4, 50, 3] input.
      const x = arange(600).reshape([4, 50, 3]);
      const index = Array.from({ length: 4 }, (_, i) =>
        Array.from({ length: 40 }, (_, j) => Array.from({ length: 3 }, (_, k) => (7 * i + 3 * j + k) % 50)),
      );
      const want = index.flatMap((rows, i) => rows.flatMap((r) => r.map((v, k) => i * 150 + v * 3 + k)));
      expect(await checked([x, tensor(index)], (t, ix) => t.gather(1, ix))).toEqual(want);
    });

    it('gradients accumulate over repeated indices', async () => {
      const x = tensor([1, 2, 3, 4], { requiresGrad: true });
      x.indexSelect(0, [3, 0, 3, 3])
        .mul(tensor([1, 10, 100, 1000]))
        .sum()
        .backward();
      expect(await values(x.grad!)).toEqual([10, 0, 0, 1101]);
      const m = tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { requiresGrad: true },
      );
      m.gather(1, [
        [2, 2],
        [0, 2],
      ])
        .mul(
          tensor([
            [1, 2],
            [3, 4],
          ]),
        )
        .sum()
        .backward();
      expect(await m.grad!.array()).toEqual([
        [0, 0, 3],
        [3, 0, 4],
      ]);
      const r = randn([3, 4], { seed: 4 });
      await ok((t) => t.indexSelect(0, [2, 0, 2, 2]), [r]);
      await ok((t) => t.indexSelect(1, tensor([1, 1, 3])), [r]);
      await ok(
        (t) =>
          t.gather(1, [
            [0, 0, 3],
            [2, 1, 2],
          ]),
        [r],
      );
      await ok(
        (t) =>
          t.gather(
            0,
            tensor([
              [2, 2, 0, 1],
              [2, 0, 0, 1],
            ]),
          ),
        [r],
      );
    });

    it('rejects index arrays out of bounds or of the wrong shape', () => {
      expect(() => m34().indexSelect(0, [0, 3])).toThrow(/webgrad\.indexSelect: index 3 is out of bounds for dim 0 with size 3/);
      expect(() => m34().indexSelect(1, [-1])).toThrow(/webgrad\.indexSelect: index -1 is out of bounds for dim 1 with size 4/);
      expect(() => m34().indexSelect(0, [0.5])).toThrow(/webgrad\.indexSelect: index 0.5 is out of bounds/);
      expect(() => m34().indexSelect(0, [[0]])).toThrow(/webgrad\.indexSelect: index must be 0-D or 1-D, got shape \[1, 1\]/);
      expect(() =>
        m34().gather(1, [
          [0, 4],
          [1, 1],
        ]),
      ).toThrow(/webgrad\.gather: index 4 \(at \[0, 1\]\) is out of bounds for dim 1 with size 4/);
      expect(() => m34().gather(1, [0, 1])).toThrow(/webgrad\.gather: index of shape \[2\] does not fit input \[3, 4\]/);
      expect(() => m34().gather(1, [[0], [0], [0], [0]])).toThrow(/webgrad\.gather: index of shape \[4, 1\] does not fit input \[3, 4\]/);
      expect(() => m34().gather(2, [[0]])).toThrow(/webgrad\.gather: axis 2 is out of range/);
      expect(() => m34().gather(0, 'a' as unknown as number[])).toThrow(
        /webgrad\.gather: index must be a Tensor or an array of integers, got string/,
      );
    });

    it(
      backend === 'cpu' ? 'checks index tensors on the CPU backend' : 'reads out-of-range index tensors as NaN on WebGPU (no readback)',
      async () => {
        const bad = tensor([1, 5]);
        if (backend === 'cpu') {
          expect(() => m34().indexSelect(0, bad)).toThrow(/webgrad\.indexSelect: index 5 is out of bounds for dim 0 with size 3/);
          expect(() => m34().gather(1, tensor([[0], [-2], [1]]))).toThrow(/webgrad\.gather: index -2 \(at \[1, 0\]\) is out of bounds/);
        } else {
          const y = tensor([10, 20, 30]).indexSelect(0, tensor([1, 5, -1, 0.5, 2]));
          const got = await values(y);
          expect(got[0]).toBe(20);
          expect(got.slice(1, 4).every(Number.isNaN)).toBe(true);
          expect(got[4]).toBe(30);
          // Bad entries receive no gradient.
          const x = tensor([10, 20, 30], { requiresGrad: true });
          x.indexSelect(0, tensor([1, 7, 1])).backward(tensor([1, 2, 4]));
          expect(await values(x.grad!)).toEqual([0, 5, 0]);
        }
      },
    );
  });

  describe('diag', () => {
    it('1-D to a matrix on the offset diagonal', async () => {
      expect(await diag(tensor([1, 2, 3])).array()).toEqual([
        [1, 0, 0],
        [0, 2, 0],
        [0, 0, 3],
      ]);
      expect(await tensor([1, 2]).diag(1).array()).toEqual([
        [0, 1, 0],
        [0, 0, 2],
        [0, 0, 0],
      ]);
      expect(await tensor([1, 2]).diag(-2).array()).toEqual([
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [1, 0, 0, 0],
        [0, 2, 0, 0],
      ]);
      expect(await checked([tensor([4, 5, 6])], (t) => t.diag(-1))).toEqual([0, 0, 0, 0, 4, 0, 0, 0, 0, 5, 0, 0, 0, 0, 6, 0]);
    });

    it('2-D to its offset diagonal, for wide and tall matrices', async () => {
      expect(await values(diag(m34()))).toEqual([0, 5, 10]);
      expect(await values(m34().diag(1))).toEqual([1, 6, 11]);
      expect(await values(m34().diag(2))).toEqual([2, 7]);
      expect(await values(m34().diag(-1))).toEqual([4, 9]);
      expect(m34().diag(4).shape).toEqual([0]);
      expect(m34().diag(-5).shape).toEqual([0]);
      expect(await checked([arange(12).reshape([4, 3])], (t) => t.diag(-1))).toEqual([3, 7, 11]);
    });

    it('gradients are diag the other way', async () => {
      await ok((t) => t.diag(1), [randn([3], { seed: 6 })]);
      await ok((t) => t.diag(-2), [randn([3, 4], { seed: 7 })]);
      await ok((t) => t.diag(), [randn([4, 3], { seed: 8 })]);
      const m = tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { requiresGrad: true },
      );
      m.diag()
        .mul(tensor([5, 6]))
        .sum()
        .backward();
      expect(await m.grad!.array()).toEqual([
        [5, 0],
        [0, 6],
      ]);
    });

    it('rejects other ranks and non-integer offsets', () => {
      expect(() => diag(tensor(1))).toThrow(/webgrad\.diag: expects a 1-D or 2-D tensor, got shape \[\]/);
      expect(() => diag(arange(8).reshape([2, 2, 2]))).toThrow(/webgrad\.diag: expects a 1-D or 2-D tensor, got shape \[2, 2, 2\]/);
      expect(() => diag(tensor([1, 2]), 0.5)).toThrow(/webgrad\.diag: offset must be an integer, got 0.5/);
    });
  });

  describe('triu and tril', () => {
    it('mask the last two dims with offset k, batched over the rest', async () => {
      expect(await triu(m34()).array()).toEqual([
        [0, 1, 2, 3],
        [0, 5, 6, 7],
        [0, 0, 10, 11],
      ]);
      expect(await tril(m34()).array()).toEqual([
        [0, 0, 0, 0],
        [4, 5, 0, 0],
        [8, 9, 10, 0],
      ]);
      expect(await m34().triu(2).array()).toEqual([
        [0, 0, 2, 3],
        [0, 0, 0, 7],
        [0, 0, 0, 0],
      ]);
      expect(await m34().tril(-1).array()).toEqual([
        [0, 0, 0, 0],
        [4, 0, 0, 0],
        [8, 9, 0, 0],
      ]);
      const b = arange(1, 9).reshape([2, 2, 2]);
      expect(await checked([b], (t) => t.triu(-1).add(t.tril(-1)))).toEqual([1, 2, 6, 4, 5, 6, 14, 8]);
      expect(await checked([b], (t) => t.tril(1))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      // Masked entries are 0 even when x is not finite there.
      expect(
        await values(
          tensor([
            [1, NaN],
            [Infinity, 2],
          ]).triu(),
        ),
      ).toEqual([1, NaN, 0, 2]);
    });

    it('gradients are the same mask', async () => {
      const x = randn([2, 3, 4], { seed: 9 });
      await ok((t) => t.triu(1), [x]);
      await ok((t) => t.tril(-1), [x]);
      const m = tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { requiresGrad: true },
      );
      m.tril()
        .mul(
          tensor([
            [5, 6],
            [7, 8],
          ]),
        )
        .sum()
        .backward();
      expect(await m.grad!.array()).toEqual([
        [5, 0],
        [7, 8],
      ]);
    });

    it('rejects tensors of rank < 2 and non-integer k', () => {
      expect(() => triu(tensor([1, 2]))).toThrow(/webgrad\.triu: expects a tensor with at least 2 dims, got shape \[2\]/);
      expect(() => tril(m34(), 1.5)).toThrow(/webgrad\.tril: k must be an integer, got 1.5/);
    });
  });

  describe('outer', () => {
    it('a[i]·b[j], matching the CPU reference', async () => {
      expect(await outer(tensor([1, 2]), tensor([3, 4, 5])).array()).toEqual([
        [3, 4, 5],
        [6, 8, 10],
      ]);
      const [a, b] = [randn([5], { seed: 10 }), randn([7], { seed: 11 })];
      const got = await checked([a, b], (x, y) => x.outer(y));
      const [av, bv] = [await values(a), await values(b)];
      expectClose(
        got,
        av.flatMap((ai) => bv.map((bj) => Math.fround(ai * bj))),
        0,
        0,
      );
    });

    it('gradients g·b and gᵀ·a', async () => {
      await ok((x, y) => outer(x, y), [randn([3], { seed: 12 }), randn([4], { seed: 13 })]);
      const a = tensor([1, 2], { requiresGrad: true });
      const b = tensor([3, 4, 5], { requiresGrad: true });
      outer(a, b).sum().backward();
      expect(await values(a.grad!)).toEqual([12, 12]);
      expect(await values(b.grad!)).toEqual([3, 3, 3]);
    });

    it('rejects non-1-D inputs', () => {
      expect(() => outer(m34(), tensor([1]))).toThrow(/webgrad\.outer: expects two 1-D tensors, got shapes \[3, 4\] and \[1\]/);
    });
  });
});
