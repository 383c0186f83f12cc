import { describe, expect, it } from 'vitest';
import { arange, cat, gradcheck, permute, randn, squeeze, stack, tensor, Tensor, transpose, unsqueeze, WebgradError } from '../src/index';
import { cpuBackend } from '../src/backend/cpu';
import { expectClose, forEachBackend, values } from './setup/backends';

/** f on the current backend, checked against the CPU reference (data movement: exact); returns the values. */
async function checked(xs: Tensor[], f: (...t: Tensor[]) => Tensor): Promise<number[]> {
  const got = await f(...xs).data();
  const cpu = await Promise.all(xs.map(async (x) => tensor(await x.data(), { shape: x.shape, backend: cpuBackend })));
  expectClose(got, await f(...cpu).data(), 0, 0);
  return Array.from(got);
}

/** Row-major coordinates of flat index i in `shape`. */
function coords(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return c;
}

/** Plain-JS permute of flat row-major data: the hand oracle for larger shapes. */
function permuteRef(data: ArrayLike<number>, shape: readonly number[], dims: readonly number[]): number[] {
  const outShape = dims.map((d) => shape[d]);
  const inStrides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  return Array.from({ length: data.length }, (_, i) => {
    const c = coords(i, outShape);
    return data[c.reduce((off, ci, k) => off + ci * inStrides[dims[k]], 0)];
  });
}

const m23 = () =>
  tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

forEachBackend(() => {
  describe('permute and transpose', () => {
    it('transposes a matrix by default', async () => {
      const y = transpose(m23());
      expect(y.shape).toEqual([3, 2]);
      expect(await y.array()).toEqual([
        [1, 4],
        [2, 5],
        [3, 6],
      ]);
      expect(await checked([m23()], (t) => t.transpose())).toEqual([1, 4, 2, 5, 3, 6]);
    });

    it('permutes rank 3 (negative dims too) against a plain-JS oracle, over several workgroups', async () => {
      const x = arange(3 * 70 * 5).reshape([3, 70, 5]);
      const data = await x.data();
      const y = permute(x, [2, 0, -2]);
      expect(y.shape).toEqual([5, 3, 70]);
      expect(await checked([x], (t) => t.permute([2, 0, 1]))).toEqual(permuteRef(data, [3, 70, 5], [2, 0, 1]));
      const t = transpose(x, 0, 2);
      expect(t.shape).toEqual([5, 70, 3]);
      expect(await values(t)).toEqual(permuteRef(data, [3, 70, 5], [2, 1, 0]));
    });

    it('keeps size-1 dims and the identity permutation in place', async () => {
      const x = tensor([[[1, 2, 3]], [[4, 5, 6]]]); // [2, 1, 3]
      const y = x.permute([1, 2, 0]);
      expect(y.shape).toEqual([1, 3, 2]);
      expect(await values(y)).toEqual([1, 4, 2, 5, 3, 6]);
      expect(await values(x.permute([0, 1, 2]))).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('gradients are the inverse permutation', async () => {
      const x = randn([2, 3, 4], { seed: 3 });
      expect((await gradcheck((t) => permute(t, [1, 2, 0]), [x])).ok).toBe(true);
      expect((await gradcheck((t) => transpose(t, 0, 1), [x])).ok).toBe(true);
      expect((await gradcheck((t) => transpose(t).mul(t.permute([0, 2, 1])), [x])).ok).toBe(true);
      // Hand check: d/dx sum(w ∘ xᵀ) = wᵀ.
      const m = tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { requiresGrad: true },
      );
      m.transpose()
        .mul(
          tensor([
            [1, 10],
            [2, 20],
            [3, 30],
          ]),
        )
        .sum()
        .backward();
      expect(await m.grad!.array()).toEqual([
        [1, 2, 3],
        [10, 20, 30],
      ]);
    });

    it('rejects dims that are not a permutation or out of range', () => {
      const x = randn([2, 3, 4]);
      expect(() => permute(x, [0, 0, 1])).toThrow(/webgrad\.permute: dims \[0, 0, 1\] are not a permutation of the 3 dims of \[2, 3, 4\]/);
      expect(() => permute(x, [0, 1])).toThrow(/webgrad\.permute: dims \[0, 1\] are not a permutation/);
      expect(() => permute(x, [0, 1, 3])).toThrow(/webgrad\.permute: axis 3 is out of range for a tensor of rank 3/);
      expect(() => transpose(x, 0, 5)).toThrow(/webgrad\.transpose: axis 5 is out of range/);
      expect(() => transpose(tensor([1, 2]))).toThrow(/webgrad\.transpose: the default swaps the last two dims, but the tensor has shape \[2\]/);
      expect(() => transpose(x, 0, 5)).toThrow(WebgradError);
    });
  });

  describe('squeeze and unsqueeze', () => {
    it('squeeze drops all size-1 dims, or the named ones (non-1 dims stay, as in torch)', async () => {
      const x = tensor([1, 2, 3], { shape: [1, 3, 1] });
      expect(squeeze(x).shape).toEqual([3]);
      expect(x.squeeze(0).shape).toEqual([3, 1]);
      expect(x.squeeze(-1).shape).toEqual([1, 3]);
      expect(x.squeeze(1).shape).toEqual([1, 3, 1]);
      expect(x.squeeze([0, 2]).shape).toEqual([3]);
      expect(await values(squeeze(x))).toEqual([1, 2, 3]);
      expect(() => x.squeeze(3)).toThrow(/webgrad\.squeeze: axis 3 is out of range for a tensor of rank 3/);
    });

    it('unsqueeze inserts a dim anywhere in [-ndim-1, ndim]', async () => {
      const x = m23();
      expect(unsqueeze(x, 0).shape).toEqual([1, 2, 3]);
      expect(x.unsqueeze(2).shape).toEqual([2, 3, 1]);
      expect(x.unsqueeze(-1).shape).toEqual([2, 3, 1]);
      expect(x.unsqueeze(-3).shape).toEqual([1, 2, 3]);
      expect(await values(x.unsqueeze(1))).toEqual([1, 2, 3, 4, 5, 6]);
      expect(() => x.unsqueeze(3)).toThrow(/webgrad\.unsqueeze: axis 3 is out of range for a tensor of rank 2/);
      expect(() => x.unsqueeze(-4)).toThrow(/webgrad\.unsqueeze: axis -4 is out of range/);
    });

    it('gradients flow through the views', async () => {
      const x = randn([1, 3, 1], { seed: 5 });
      expect((await gradcheck((t) => squeeze(t).mul(t.squeeze(0).squeeze(1)), [x])).ok).toBe(true);
      expect((await gradcheck((t) => t.unsqueeze(1).mul(t.unsqueeze(0)), [randn([3], { seed: 6 })])).ok).toBe(true);
    });
  });

  describe('cat and stack', () => {
    it('cat along dim 0 and dim 1 (negative too)', async () => {
      const a = m23();
      const b = tensor([[7, 8, 9]]);
      const c = tensor([[10], [20]]);
      expect(await cat([a, b]).array()).toEqual([
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ]);
      expect(await cat([a, c], -1).array()).toEqual([
        [1, 2, 3, 10],
        [4, 5, 6, 20],
      ]);
      expect(await checked([a, c, a], (x, y, z) => cat([x, y, z], 1))).toEqual([1, 2, 3, 10, 1, 2, 3, 4, 5, 6, 20, 4, 5, 6]);
      expect(await values(cat([a]))).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('cat of rank-3 tensors in the middle dim, and with an empty part', async () => {
      const a = arange(12).reshape([2, 3, 2]);
      const b = arange(100, 104).reshape([2, 1, 2]);
      const e = tensor(new Float32Array(0), { shape: [2, 0, 2] });
      const y = cat([a, e, b], 1);
      expect(y.shape).toEqual([2, 4, 2]);
      expect(await y.array()).toEqual([
        [
          [0, 1],
          [2, 3],
          [4, 5],
          [100, 101],
        ],
        [
          [6, 7],
          [8, 9],
          [10, 11],
          [102, 103],
        ],
      ]);
    });

    it('stack adds a dim at the front, middle or end', async () => {
      const a = tensor([1, 2, 3]);
      const b = tensor([4, 5, 6]);
      expect(await stack([a, b]).array()).toEqual([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      expect(await stack([a, b], 1).array()).toEqual([
        [1, 4],
        [2, 5],
        [3, 6],
      ]);
      expect(await stack([a, b], -1).array()).toEqual([
        [1, 4],
        [2, 5],
        [3, 6],
      ]);
      const m = stack([m23(), m23().mul(10)], 1);
      expect(m.shape).toEqual([2, 2, 3]);
      expect(await checked([m23()], (t) => stack([t, t.mul(10)], 1))).toEqual([1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60]);
    });

    it('gradients: cat backward slices, stack backward unsqueezes and slices', async () => {
      const a = randn([2, 3], { seed: 1 });
      const b = randn([2, 1], { seed: 2 });
      const c = randn([2, 2], { seed: 3 });
      expect((await gradcheck((x, y, z) => cat([x, y, z], 1), [a, b, c])).ok).toBe(true);
      expect((await gradcheck((x, y) => cat([x, y.transpose(), x], 0), [a, randn([3, 1], { seed: 4 })])).ok).toBe(true);
      expect((await gradcheck((x, y) => stack([x, y, x], 1), [a, randn([2, 3], { seed: 5 })])).ok).toBe(true);
      // A tensor used twice gets both slices' gradients; a constant part gets none.
      const x = tensor([1, 2], { requiresGrad: true });
      cat([x, tensor([5]), x])
        .mul(tensor([1, 10, 100, 1000, 10000]))
        .sum()
        .backward();
      expect(await values(x.grad!)).toEqual([1001, 10010]);
    });

    it('rejects empty lists, mismatched shapes, 0-d inputs and bad dims', () => {
      expect(() => cat([])).toThrow(/webgrad\.cat: expects a non-empty list of tensors/);
      expect(() => stack([])).toThrow(/webgrad\.stack: expects a non-empty list of tensors/);
      expect(() => cat([m23(), tensor([[1, 2]])])).toThrow(
        /webgrad\.cat: tensor 1 has shape \[1, 2\] but tensor 0 has shape \[2, 3\]; shapes must match except in dim 0/,
      );
      expect(() => cat([m23(), tensor([1, 2, 3])])).toThrow(/webgrad\.cat: tensor 1 has shape \[3\] but tensor 0 has shape \[2, 3\]/);
      expect(() => stack([m23(), tensor([[1, 2, 3]])])).toThrow(
        /webgrad\.stack: tensor 1 has shape \[1, 3\] but tensor 0 has shape \[2, 3\]; all shapes must be equal/,
      );
      expect(() => cat([tensor(1), tensor(2)])).toThrow(/webgrad\.cat: cannot concatenate 0-d tensors/);
      expect(() => cat([m23(), m23()], 2)).toThrow(/webgrad\.cat: axis 2 is out of range for a tensor of rank 2/);
      expect(() => stack([m23()], 3)).toThrow(/webgrad\.stack: axis 3 is out of range/);
      expect(() => cat([m23(), [1, 2] as unknown as Tensor])).toThrow(/webgrad\.cat: element 1 must be a Tensor, got an array/);
    });
  });
});
