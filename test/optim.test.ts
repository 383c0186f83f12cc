import { describe, expect, it } from 'vitest';
import { nn, optim, randn, tensor, Tensor } from '../src/index';
import { getWebGPUBackend } from '../src/diagnostics';
import fixtures from './fixtures/nn_fixtures.json';
import { expectClose, forEachBackend, values } from './setup/backends';

const O = fixtures.optim;
const make = (name: string, params: Tensor[], options: object): optim.Optimizer =>
  name === 'SGD' ? new optim.SGD(params, options) : name === 'Adam' ? new optim.Adam(params, options) : new optim.AdamW(params, options);
const fresh = (): Tensor[] => O.params.map((p, i) => tensor(Float32Array.from(p), { shape: O.shapes[i], requiresGrad: true }));
const setGrads = (params: Tensor[], grads: number[][]): void => {
  params.forEach((p, i) => {
    p.grad?.dispose();
    p.grad = tensor(Float32Array.from(grads[i]), { shape: p.shape, backend: p.backend });
  });
};

forEachBackend(() => {
  describe('optimizers against PyTorch (three steps)', () => {
    for (const run of O.runs) {
      it(`${run.name} ${JSON.stringify(run.options)}`, async () => {
        const params = fresh();
        const opt = make(run.name, params, run.options);
        for (let s = 0; s < 3; s++) {
          setGrads(params, O.grads[s]);
          opt.step();
          // float32 precision: the parameters are O(1); a step moves them by O(lr).
          for (const [i, p] of params.entries()) expectClose(await p.data(), run.after[s][i], 2e-6, 2e-6);
        }
      });
    }

    it('steps record no graph, and zeroGrad releases the gradients', async () => {
      const params = fresh();
      const opt = new optim.Adam(params, { lr: 0.1 });
      setGrads(params, O.grads[0]);
      opt.step();
      expect(params.every((p) => p.isLeaf && p.node === null)).toBe(true);
      opt.zeroGrad();
      expect(params.every((p) => p.grad === null)).toBe(true);
      opt.step(); // no gradients: nothing moves
      expectClose(
        await params[1].data(),
        O.runs.find((r) => r.name === 'Adam' && !('betas' in r.options))!.after[0][1].map((v, i) => (v - O.params[1][i]) * 10 + O.params[1][i]),
        1e-5,
        1e-5,
      );
    });
  });

  describe('clipGradNorm, schedulers, state', () => {
    it('clipGradNorm scales like torch.nn.utils.clip_grad_norm_', async () => {
      const params = fresh();
      setGrads(params, fixtures.clip.input);
      const total = optim.clipGradNorm(params, fixtures.clip.maxNorm);
      expect(await total.item()).toBeCloseTo(fixtures.clip.total, 4);
      for (const [i, p] of params.entries()) expectClose(await p.grad!.data(), fixtures.clip.grads[i], 1e-6, 1e-5);
      // Below the limit: unchanged.
      const before = await params[0].grad!.data();
      optim.clipGradNorm(params, 100);
      expectClose(await params[0].grad!.data(), before, 1e-7, 1e-6);
    });

    it('StepLR and CosineAnnealingLR follow torch', () => {
      const S = fixtures.schedulers;
      const opt = new optim.SGD(fresh(), { lr: S.baseLr });
      const step = new optim.StepLR(opt, { stepSize: S.stepLR.stepSize, gamma: S.stepLR.gamma });
      const seen: number[] = [];
      for (let e = 0; e < S.stepLR.lrs.length; e++) {
        step.step();
        seen.push(step.getLastLr());
      }
      expectClose(seen, S.stepLR.lrs, 1e-12, 1e-12);
      const opt2 = new optim.SGD(fresh(), { lr: S.baseLr });
      const cos = new optim.CosineAnnealingLR(opt2, { tMax: S.cosine.tMax, etaMin: S.cosine.etaMin });
      const seen2 = S.cosine.lrs.map(() => {
        cos.step();
        return opt2.lr;
      });
      expectClose(seen2, S.cosine.lrs, 1e-12, 1e-10);
      expect(() => new optim.StepLR(opt, { stepSize: 0 })).toThrow(/webgrad\.optim\.StepLR: stepSize must be a positive integer/);
    });

    it('optimizer state survives JSON: a restored Adam continues exactly', async () => {
      const run = O.runs.find((r) => r.name === 'AdamW' && 'amsgrad' in r.options)!;
      const a = fresh();
      const optA = make('AdamW', a, run.options);
      setGrads(a, O.grads[0]);
      optA.step();
      const sd = JSON.parse(JSON.stringify(await optA.stateDict()));
      expect(sd.state[0].step).toBe(1);
      expect(Object.keys(sd.state[0]).sort()).toEqual(['expAvg', 'expAvgSq', 'maxExpAvgSq', 'step']);
      expect(sd.paramGroups[0]).toMatchObject({ lr: 0.01, weightDecay: 0.5, amsgrad: true, params: [0, 1] });
      // A new optimizer on copies of the parameters after step 1.
      const b = await Promise.all(a.map(async (p) => tensor(await p.data(), { shape: p.shape, requiresGrad: true })));
      const optB = new optim.AdamW(b, { lr: 1 });
      optB.loadStateDict(sd);
      for (let s = 1; s < 3; s++) {
        setGrads(b, O.grads[s]);
        optB.step();
      }
      for (const [i, p] of b.entries()) expectClose(await p.data(), run.after[2][i], 2e-6, 2e-6);
      expect(() => optB.loadStateDict({ ...sd, paramGroups: [{ ...sd.paramGroups[0], params: [0] }] })).toThrow(
        /optim\.AdamW\.loadStateDict: the state dict has 1 parameters, this optimizer 2/,
      );
      const bad = JSON.parse(JSON.stringify(sd));
      bad.state[1].expAvg.shape = [4];
      expect(() => optB.loadStateDict(bad)).toThrow(/optim\.AdamW\.loadStateDict: state entry 1\.expAvg must be \{shape: \[3\]/);
    });

    it('rejects duplicate, non-leaf and non-grad parameters and bad hyperparameters', () => {
      const [w, b] = fresh();
      expect(() => new optim.Adam([w, b, w])).toThrow(/webgrad\.optim\.Adam: parameter 2 is the same tensor as parameter 0/);
      expect(() => new optim.SGD([w, w.mul(2)], { lr: 0.1 })).toThrow(
        /webgrad\.optim\.SGD: parameter 1 of shape \[4, 3\] is not a leaf tensor \(it was computed by 'mul'/,
      );
      expect(() => new optim.SGD([tensor([1, 2])])).toThrow(/optim\.SGD: parameter 0 of shape \[2\] does not require grad/);
      expect(() => new optim.SGD([])).toThrow(/optim\.SGD: got an empty parameter list/);
      expect(() => new optim.SGD([w], { lr: -1 })).toThrow(/optim\.SGD: lr must be a finite number ≥ 0, got -1/);
      expect(() => new optim.SGD([w], { nesterov: true })).toThrow(/optim\.SGD: Nesterov momentum requires a momentum > 0 and zero dampening/);
      expect(() => new optim.Adam([w], { betas: [0.9, 1] })).toThrow(/optim\.Adam: betas\[1\] must be a finite number ≥ 0 and < 1, got 1/);
      expect(() => new optim.AdamW(w as never)).toThrow(/optim\.AdamW: expects an iterable of parameter tensors/);
    });

    it('a NaN gradient is reported and the step skipped', async () => {
      const params = fresh();
      const opt = new optim.Adam(params, { lr: 0.1 });
      const before = await Promise.all(params.map((p) => p.data()));
      const grads = O.grads[0].map((g) => [...g]);
      grads[1][2] = NaN;
      setGrads(params, grads);
      if (params[0].backend.name === 'cpu') {
        expect(() => opt.step()).toThrow(
          'webgrad.optim.Adam.step: gradient of parameter 1 (shape [3]) holds NaN at element 2 ' + '(a NaN or infinite loss?); the step was skipped',
        );
      } else {
        opt.step();
        await expect(params[0].data()).rejects.toThrow(/webgrad\.optim\.Adam\.step: step 1 of this optimizer found a NaN or infinite gradient/);
      }
      for (const [i, p] of params.entries()) expect(Array.from(await p.data())).toEqual(Array.from(before[i]));
      // Training goes on once the gradients are finite again.
      setGrads(params, O.grads[0]);
      opt.step();
      expect((await values(params[1])).every(Number.isFinite)).toBe(true);
      expect(await values(params[1])).not.toEqual(Array.from(before[1]));
    });
  });

  describe('training', () => {
    it('a NaN loss in a training loop is reported, and the weights stay as they were', async () => {
      const model = new nn.Sequential(new nn.Linear(3, 4, { seed: 1 }), new nn.Tanh(), new nn.Linear(4, 2, { seed: 2 }));
      const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
      const before = await model.stateDict();
      const x = randn([5, 3], { seed: 3 });
      const poisoned = x.mul(tensor([1, NaN, 1])); // one bad input column: NaN loss, NaN gradients
      const loss = nn.functional.crossEntropy(model.forward(poisoned), [0, 1, 1, 0, 1]);
      loss.backward();
      if (x.backend.name === 'cpu') {
        expect(() => opt.step()).toThrow(/webgrad\.optim\.SGD\.step: gradient of parameter 0 \(shape \[4, 3\]\) holds NaN/);
      } else {
        opt.step();
        await expect(loss.item()).rejects.toThrow(/webgrad\.optim\.SGD\.step: step 1 of this optimizer found a NaN or infinite gradient/);
      }
      expect(await model.stateDict()).toEqual(before);
    });

    it('a 2-64-64-3 MLP learns a 3-arm spiral to ≥ 97 % (seeded, deterministic)', async () => {
      const { data, nn: n, optim: o, tidy, argmax, eq } = await import('../src/index');
      const set = data.spiral({ n: 300, classes: 3, noise: 0.2, seed: 1 });
      const [x, y] = data.toTensors(set);
      const train = async () => {
        const model = new n.Sequential(
          new n.Linear(2, 64, { seed: 1 }),
          new n.ReLU(),
          new n.Linear(64, 64, { seed: 2 }),
          new n.ReLU(),
          new n.Linear(64, 3, { seed: 3 }),
        );
        const opt = new o.Adam(model.parameters(), { lr: 0.01 });
        for (let step = 0; step < 400; step++) {
          tidy(() => {
            opt.zeroGrad();
            n.functional.crossEntropy(model.forward(x), y).backward();
            opt.step();
          });
        }
        const correct = tidy(() => eq(argmax(model.forward(x), { axis: 1 }), y).sum());
        return { accuracy: (await correct.item()) / set.n, weights: await model.parameters()[4].data() };
      };
      const first = await train();
      expect(first.accuracy).toBeGreaterThanOrEqual(0.97);
      const second = await train();
      expect(Array.from(second.weights)).toEqual(Array.from(first.weights));
    });
  });
});

describe('optim on WebGPU', () => {
  it('step() is one fused dispatch per parameter (plus one finite-gradient scan each), no readback', async () => {
    const gpu = getWebGPUBackend();
    if (!gpu) return;
    const { init } = await import('../src/index');
    await init({ backend: 'webgpu' });
    const lin = new nn.Linear(8, 4, { seed: 1 });
    const opt = new optim.Adam(lin.parameters());
    lin
      .forward(randn([3, 8]))
      .sum()
      .backward();
    const before = { ...gpu.stats };
    opt.step();
    expect(gpu.stats.dispatches - before.dispatches).toBe(4);
    expect(gpu.stats.submits).toBe(before.submits);
  });
});
