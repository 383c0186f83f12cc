import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  gap,
  grad,
  groundStateEnergy,
  hamiltonian1d,
  hamiltonianSpectrum,
  hellmannFeynman,
  init,
  kappaDerivatives,
  lowestStates,
  perturbationTheory,
  tensor,
  WebgradError,
} from '../src/index';
import { expectClose, forEachBackend, values } from './setup/backends';

// Float64 reference values at L = 10, nx = 500 (issue 4): [κ, E0, gap, dE0/dκ, dgap/dκ].
const REFERENCE = [
  [0, 0.4999874496, 0.9999497999, 0.8165039822, -0.2721482521],
  [1, 1.2933102842, 0.7228945139, 0.7655881821, -0.2788359043],
  [5, 3.4223626261, 0.0387268167, 0.2856896647, -0.0364382822],
] as const;

// Second derivatives at the same κ (issue 14: double backward through torch.linalg.eigh in float64, matched
// by perturbation theory to 1e-6): [κ, d²E0/dκ², d²gap/dκ²].
const SECOND = [
  [0, -0.0386850796, -0.0144618349],
  [1, -0.0661884557, 0.0045403762],
  [5, -0.0783663869, 0.0346043852],
] as const;

/** |got − want| within tol, absolute, or relative where |want| > 1. */
function expectWithin(got: number, want: number, tol: number, what: string): void {
  const err = Math.abs(got - want) / Math.max(1, Math.abs(want));
  expect(err, `${what}: got ${got}, want ${want} (error ${err.toExponential(2)} > ${tol})`).toBeLessThanOrEqual(tol);
}

forEachBackend((backend) => {
  describe('hamiltonian1d', () => {
    it('builds the documented symmetric tridiagonal H at nx = 5', async () => {
      // L = 4, nx = 5: x = −2..2, Δx = 1, so T has 1 on the diagonal and −½ beside it.
      const kappa = 0.7;
      const h = hamiltonian1d({ kappa, L: 4, nx: 5 });
      expect(h.H.shape).toEqual([5, 5]);
      expect(h.dx).toBe(1);
      const xs = [-2, -1, 0, 1, 2];
      expectClose(await values(h.x), xs, 0, 0);
      const v = xs.map((x) => 0.5 * x * x + kappa * Math.exp((-x * x) / 2));
      expectClose(await values(h.potential), v, 1e-6, 1e-6);
      expectClose(
        await values(h.bump),
        xs.map((x) => Math.exp((-x * x) / 2)),
        1e-6,
        1e-6,
      );
      const want: number[] = [];
      for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) want.push(i === j ? 1 + v[i] : Math.abs(i - j) === 1 ? -0.5 : 0);
      const H = await values(h.H);
      expectClose(H, want, 1e-6, 1e-6);
      for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(H[i * 5 + j]).toBe(H[j * 5 + i]);
    });

    it('has T = 1/Δx² on the diagonal and −1/(2Δx²) beside it (default L = 10, nx = 7)', async () => {
      const h = hamiltonian1d({ kappa: 0, nx: 7 });
      const dx = 10 / 6;
      expect(h.dx).toBeCloseTo(dx, 12);
      const xs = Array.from({ length: 7 }, (_, i) => -5 + i * dx);
      const H = await values(h.H);
      for (let i = 0; i < 7; i++) {
        for (let j = 0; j < 7; j++) {
          const want = i === j ? 1 / dx ** 2 + 0.5 * xs[i] ** 2 : Math.abs(i - j) === 1 ? -0.5 / dx ** 2 : 0;
          expect(Math.abs(H[i * 7 + j] - want), `H[${i}][${j}] = ${H[i * 7 + j]}, want ${want}`).toBeLessThanOrEqual(1e-5);
        }
      }
    });

    it('is differentiable in κ: d(Σ W∘H)/dκ = Σ_i W_ii e^{−x_i²/2}', async () => {
      const kappa = tensor(1.5, { requiresGrad: true });
      const h = hamiltonian1d({ kappa, L: 6, nx: 4 });
      const w = Array.from({ length: 16 }, (_, i) => (i % 5) - 2 + 0.25 * i);
      h.H.mul(tensor(w, { shape: [4, 4] }))
        .sum()
        .backward();
      const g = await values(h.bump);
      const want = [0, 1, 2, 3].reduce((acc, i) => acc + w[i * 5] * g[i], 0);
      expectClose([await kappa.grad!.item()], [want], 1e-5, 1e-5);
    });

    it('rejects bad options with a WebgradError naming hamiltonian1d', () => {
      const bad = [
        { kappa: 1, nx: 1 },
        { kappa: 1, nx: 2.5 },
        { kappa: 1, L: 0 },
        { kappa: 1, L: -3 },
        { kappa: 1, L: Infinity },
        { kappa: NaN },
        { kappa: Infinity },
        { kappa: tensor([1, 2]) },
      ];
      for (const options of bad) {
        expect(() => hamiltonian1d(options), JSON.stringify(options)).toThrow(WebgradError);
        expect(() => hamiltonian1d(options)).toThrow(/hamiltonian1d/);
      }
      if (backend === 'cpu') expect(() => hamiltonian1d({ kappa: tensor(NaN) })).toThrow(/kappa must be finite/);
    });
  });

  describe('spectrum at L = 10, nx = 500 against the float64 reference', () => {
    // One eigh per κ gives E0 and the gap; two backward passes through it give both κ-derivatives.
    // The CPU case runs the float64 reference (init precision 'float64'): stored in float32, H's diagonal
    // (~2490, ulp 2.4e-4) alone moves E0 by up to ~1.2e-5 (checked separately below).
    const tol = backend === 'cpu' ? 1e-5 : 2e-4;
    if (backend === 'cpu') {
      beforeAll(() => init({ backend: 'cpu', precision: 'float64' }));
      afterAll(() => init({ backend: 'cpu' }));
    }
    for (const [k, E0, gapRef, dE0, dgap] of REFERENCE) {
      it(`κ = ${k}: E0, gap and their κ-derivatives (backward and Hellmann–Feynman) within ${tol}`, async () => {
        const kappa = tensor(k, { requiresGrad: true });
        const s = hamiltonianSpectrum({ kappa });
        expect(s.energies.shape).toEqual([500]);
        expect(s.states.shape).toEqual([500, 500]);
        expectWithin(await s.E0.item(), E0, tol, 'E0');
        expectWithin(await s.gap.item(), gapRef, tol, 'gap');
        s.E0.backward({ retainGraph: true });
        expectWithin(await kappa.grad!.item(), dE0, tol, 'dE0/dκ (backward)');
        kappa.zeroGrad();
        s.gap.backward();
        expectWithin(await kappa.grad!.item(), dgap, tol, 'dgap/dκ (backward)');
        const hf = hellmannFeynman(s);
        expectWithin(await hf.dE0.item(), dE0, tol, 'dE0/dκ (Hellmann–Feynman)');
        expectWithin(await hf.dgap.item(), dgap, tol, 'dgap/dκ (Hellmann–Feynman)');
      });
    }
  });

  describe('second κ-derivatives at L = 10, nx = 500 against the float64 reference', () => {
    // Forward over reverse through eigh (kappaDerivatives) beside second-order perturbation theory. The
    // CPU case is the float64 reference: within 1e-6; WebGPU (float32 Jacobi) within 2e-4.
    const tol = backend === 'cpu' ? 1e-6 : 2e-4;
    if (backend === 'cpu') {
      beforeAll(() => init({ backend: 'cpu', precision: 'float64' }));
      afterAll(() => init({ backend: 'cpu' }));
    }
    for (const [[k, E0, gapRef, dE0, dgap], [, d2E0, d2gap]] of REFERENCE.map((r, i) => [r, SECOND[i]] as const)) {
      it(`κ = ${k}: d²E0/dκ² and d²gap/dκ² through eigh and by perturbation theory within ${tol}`, async () => {
        const r = kappaDerivatives(k, { L: 10, nx: 500 });
        const firstTol = backend === 'cpu' ? 1e-5 : 2e-4;
        expectWithin(await r.E0.item(), E0, firstTol, 'E0');
        expectWithin(await r.gap.item(), gapRef, firstTol, 'gap');
        expectWithin(await r.dE0.item(), dE0, firstTol, 'dE0/dκ');
        expectWithin(await r.dgap.item(), dgap, firstTol, 'dgap/dκ');
        expectWithin(await r.d2E0.item(), d2E0, tol, 'd²E0/dκ² (through eigh)');
        expectWithin(await r.d2gap.item(), d2gap, tol, 'd²gap/dκ² (through eigh)');
        const pt = perturbationTheory(r.spectrum);
        expectWithin(await pt.d2E0.item(), d2E0, tol, 'd²E0/dκ² (perturbation theory)');
        expectWithin(await pt.d2gap.item(), d2gap, tol, 'd²gap/dκ² (perturbation theory)');
      });
    }
  });

  if (backend === 'cpu') {
    it('float32 CPU storage of H stays within 2e-5 of the float64 E0 and gap (its rounding limit)', async () => {
      for (const [k, E0, gapRef] of REFERENCE) {
        const s = hamiltonianSpectrum({ kappa: k });
        expectWithin(await s.E0.item(), E0, 2e-5, `E0 at κ = ${k}`);
        expectWithin(await s.gap.item(), gapRef, 2e-5, `gap at κ = ${k}`);
      }
    });
  }

  describe('helpers', () => {
    const opts = { L: 8, nx: 64 };

    it('groundStateEnergy and gap are differentiable and agree with the spectrum and Hellmann–Feynman', async () => {
      const s = hamiltonianSpectrum({ kappa: 2, ...opts });
      const [E0, gap0] = [await s.E0.item(), await s.gap.item()];
      const energies = await values(s.energies);
      expectClose([E0, gap0], [energies[0], energies[1] - energies[0]], 1e-5, 1e-5);
      expectClose([await groundStateEnergy(2, opts).item(), await gap(2, opts).item()], [E0, gap0], 1e-5, 1e-5);
      const [dE0] = grad((k) => groundStateEnergy(k, opts))(2);
      const [dgap] = grad((k) => gap(k, opts))(2);
      const hf = hellmannFeynman(2, opts);
      expectClose([await dE0.item(), await dgap.item()], [await hf.dE0.item(), await hf.dgap.item()], 1e-4, 1e-4);
      // At κ = 2 the bump pushes E0 up (positive slope) and closes the gap (negative slope).
      expect(await dE0.item()).toBeGreaterThan(0.3);
      expect(await dgap.item()).toBeLessThan(-0.1);
    });

    it('lowestStates: the harmonic oscillator at κ = 0 (E_n ≈ n + ½, normalised Gaussian ground density)', async () => {
      const r = await lowestStates(0, 3, { L: 10, nx: 200 });
      expect(r.energies).toHaveLength(3);
      expect(r.densities).toHaveLength(3);
      expectClose(r.energies, [0.5, 1.5, 2.5], 2e-3, 0);
      for (const rho of r.densities) {
        expect(rho).toHaveLength(200);
        expectClose([rho.reduce((a, b) => a + b, 0) * r.dx], [1], 1e-5, 0);
      }
      // |ψ0(x)|² = e^{−x²}/√π; |ψ1(x)|² vanishes at x = 0 (odd state).
      expectClose(
        r.densities[0],
        Array.from(r.x, (x) => Math.exp(-x * x) / Math.sqrt(Math.PI)),
        2e-3,
        0,
      );
      const mid = r.x.reduce((best, x, i) => (Math.abs(x) < Math.abs(r.x[best]) ? i : best), 0);
      expect(r.densities[1][mid]).toBeLessThan(1e-3);
      await expect(lowestStates(0, 0, { nx: 20 })).rejects.toThrow(/lowestStates/);
      await expect(lowestStates(0, 21, { nx: 20 })).rejects.toThrow(/lowestStates/);
    });
  });
});
