import { describe, expect, it } from 'vitest';
import { arange, eye, full, linspace, memory, ones, rand, randn, tensor, tidy, zeros, getBackend } from '../src/index';
import { forEachBackend, values } from './setup/backends';

forEachBackend((backend) => {
  describe('creation', () => {
    it('from numbers, nested arrays and Float32Array, any rank', async () => {
      const s = tensor(3.5);
      expect(s.shape).toEqual([]);
      expect(s.ndim).toBe(0);
      expect(s.size).toBe(1);
      expect(await s.item()).toBe(3.5);
      const m = tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      expect(m.shape).toEqual([2, 3]);
      expect(await m.array()).toEqual([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const f = tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 1, 2] });
      expect(await f.array()).toEqual([[[1, 2]], [[3, 4]]]);
      expect(getBackend().name).toBe(backend);
      expect(m.backend.name).toBe(backend);
      const empty = tensor([]);
      expect(empty.shape).toEqual([0]);
      expect(await values(empty)).toEqual([]);
    });

    it('zeros, ones, full, arange, linspace (endpoints included), eye', async () => {
      expect(await values(zeros([2, 2]))).toEqual([0, 0, 0, 0]);
      expect(await values(ones([3]))).toEqual([1, 1, 1]);
      expect(await values(full([2], 7))).toEqual([7, 7]);
      expect(await values(arange(5))).toEqual([0, 1, 2, 3, 4]);
      expect(await values(arange(1, 2, 0.25))).toEqual([1, 1.25, 1.5, 1.75]);
      const x = await values(linspace(-5, 5, 500));
      expect(x.length).toBe(500);
      expect(x[0]).toBe(-5);
      expect(x[499]).toBe(5);
      expect(x[1] - x[0]).toBeCloseTo(10 / 499, 6);
      expect(await eye(2, 3).array()).toEqual([
        [1, 0, 0],
        [0, 1, 0],
      ]);
    });

    it('rand/randn with a seed are reproducible and identical on every backend', async () => {
      const a = await values(randn([1000], { seed: 42 }));
      expect(await values(randn([1000], { seed: 42 }))).toEqual(a);
      // Host-generated (mulberry32 + Box–Muller): pinned so a change of generator is noticed.
      expect(a[0]).toBeCloseTo(-1.2848382, 6);
      const mean = a.reduce((s, v) => s + v, 0) / a.length;
      const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
      expect(Math.abs(mean)).toBeLessThan(0.1);
      expect(Math.abs(variance - 1)).toBeLessThan(0.1);
      const u = await values(rand([1000], { seed: 1 }));
      expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...u)).toBeLessThan(1);
    });

    it('rejects ragged, non-numeric and mis-shaped data at tensor()', () => {
      expect(() => tensor([[1, 2], [3]])).toThrow(/webgrad\.tensor: ragged nested array: expected length 2 at \[1\], got length 1/);
      expect(() => tensor([1, 'a' as unknown as number])).toThrow(/webgrad\.tensor: non-numeric value "a" at \[1\]/);
      expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/webgrad\.tensor: shape \[2, 2\] needs 4 values, got 3/);
      expect(() => zeros([2, -1])).toThrow(/webgrad\.full: shape must be a list of non-negative integers/);
    });

    it('item() needs exactly one element', async () => {
      await expect(tensor([1, 2]).item()).rejects.toThrow(/webgrad\.item: needs a tensor with one element, got shape \[2\]/);
    });
  });

  describe('memory', () => {
    it('dispose frees storage; using a disposed tensor names the op', async () => {
      const before = memory();
      const x = tensor([1, 2, 3]);
      expect(memory().tensors).toBe(before.tensors + 1);
      expect(memory().bytes).toBe(before.bytes + 12);
      x.dispose();
      expect(memory().tensors).toBe(before.tensors);
      expect(memory().bytes).toBe(before.bytes);
      expect(x.isDisposed).toBe(true);
      expect(() => x.add(1)).toThrow(/webgrad\.add: tensor #\d+ of shape \[3\] was disposed/);
      await expect(x.data()).rejects.toThrow(/webgrad\.data: .* was disposed/);
    });

    it('tidy disposes everything made inside except what it returns', async () => {
      const before = memory().tensors;
      const x = tensor([1, 2, 3]);
      const kept = tidy(() => {
        const a = x.mul(2);
        const b = a.add(1);
        return { out: b.exp(), list: [b] };
      });
      expect(memory().tensors).toBe(before + 3); // x, out, b
      expect(await values(kept.list[0])).toEqual([3, 5, 7]);
      kept.out.dispose();
      kept.list[0].dispose();
      x.dispose();
      expect(memory().tensors).toBe(before);
    });

    it('a tensor returned from tidy stays differentiable; gradients survive tidy', async () => {
      const w = tensor([1, 2], { requiresGrad: true });
      const before = memory().tensors;
      const loss = tidy(() => w.square().mul(3).sum());
      loss.backward(); // backward keeps its own handles on what the disposed intermediates held
      expect(await values(w.grad!)).toEqual([6, 12]);
      tidy(() => {
        w.zeroGrad();
        w.square().sum().backward();
      });
      expect(await values(w.grad!)).toEqual([2, 4]);
      loss.dispose();
      expect(memory().tensors).toBe(before + 1); // w.grad
    });

    it('a 1,000-step training-style loop keeps live tensors, bytes and pooled GPU bytes flat', async () => {
      const w = tensor([0.5, -0.3], { requiresGrad: true });
      const x = tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      const target = tensor([1, 2, 3]);
      let baseline = memory();
      for (let step = 0; step < 1000; step++) {
        tidy(() => {
          const loss = x.mul(w).sum({ axis: 1 }).sub(target).square().mean();
          w.zeroGrad();
          loss.backward();
          const next = w.detach().sub(w.grad!.mul(0.03));
          w.assign(next);
        });
        if (step === 10) baseline = memory();
        if (step > 10) {
          const now = memory();
          expect(now.tensors).toBe(baseline.tensors);
          expect(now.bytes).toBe(baseline.bytes);
          expect(now.pooledBytes).toBe(baseline.pooledBytes);
        }
      }
      // And it learned: w moves towards the least-squares solution of x·w = target (w = [0, 0.5]).
      const [w0, w1] = await values(w);
      expect(Math.abs(w0) + Math.abs(w1 - 0.5)).toBeLessThan(0.01); // 0.0048 in float64
    });
  });
});
