// Composable AD on both backends: forward mode (dual numbers, jvp), higher order (createGraph, grad of
// grad, hvp, hessian), Jacobians in both modes, their agreement in every nesting order, and bad input.
import { describe, expect, it } from 'vitest';
import {
  backward,
  dual,
  dualLevel,
  enterDualLevel,
  exitDualLevel,
  grad,
  gradAndTangent,
  gradsAndTangents,
  hessian,
  hvp,
  init,
  jacfwd,
  jacobian,
  jacobianMode,
  jacrev,
  jvp,
  matmul,
  memory,
  randn,
  sum,
  tensor,
  Tensor,
  tidy,
  toBackend,
  unpackDual,
  vjp,
  WebgradError,
} from '../src/index';
import { getWebGPUBackend } from '../src/diagnostics';
import { cpu64Backend, cpuBackend } from '../src/backend/cpu';
import { expectClose, forEachBackend, values } from './setup/backends';
import fixtures from './fixtures/hessians.json';

/** A tensor on a backend other than the suite's. */
const elsewhere = (backend: string): Tensor => tensor([1], { backend: backend === 'cpu' ? cpu64Backend : cpuBackend });

forEachBackend((backend) => {
  describe('forward mode', () => {
    it('dual/unpackDual carry a tangent through elementwise ops (f = x·sin x, f′(1) = sin 1 + cos 1)', async () => {
      const out = dualLevel(() => {
        const x = dual(tensor([1, 2]), tensor([1, 0.5]));
        const [primal, tangent] = unpackDual(x.mul(x.sin()));
        return { primal, tangent: tangent! };
      });
      expectClose(await values(out.primal), [Math.sin(1), 2 * Math.sin(2)], 1e-6, 1e-6);
      expectClose(await values(out.tangent), [Math.sin(1) + Math.cos(1), 0.5 * (Math.sin(2) + 2 * Math.cos(2))], 1e-6, 1e-5);
    });

    it.runIf(backend === 'webgpu')('a unary or binary op on dual tensors is one fused dispatch (value and tangent)', async () => {
      const gpu = getWebGPUBackend()!;
      const x = tensor([0.1, 0.2, 0.3]);
      const y = tensor([1, 2, 3]);
      const run = gpu.run.bind(gpu);
      let dispatches = 0;
      gpu.run = (...args: Parameters<typeof run>) => {
        dispatches++;
        return run(...args);
      };
      try {
        dualLevel(() => {
          const dx = dual(x, y);
          const dy = dual(y, x);
          dispatches = 0;
          const e = dx.exp();
          expect(dispatches).toBe(1);
          dx.mul(dy);
          expect(dispatches).toBe(2);
          expect(unpackDual(e)[1]).not.toBeNull();
        });
      } finally {
        gpu.run = run;
      }
    });

    it('unpackDual of a tensor without a tangent gives null; tangents end with their level', async () => {
      const x = tensor([1, 2]);
      expect(unpackDual(x)[1]).toBeNull();
      const y = dualLevel(() => dual(tensor([3]), tensor([1])).exp());
      expect(unpackDual(y)[1]).toBeNull();
      expectClose(await values(y), [Math.exp(3)], 1e-5, 1e-6);
    });

    it('jvp through matmul, reductions, shape ops and broadcasting matches the analytic J·v', async () => {
      const a = [
        [1, 2, 0],
        [0, -1, 3],
      ];
      const f = (x: Tensor): Tensor =>
        matmul(tensor(a), x.reshape([3, 1]))
          .square()
          .sum(0)
          .add(x.max().mul(2));
      const x = tensor([0.5, -1, 2]);
      const v = tensor([1, 2, -1]);
      const [y, t] = jvp(f, [x], [v]) as [Tensor, Tensor];
      // f(x) = Σ_i (A x)_i² + 2·max x  →  J·v = 2 (A x)·(A v) + 2 v[argmax x]
      const ax = [1 * 0.5 + 2 * -1, -1 * -1 + 3 * 2];
      const av = [1 + 4, -2 - 3];
      expect(y.shape).toEqual([1]);
      expectClose(await values(y), [ax[0] ** 2 + ax[1] ** 2 + 4], 1e-5, 1e-6);
      expectClose(await values(t), [2 * (ax[0] * av[0] + ax[1] * av[1]) + 2 * -1], 1e-5, 1e-6);
    });

    it('jvp of a multi-output function returns matching arrays (zeros where an output ignores the inputs)', async () => {
      const [ys, ts] = jvp((x: Tensor, y: Tensor) => [x.mul(y), x.add(1), tensor([7])], [tensor(2), tensor(3)], [tensor(1), tensor(0)]) as [
        Tensor[],
        Tensor[],
      ];
      expect(await Promise.all(ys.map((t) => t.item()))).toEqual([6, 3, 7]);
      expect(await Promise.all(ts.map((t) => t.item()))).toEqual([3, 1, 0]);
    });
  });

  describe('higher order', () => {
    it('gradAndTangent and gradsAndTangents: dy/dx and d²y/dx² through a dual leaf (x³ and sin x at 0.5)', async () => {
      const level = enterDualLevel();
      try {
        const x = tensor(0.5, { requiresGrad: true });
        expectClose(await gradAndTangent(dual(x, tensor(1)).pow(3), x), [0.75, 3], 1e-6, 1e-6);
        const xd = dual(x, tensor(1)); // the first backward freed the graph through the last dual
        const [cube, sine] = await gradsAndTangents([xd.pow(3), xd.sin()], x);
        expectClose(cube, [0.75, 3], 1e-6, 1e-6);
        expectClose(sine, [Math.cos(0.5), -Math.sin(0.5)], 1e-6, 1e-6);
        expect(x.grad).toBeNull();
      } finally {
        exitDualLevel(level);
      }
    });

    it('grad composes: grad(x => grad(f)(x)[0]) is f″ (f = x·sin x: f″(1) = 2 cos 1 − sin 1)', async () => {
      const f = (x: Tensor): Tensor => x.mul(x.sin());
      const d2 = grad((x: Tensor) => grad(f)(x)[0])(tensor(1));
      expect(await d2[0].item()).toBeCloseTo(2 * Math.cos(1) - Math.sin(1), 6);
      const d3 = grad((x: Tensor) => grad((z: Tensor) => grad(f)(z)[0])(x)[0])(tensor(1));
      expect(await d3[0].item()).toBeCloseTo(-3 * Math.sin(1) - Math.cos(1), 5);
    });

    it('backward({ createGraph: true }) leaves a differentiable .grad', async () => {
      const x = tensor([0.5, 2], { requiresGrad: true });
      x.pow(3).sum().backward({ createGraph: true }); // grad = 3x²
      const g = x.grad!;
      expect(g.requiresGrad).toBe(true);
      expectClose(await values(g), [0.75, 12], 1e-5, 1e-6);
      // grad differentiates with respect to its argument only: g closes over x, so this is 0 (as in JAX).
      const gx = grad(() => g.sum())(x);
      expectClose(await values(gx[0]), [0, 0]);
      x.zeroGrad();
      const y = x.pow(3).sum();
      y.backward({ createGraph: true });
      const first = x.grad!;
      x.grad = null;
      backward(first.sum());
      expectClose(await values(x.grad!), [3, 12], 1e-5, 1e-6); // d/dx Σ 3x² = 6x
    });

    it('no perturbation confusion: d/dx [d/dy (x·y)](y = x) is 1, not 2', async () => {
      const [d] = grad((x: Tensor) => grad((y: Tensor) => x.mul(y))(x)[0])(tensor(3));
      expect(await d.item()).toBe(1);
    });

    it('forward-over-reverse, reverse-over-reverse, reverse-over-forward and forward-over-forward agree', async () => {
      const f = (x: Tensor): Tensor => x.mul(x.sum()).tanh().sum().add(x.square().mul(x.exp()).sum());
      const x = tensor([0.3, -0.7, 1.1]);
      const v = tensor([1, 0.5, -2]);
      const [, [fwdRev]] = hvp(f, [x], [v]);
      const [revRev] = grad((z: Tensor) => grad(f)(z)[0].mul(v).sum())(x);
      const [revFwd] = grad((z: Tensor) => jvp(f, [z], [v])[1] as Tensor)(x);
      const want = await values(fwdRev);
      expectClose(await values(revRev), want, 1e-5, 1e-4);
      expectClose(await values(revFwd), want, 1e-5, 1e-4);
      // forward over forward gives vᵀ H v
      const [, fwdFwd] = jvp((z: Tensor) => jvp(f, [z], [v])[1] as Tensor, [x], [v]) as [Tensor, Tensor];
      const vHv = want.reduce((s, h, i) => s + h * [1, 0.5, -2][i], 0);
      expect(await fwdFwd.item()).toBeCloseTo(vHv, 3);
    });

    it('hessian of Rosenbrock matches the float64 values', async () => {
      const rosen = (x: Tensor): Tensor => {
        const n = x.shape[0];
        const head = x.slice(0, 0, n - 1);
        const tail = x.slice(0, 1, n);
        return tail.sub(head.square()).square().mul(100).add(head.neg().add(1).square()).sum();
      };
      const h = hessian(rosen)(tensor(fixtures.rosenbrock.x)) as Tensor;
      expect(h.shape).toEqual([5, 5]);
      expectClose(await values(h), fixtures.rosenbrock.hessian.flat(), 1e-3, 1e-5);
    });

    it('hessian of a small MLP loss matches the float64 values', async () => {
      const { W1, b1, w2, x } = fixtures.mlp;
      const loss = (z: Tensor): Tensor => {
        const s = matmul(tensor(W1, { shape: [6, 4] }), z)
          .add(tensor(b1))
          .tanh()
          .mul(tensor(w2))
          .sum();
        return s.add(s.square().mul(0.5));
      };
      const h = hessian(loss)(tensor(x)) as Tensor;
      expect(h.shape).toEqual([4, 4]);
      expectClose(await values(h), fixtures.mlp.hessian.flat(), 1e-5, 1e-4);
    });

    it('memory stays flat over 1,000 Hessian-vector products', async () => {
      const f = (x: Tensor): Tensor => x.sin().mul(x).sum();
      const x = tensor([0.1, 0.2, 0.3, 0.4]);
      const v = tensor([1, -1, 0.5, 2]);
      const step = (): void => {
        const [value, [hv]] = hvp(f, [x], [v]);
        value.dispose();
        hv.dispose();
      };
      for (let i = 0; i < 20; i++) tidy(step);
      const before = memory();
      for (let i = 0; i < 1000; i++) tidy(step);
      const after = memory();
      expect(after.tensors).toBe(before.tensors);
      expect(after.bytes).toBe(before.bytes);
      expect(after.pooledBytes).toBeLessThanOrEqual(before.pooledBytes + 64 * 1024);
    });
  });

  describe('Jacobians', () => {
    const W = [
      [1, -2, 0.5],
      [0.3, 0.2, -1],
    ];
    const f = (x: Tensor): Tensor =>
      matmul(tensor(W), x.reshape([3, 1]))
        .reshape([2])
        .tanh();

    it('jacfwd, jacrev and jacobian agree with the analytic Jacobian, shaped [...out, ...in]', async () => {
      const x = tensor([0.2, -0.4, 0.9]);
      const z = W.map((row) => row.reduce((s, w, j) => s + w * [0.2, -0.4, 0.9][j], 0));
      const want = W.flatMap((row, i) => row.map((w) => w * (1 - Math.tanh(z[i]) ** 2)));
      for (const jac of [jacfwd(f), jacrev(f), jacobian(f), jacobian(f, { mode: 'forward' }), jacobian(f, { mode: 'reverse' })]) {
        const j = jac(x) as Tensor;
        expect(j.shape).toEqual([2, 3]);
        expectClose(await values(j), want, 1e-6, 1e-5);
      }
      const j2 = jacrev((m: Tensor) => m.square(), { argnums: 0 })(
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ) as Tensor;
      expect(j2.shape).toEqual([2, 2, 2, 2]);
    });

    it("jacobian's auto mode follows the notes' rule (ties go to forward mode)", () => {
      expect(jacobianMode(3, 2)).toBe('reverse');
      expect(jacobianMode(2, 3)).toBe('forward');
      expect(jacobianMode(4, 4)).toBe('forward');
    });

    it('argnums picks arguments; an array gives one Jacobian per argument', async () => {
      const g = (a: Tensor, b: Tensor): Tensor => a.mul(b);
      const [ja, jb] = jacfwd(g, { argnums: [0, 1] })(tensor([1, 2]), tensor([3, 4])) as Tensor[];
      expectClose(await values(ja), [3, 0, 0, 4]);
      expectClose(await values(jb), [1, 0, 0, 2]);
    });

    it('vjp returns the output and a reusable pullback', async () => {
      const [y, pullback] = vjp((a: Tensor) => a.exp(), tensor([0, 1]));
      expectClose(await values(y as Tensor), [1, Math.E], 1e-6, 1e-6);
      expectClose(await values(pullback(tensor([1, 0]))[0]), [1, 0], 1e-6, 1e-6);
      expectClose(await values(pullback(tensor([0, 2]))[0]), [0, 2 * Math.E], 1e-5, 1e-6);
    });
  });

  describe('bad input', () => {
    it('names the function and the fault', async () => {
      const f = (x: Tensor): Tensor => x.square();
      expect(() => jvp(f, [tensor([1, 2])], [tensor([1])])).toThrow('webgrad.jvp: tangent 0 has shape [1] but primal 0 has shape [2]');
      expect(() => jvp(f, [tensor([1])], [])).toThrow('webgrad.jvp: got 1 primals but 0 tangents');
      expect(() => dual(tensor([1]), [1] as unknown as Tensor)).toThrow('webgrad.dual: tangent must be a float Tensor, got an array');
      expect(() => dual(tensor([1, 2]), tensor([1]))).toThrow('webgrad.dual: tangent of shape [1] does not match');
      expect(() => hessian((x: Tensor) => x.square())(tensor([1, 2]))).toThrow('webgrad.hessian: the function must return a scalar, got shape [2]');
      expect(() => jacobian(f, { mode: 'sideways' as 'auto' })).toThrow(WebgradError);
      const [y, pullback] = vjp(f, tensor([1, 2]));
      expect(y).toBeInstanceOf(Tensor);
      expect(() => pullback(tensor([1]))).toThrow('webgrad.vjp: cotangent 0 must be a Tensor of shape [2]');
    });

    it('a dual tensor cannot cross to another backend', async () => {
      const other = elsewhere(backend);
      const d = dualLevel(() => {
        const x = dual(tensor([1]), tensor([1]));
        expect(() => dual(tensor([1]), other)).toThrow(/webgrad.dual: tangent lives on/);
        return toBackend(x, backend === 'cpu' ? 'cpu' : 'webgpu');
      });
      await expect(d).rejects.toThrow(/webgrad.toBackend: .*dual tensor/);
    });
  });
});

describe('autodiff without an adapter', () => {
  it('random inputs: nested transforms on the CPU reference', async () => {
    await init({ backend: 'cpu' });
    const x = randn([3], { seed: 3 });
    const f = (z: Tensor): Tensor => sum(z.exp().mul(z));
    const h = hessian(f)(x) as Tensor;
    const xs = await values(x);
    const diag = xs.map((v) => Math.exp(v) * (v + 2));
    expectClose(await values(h), [diag[0], 0, 0, 0, diag[1], 0, 0, 0, diag[2]], 1e-5, 1e-5);
  });
});
