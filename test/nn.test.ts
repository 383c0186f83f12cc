import { describe, expect, it } from 'vitest';
import { gradcheck, nn, randn, tensor, Tensor } from '../src/index';
import fixtures from './fixtures/nn_fixtures.json';
import { expectClose, forEachBackend, values } from './setup/backends';

const F = nn.functional;
const t = (data: number[], shape: number[], requiresGrad = false): Tensor => tensor(Float32Array.from(data), { shape, requiresGrad });
const L = fixtures.layers;

/** Forward and gradients of sum(f(x)·r) against PyTorch's float64 values. */
async function checkLayer(f: (x: Tensor) => Tensor, fx: { x: number[]; xShape: number[]; r: number[]; y: number[]; dx: number[] }, tol = 2e-6) {
  const x = t(fx.x, fx.xShape, true);
  const y = f(x);
  expectClose(await y.data(), fx.y, tol, tol);
  y.mul(t(fx.r, [...y.shape]))
    .sum()
    .backward();
  expectClose(await x.grad!.data(), fx.dx, tol, tol);
  return x;
}

forEachBackend(() => {
  describe('layers against PyTorch', () => {
    it('Linear: x·Wᵀ + b with W [out, in], and its gradients', async () => {
      const lin = new nn.Linear(4, 3);
      lin.loadStateDict({ weight: { shape: [3, 4], data: L.linear.w }, bias: { shape: [3], data: L.linear.b } });
      await checkLayer((x) => lin.forward(x), L.linear);
      expectClose(await lin.weight.grad!.data(), L.linear.dw, 2e-6, 2e-6);
      expectClose(await lin.bias!.grad!.data(), L.linear.db, 2e-6, 2e-6);
      expect(lin.weight.shape).toEqual([3, 4]);
    });

    it('Linear on a batch of batches keeps the leading dims', async () => {
      const lin = new nn.Linear(4, 2, { seed: 3 });
      const x = randn([2, 3, 4], { seed: 4 });
      const y = lin.forward(x);
      expect(y.shape).toEqual([2, 3, 2]);
      const flat = lin.forward(x.reshape([6, 4]));
      expectClose(await y.data(), await flat.data(), 0, 0);
      await gradcheck((a, w, b) => F.linear(a, w, b), [x, lin.weight, lin.bias!]);
    });

    it("Linear's initialisation is torch's: U(±1/√in) for weight and bias, seeded", async () => {
      const a = new nn.Linear(64, 32, { seed: 9 });
      const b = new nn.Linear(64, 32, { seed: 9 });
      const w = await a.weight.data();
      expect(Array.from(w)).toEqual(Array.from(await b.weight.data()));
      const bound = 1 / 8;
      expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * bound);
      const mean = w.reduce((s, v) => s + v, 0) / w.length;
      const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
      expect(Math.abs(mean)).toBeLessThan(0.01);
      expect(variance).toBeCloseTo((bound * bound) / 3, 3); // U(−a, a) has variance a²/3
      expect(Math.max(...(await a.bias!.data()).map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(new nn.Linear(3, 2, { bias: false }).parameters().length).toBe(1);
    });

    for (const [name, Layer] of [
      ['relu', nn.ReLU],
      ['tanh', nn.Tanh],
      ['sigmoid', nn.Sigmoid],
      ['gelu', nn.GELU],
      ['silu', nn.SiLU],
    ] as const) {
      it(`${name}`, async () => {
        await checkLayer((x) => new Layer().forward(x), L[name], 3e-6);
      });
    }

    it('GELU and SiLU gradients by gradcheck', async () => {
      const x = randn([3, 4], { seed: 5 }).mul(3);
      await gradcheck(F.gelu, [x]);
      await gradcheck(F.silu, [x]);
    });

    it('LayerNorm over the trailing dims, with its affine parameters', async () => {
      const fx = L.layerNorm;
      const ln = new nn.LayerNorm(fx.normalizedShape);
      ln.loadStateDict({ weight: { shape: [2, 5], data: fx.w }, bias: { shape: [2, 5], data: fx.b } });
      await checkLayer((x) => ln.forward(x), fx, 1e-5);
      expectClose(await ln.weight!.grad!.data(), fx.dw, 1e-5, 1e-5);
      expectClose(await ln.bias!.grad!.data(), fx.db, 1e-5, 1e-5);
    });

    it('Dropout: seeded inverted dropout in training, identity in eval', async () => {
      const x = tensor(new Float32Array(1000).fill(1), { shape: [10, 100] });
      const d = new nn.Dropout(0.3, { seed: 1 });
      const y = await d.forward(x).data();
      const kept = y.filter((v) => v !== 0);
      expect(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
      expect(kept.length / 1000).toBeGreaterThan(0.65);
      expect(kept.length / 1000).toBeLessThan(0.75);
      expect(Array.from(await new nn.Dropout(0.3, { seed: 1 }).forward(x).data())).toEqual(Array.from(y));
      expect(Array.from(await d.forward(x).data())).not.toEqual(Array.from(y)); // the next mask differs
      d.eval();
      expect(d.forward(x)).toBe(x);
    });
  });

  describe('Module', () => {
    const mlp = () => new nn.Sequential(new nn.Linear(2, 4, { seed: 1 }), new nn.ReLU(), new nn.Dropout(0.1), new nn.Linear(4, 3, { seed: 2 }));

    it('names parameters depth first and toggles train/eval recursively', () => {
      const m = mlp();
      expect(m.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual(['0.weight:4x2', '0.bias:4', '3.weight:3x4', '3.bias:3']);
      expect(m.parameters().every((p) => p.requiresGrad && p.isLeaf)).toBe(true);
      m.eval();
      expect(m.modules.every((c) => !c.training)).toBe(true);
      m.train();
      expect(m.modules.every((c) => c.training)).toBe(true);
    });

    it('stateDict survives JSON and loads into another model; bad dicts are refused', async () => {
      const a = mlp();
      const b = new nn.Sequential(new nn.Linear(2, 4, { seed: 7 }), new nn.ReLU(), new nn.Dropout(0.1), new nn.Linear(4, 3, { seed: 8 }));
      const sd = JSON.parse(JSON.stringify(await a.stateDict()));
      const w = b.parameters()[0];
      b.loadStateDict(sd);
      expect(b.parameters()[0]).toBe(w); // loaded in place
      const x = randn([5, 2], { seed: 3 });
      a.eval();
      b.eval();
      expect(Array.from(await b.forward(x).data())).toEqual(Array.from(await a.forward(x).data()));
      const { '3.bias': _bias, ...missing } = sd;
      expect(() => b.loadStateDict(missing)).toThrow(/webgrad\.loadStateDict: missing entries: 3\.bias/);
      expect(() => b.loadStateDict({ ...sd, extra: sd['0.bias'] })).toThrow(/loadStateDict: unexpected entries: extra/);
      b.loadStateDict({ ...sd, extra: sd['0.bias'] }, { strict: false });
      expect(() => b.loadStateDict({ ...sd, '0.weight': { shape: [2, 4], data: sd['0.weight'].data } })).toThrow(
        /entry '0\.weight' has shape \[2, 4\], the parameter \[4, 2\]/,
      );
      expect(() => b.loadStateDict({ ...sd, '0.bias': { shape: [4], data: [1, 2] } })).toThrow(/entry '0\.bias' needs 4 numbers/);
      expect(() => b.loadStateDict(null as never)).toThrow(/loadStateDict: expects an object/);
    });

    it('moves to the other backend with the same outputs', async () => {
      const m = mlp().eval();
      const x = randn([4, 2], { seed: 2 });
      const before = await m.forward(x).data();
      const other = m.parameters()[0].backend.name === 'cpu' ? 'webgpu' : 'cpu';
      if (other === 'webgpu' && !(await import('../src/diagnostics')).getWebGPUBackend()) return;
      await m.to(other);
      expect(m.parameters().every((p) => p.backend.name === other && p.requiresGrad)).toBe(true);
      const xo = await x.toBackend(other);
      expectClose(await m.forward(xo).data(), before, 1e-6, 1e-6);
    });
  });

  describe('losses against PyTorch', () => {
    for (const fx of fixtures.losses) {
      const largeLogits = fx.loss === 'crossEntropy' && Math.max(...fx.x.map(Math.abs)) > 100;
      const label = `${fx.loss} ${JSON.stringify(fx.options)}${largeLogits ? ' (large logits)' : ''}`;
      it(label, async () => {
        const x = t(fx.x, fx.xShape, true);
        const f = F[fx.loss as 'mseLoss'] as (x: Tensor, target: Tensor | number[], o: object) => Tensor;
        const target = fx.loss === 'crossEntropy' || fx.loss === 'nllLoss' ? fx.target : t(fx.target, fx.xShape);
        const y = f(x, target, fx.options);
        expect(y.shape).toEqual(fx.yShape);
        const big = Math.max(...fx.x.map(Math.abs)) > 100;
        const tol = big ? 2e-4 : 3e-6; // the loss of logits ~1e3 is ~1e3: float32's ulp there is 6e-5
        expectClose(await y.data(), fx.y, tol, tol);
        y.mul(t(fx.r, fx.yShape)).sum().backward();
        expectClose(await x.grad!.data(), fx.dx, 3e-6, 1e-5);
      });
    }

    it('crossEntropy gradients by gradcheck (with label smoothing, each reduction, 1-D logits)', async () => {
      const x = randn([5, 4], { seed: 11 }).mul(2);
      const target = [3, 0, 1, 1, 2];
      await gradcheck((a) => F.crossEntropy(a, target), [x]);
      await gradcheck((a) => F.crossEntropy(a, target, { labelSmoothing: 0.2, reduction: 'sum' }), [x]);
      await gradcheck((a) => F.crossEntropy(a, target, { reduction: 'none' }), [x]);
      await gradcheck((a) => F.crossEntropy(a, [2]), [randn([4], { seed: 12 })]);
      await gradcheck((a) => F.crossEntropy(a, tensor([3, 0, 1, 1, 2], { backend: a.backend })), [x]);
    });

    it('crossEntropy matches logSoftmax + nllLoss, stays finite for logits of ±1e4', async () => {
      const x = randn([8, 6], { seed: 13 }).mul(1e4);
      const target = [0, 1, 2, 3, 4, 5, 0, 1];
      const fused = await F.crossEntropy(x, target, { reduction: 'none' }).data();
      const composed = await F.nllLoss(F.logSoftmax(x, 1), target, { reduction: 'none' }).data();
      expect(fused.every(Number.isFinite)).toBe(true);
      expectClose(fused, composed, 2e-3, 1e-6);
    });

    it('rejects bad targets and shapes, naming the function', async () => {
      const x = randn([3, 4], { seed: 1 });
      expect(() => F.crossEntropy(x, [0, 4, 1])).toThrow(/webgrad\.crossEntropy: target\[1\] = 4 is out of range for 4 classes/);
      expect(() => F.crossEntropy(x, [0, -1, 1])).toThrow(/crossEntropy: target\[1\] = -1 is out of range/);
      expect(() => F.crossEntropy(x, [0, 1.5, 1])).toThrow(/crossEntropy: target\[1\] = 1\.5 is not an integer class index/);
      expect(() => F.crossEntropy(x, [0, 1])).toThrow(/crossEntropy: target of length 2 does not match logits of shape \[3, 4\]/);
      expect(() => F.crossEntropy(x, tensor([0, 1]))).toThrow(/crossEntropy: target of shape \[2\] does not match logits of shape \[3, 4\]/);
      expect(() => F.crossEntropy(randn([2, 3, 4]), [0, 1])).toThrow(/crossEntropy: expects logits of shape \[N, C\] or \[C\], got \[2, 3, 4\]/);
      expect(() => F.crossEntropy(x, [0, 1, 2], { reduction: 'avg' as never })).toThrow(/crossEntropy: reduction must be 'mean', 'sum' or 'none'/);
      expect(() => F.crossEntropy(x, [0, 1, 2], { labelSmoothing: 2 })).toThrow(/crossEntropy: labelSmoothing must be a number in \[0, 1\]/);
      expect(() => F.nllLoss(x, [0, 9, 1])).toThrow(/webgrad\.nllLoss: target\[1\] = 9 is out of range/);
      expect(() => F.mseLoss(x, randn([4, 3]))).toThrow(/webgrad\.mseLoss: input of shape \[3, 4\] and target of shape \[4, 3\] differ/);
      expect(() => F.binaryCrossEntropyWithLogits(x, randn([3]))).toThrow(
        /binaryCrossEntropyWithLogits: input of shape \[3, 4\] and target of shape \[3\] differ/,
      );
    });

    it('a bad label in a device tensor raises at the next readback', async () => {
      const x = randn([3, 4], { seed: 1 });
      const labels = tensor([0, 7, 1]);
      if (labels.backend.name === 'cpu') {
        expect(() => F.crossEntropy(x, labels)).toThrow(/crossEntropy: target\[1\] = 7 is out of range for 4 classes/);
        return;
      }
      const loss = F.crossEntropy(x, labels, { reduction: 'none' });
      await expect(loss.data()).rejects.toThrow(/webgrad\.crossEntropy: target\[1\] = 7 is not a class index/);
      // Reported once: the next readback is clean.
      expect((await values(F.crossEntropy(x, tensor([0, 1, 2])))).every(Number.isFinite)).toBe(true);
    });
  });
});
