import { describe, expect, it } from 'vitest';
import { grad, noGrad, tensor, valueAndGrad, add, cos, log, mul, sin, sub, tanh, Tensor, isGradEnabled } from '../src/index';
import { expectClose, forEachBackend, values } from './setup/backends';

forEachBackend(() => {
  describe("the notes' examples", () => {
    it('x = 4, y = x² → x.grad = 8', async () => {
      const x = tensor([4], { requiresGrad: true });
      const y = x.pow(2);
      y.backward();
      expect(await values(y)).toEqual([16]);
      expect(await values(x.grad!)).toEqual([8]);
    });

    it('log(sin x + tanh y²) / z at (1, 1, 1): value and the three gradients', async () => {
      const [x, y, z] = [1, 1, 1].map((v) => tensor([v], { requiresGrad: true }));
      const g = x.sin().add(y.pow(2).tanh()).log().div(z);
      g.backward();
      const s = Math.sin(1) + Math.tanh(1);
      const sech2 = 1 - Math.tanh(1) ** 2;
      expectClose(await values(g), [Math.log(s)], 1e-6, 1e-6);
      expectClose(await values(x.grad!), [Math.cos(1) / s], 1e-6, 1e-6); // 0.3157
      expectClose(await values(y.grad!), [(2 * sech2) / s], 1e-6, 1e-6); // 0.2491
      expectClose(await values(z.grad!), [-Math.log(s)], 1e-6, 1e-6); // -0.4756
    });

    it('f(x1, x2) = ln x1 + cos x2 − x1·x2 at (2, 1) → (−0.5, −sin 1 − 2)', async () => {
      const f = (x1: Tensor, x2: Tensor) => sub(add(log(x1), cos(x2)), mul(x1, x2));
      const [value, [g1, g2]] = valueAndGrad(f)(tensor(2), tensor(1));
      expectClose(await values(value), [Math.log(2) + Math.cos(1) - 2], 1e-6, 1e-6);
      expectClose(await values(g1), [-0.5], 1e-6, 1e-6);
      expectClose(await values(g2), [-Math.sin(1) - 2], 1e-6, 1e-6);
    });
  });

  it('accumulates: a tensor used twice gets the sum of both paths', async () => {
    const x = tensor([3], { requiresGrad: true });
    x.mul(x).add(x.sin()).backward();
    expectClose(await values(x.grad!), [6 + Math.cos(3)], 1e-6, 1e-6);
  });

  it('accumulates across backward calls into .grad, until zeroGrad', async () => {
    const x = tensor([2], { requiresGrad: true });
    x.mul(3).backward();
    x.mul(3).backward();
    expect(await values(x.grad!)).toEqual([6]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });

  it('retainGraph allows a second backward; without it the error says how to fix it', async () => {
    const x = tensor([2], { requiresGrad: true });
    const y = x.exp().mul(2);
    y.backward({ retainGraph: true });
    y.backward();
    expectClose(await values(x.grad!), [4 * Math.exp(2)], 1e-5, 1e-6);
    expect(() => y.backward()).toThrow(/webgrad\.backward: the graph through 'mul' was freed.*retainGraph: true/);
  });

  it('backward of a non-scalar needs a seed and names the shape', async () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/webgrad\.backward: output of shape \[3\] is not a scalar/);
    y.backward(tensor([1, 10, 100]));
    expect(await values(x.grad!)).toEqual([2, 20, 200]);
    expect(() => x.mul(2).backward(tensor([1, 2]))).toThrow(/seed of shape \[2\] does not match the output's shape \[3\]/);
  });

  it('noGrad records nothing; detach cuts the graph', async () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return x.mul(2);
    });
    expect(isGradEnabled()).toBe(true);
    expect(y.requiresGrad).toBe(false);
    expect(() => y.sum().backward()).toThrow(/does not require grad/);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(await values(d)).toEqual([1, 2]);
    const z = x.mul(d).sum(); // d is a constant: dz/dx = d
    z.backward();
    expect(await values(x.grad!)).toEqual([1, 2]);
  });

  it('only leaves can be set to require grad', () => {
    const x = tensor([1], { requiresGrad: true });
    expect(() => (x.mul(2).requiresGrad = true)).toThrow(/only leaf tensors/);
  });

  it('grad(f) returns one gradient per argument and leaves .grad alone', async () => {
    const f = (a: Tensor, b: Tensor) => a.mul(b).add(a.square()).sum();
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    const [ga, gb] = grad(f)(a, b);
    expect(await values(ga)).toEqual([5, 8]); // b + 2a
    expect(await values(gb)).toEqual([1, 2]); // a
    expect(a.grad).toBeNull();
    // An argument the output does not depend on gets zeros.
    const [, gz] = grad((p: Tensor, _q: Tensor) => p.sum())(a, b);
    expect(await values(gz)).toEqual([0, 0]);
    expect(() => grad((p: Tensor) => p.mul(2))(a)).toThrow(/must return a scalar, got shape \[2\]/);
  });

  it('gradients flow through sin/tanh chains into several leaves (reverse topological order)', async () => {
    // A diamond: u feeds two branches that meet again.
    const x = tensor([0.7], { requiresGrad: true });
    const u = sin(x);
    const y = tanh(u).mul(u.exp());
    y.backward();
    const uv = Math.sin(0.7);
    const dy = ((1 - Math.tanh(uv) ** 2) * Math.exp(uv) + Math.tanh(uv) * Math.exp(uv)) * Math.cos(0.7);
    expectClose(await values(x.grad!), [dy], 1e-6, 1e-5);
  });
});
