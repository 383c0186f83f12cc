import { expect, it } from 'vitest';
import { tensor } from '../src/index';
import { forEachBackend } from './setup/backends';

forEachBackend(() => {
  it('x^2 at 4', async () => {
    const x = tensor(4, { requiresGrad: true });
    const y = x.pow(2);
    y.backward();
    expect(await y.item()).toBe(16);
    expect(await x.grad!.item()).toBe(8);
  });
  it('broadcast add and sum', async () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const b = tensor([10, 20, 30], { requiresGrad: true });
    const y = a.add(b).mul(a).sum();
    expect(await y.item()).toBe(1*11+2*22+3*33+4*14+5*25+6*36);
    y.backward();
    expect(Array.from(await b.grad!.data())).toEqual([5, 7, 9]);
  });
});
