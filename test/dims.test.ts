// Dimension arguments the way PyTorch takes them — sum(1), sum(-1), sum([0, 1], true) — beside the options
// object ({ axis } or { dim }), for every op that reduces over dims; anything else is an error naming the op.
import { describe, expect, it } from 'vitest';
import { argmax, argmin, logSoftmax, logsumexp, max, mean, min, norm, softmax, sum, tensor, Tensor } from '../src/index';
import { expectClose, forEachBackend, values } from './setup/backends';

const Y = [
  [1, 2],
  [3, 4],
  [5, 7],
]; // 3×2

forEachBackend(() => {
  describe('dims like PyTorch', () => {
    it('sum(1), sum(-1), sum(0), sum([0, 1], true), { dim }, { axis } on a 3×2 matrix', async () => {
      const y = tensor(Y);
      expectClose(await values(y.sum(1)), [3, 7, 12]);
      expectClose(await values(y.sum(-1)), [3, 7, 12]);
      expectClose(await values(y.sum(0)), [9, 13]);
      const all = y.sum([0, 1], true);
      expect(all.shape).toEqual([1, 1]);
      expectClose(await values(all), [22]);
      expect(y.sum(1, true).shape).toEqual([3, 1]);
      expectClose(await values(sum(y, { dim: 1 })), [3, 7, 12]);
      expectClose(await values(sum(y, { axis: 1, keepdim: true })), [3, 7, 12]);
      expectClose(await values(y.sum()), [22]);
    });

    it('mean, max, min, logsumexp, norm take the same forms', async () => {
      const y = tensor(Y);
      expectClose(await values(mean(y, 1)), [1.5, 3.5, 6]);
      expectClose(await values(y.max(-1)), [2, 4, 7]);
      expectClose(await values(min(y, 0, true)), [1, 2]);
      expect(min(y, 0, true).shape).toEqual([1, 2]);
      expectClose(
        await values(logsumexp(y, 1)),
        Y.map((r) => Math.log(Math.exp(r[0]) + Math.exp(r[1]))),
        1e-5,
        1e-6,
      );
      expectClose(
        await values(norm(y, [1])),
        Y.map((r) => Math.hypot(r[0], r[1])),
        1e-5,
        1e-6,
      );
      expectClose(await values(max(y, { dim: [0, 1] })), [7]);
    });

    it('argmax/argmin take one dim and keepdim; softmax/logSoftmax one dim', async () => {
      const y = tensor(Y);
      expectClose(await values(argmax(y, 1)), [1, 1, 1]);
      expect(argmin(y, 0, true).shape).toEqual([1, 2]);
      expectClose(await values(y.argmax({ dim: 0 })), [2, 2]);
      const s = softmax(y, 0);
      expectClose(await values(s.sum(0)), [1, 1], 1e-6, 1e-6);
      expectClose(await values(logSoftmax(y, { dim: 1 }).exp().sum(1)), [1, 1, 1], 1e-6, 1e-6);
    });

    it('anything else is an error naming the op', () => {
      const y = tensor(Y);
      expect(() => y.sum('1' as unknown as number)).toThrow("webgrad.sum: dims must be a number, an array of numbers or an options object, got '1'");
      expect(() => y.mean(1, 'yes' as unknown as boolean)).toThrow('webgrad.mean: keepdim must be a boolean, got "yes"');
      expect(() => y.max({ axes: 1 } as never)).toThrow('webgrad.max: unknown option(s) axes (takes axis or dim, and keepdim)');
      expect(() => y.min({ axis: 0, dim: 1 })).toThrow('webgrad.min: got both axis 0 and dim 1; pass one');
      expect(() => y.norm({ dim: 1 }, true)).toThrow('webgrad.norm: pass keepdim inside the options object');
      expect(() => y.logsumexp(2)).toThrow('webgrad.logsumexp: axis 2 is out of range for a tensor of rank 2');
      expect(() => y.argmax([0, 1] as unknown as number)).toThrow('webgrad.argmax: takes one axis (a number) or none');
      expect(() => y.softmax([0, 1] as unknown as number)).toThrow('webgrad.softmax: takes one dim (a number)');
      expect(() => y.sum([0, 'a'] as unknown as number[])).toThrow('webgrad.sum: dims must be numbers');
    });

    it('gradients follow the dims', async () => {
      const y = tensor(Y, { requiresGrad: true });
      y.sum(1)
        .mul(tensor([1, 2, 3]))
        .sum()
        .backward();
      expectClose(await values(y.grad as Tensor), [1, 1, 2, 2, 3, 3]);
    });
  });
});
