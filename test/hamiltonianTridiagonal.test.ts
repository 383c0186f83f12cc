// The Hamiltonian through eighTridiagonal against the float64 table of test/fixtures/hamiltonian_float64.json
// (made by test/fixtures/hamiltonian_float64.py with SciPy's eigh_tridiagonal): E0, the gap and both
// κ-derivatives within 1e-6, on the CPU reference and on WebGPU (double-float from float32 hardware).
import { expect, it } from 'vitest';
import { hamiltonianSpectrum, memory, tensor } from '../src/index';
import { hamiltonianSweep, hamiltonianTridiagonal, stateExpectations } from '../src/physics/hamiltonianTridiagonal';
import reference from './fixtures/hamiltonian_float64.json';
import { forEachBackend } from './setup/backends';

interface Row {
  L: number;
  nx: number;
  kappa: number;
  E0: number;
  gap: number;
  dE0: number;
  dgap: number;
}
const rows = reference.rows as Row[];
const TOL = 1e-6;

forEachBackend(() => {
  it('Nx = 500, L = 10, κ = 0, 1, 5: E0, gap, dE0/dκ, dgap/dκ (backward) within 1e-6 of float64', async () => {
    for (const row of rows.filter((r) => r.nx === 500 && [0, 1, 5].includes(r.kappa))) {
      const kappa = tensor(row.kappa, { requiresGrad: true });
      const s = hamiltonianTridiagonal({ kappa, L: row.L, nx: row.nx, k: 4 });
      expect(s.energies.shape).toEqual([4]);
      expect(s.states.shape).toEqual([500, 4]);
      const [E0, gap] = [await s.E0.item(), await s.gap.item()];
      s.E0.backward({ retainGraph: true });
      const dE0 = await kappa.grad!.item();
      kappa.zeroGrad();
      s.gap.backward();
      const dgap = await kappa.grad!.item();
      const at = `κ = ${row.kappa}`;
      expect(Math.abs(E0 - row.E0), `E0 ${at}: ${E0} vs ${row.E0}`).toBeLessThan(TOL);
      expect(Math.abs(gap - row.gap), `gap ${at}: ${gap} vs ${row.gap}`).toBeLessThan(TOL);
      expect(Math.abs(dE0 - row.dE0), `dE0/dκ ${at}: ${dE0} vs ${row.dE0}`).toBeLessThan(TOL);
      expect(Math.abs(dgap - row.dgap), `dgap/dκ ${at}: ${dgap} vs ${row.dgap}`).toBeLessThan(TOL);
      // Hellmann–Feynman from the same states agrees with backward.
      const hf = await stateExpectations(s).data();
      expect(Math.abs(hf[0] - dE0)).toBeLessThan(TOL);
    }
  });

  it('every grid and κ of the table in one batched sweep per grid', async () => {
    for (const [L, nx] of [
      [10, 500],
      [8, 300],
      [12, 2000],
    ]) {
      const table = rows.filter((r) => r.L === L && r.nx === nx);
      const r = await hamiltonianSweep({ kappas: table.map((t) => t.kappa), L, nx });
      table.forEach((row, b) => {
        const at = `L = ${L}, nx = ${nx}, κ = ${row.kappa}`;
        expect(Math.abs(r.E0[b] - row.E0), `E0 ${at}`).toBeLessThan(TOL);
        expect(Math.abs(r.gap[b] - row.gap), `gap ${at}`).toBeLessThan(TOL);
        expect(Math.abs(r.dE0[b] - row.dE0), `dE0 ${at}`).toBeLessThan(TOL);
        expect(Math.abs(r.dgap[b] - row.dgap), `dgap ${at}`).toBeLessThan(TOL);
      });
    }
  });

  it('hamiltonianSpectrum routes by k and method; a sweep leaves no tensors behind', async () => {
    const tri = hamiltonianSpectrum({ kappa: 1, nx: 100, k: 3 });
    expect(tri.method).toBe('tridiagonal');
    expect(tri.energies.shape).toEqual([3]);
    const dense = hamiltonianSpectrum({ kappa: 1, nx: 100, k: 3, method: 'jacobi' });
    expect(dense.H.shape).toEqual([100, 100]);
    const [a, b] = [await tri.energies.data(), await dense.energies.data()];
    for (let i = 0; i < 3; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(2e-4);
    expect(() => hamiltonianSpectrum({ kappa: 1, method: 'qr' as 'jacobi' })).toThrow(/method must be/);
    await hamiltonianSweep({ kappas: [0, 1], nx: 50 }); // grid tensors cached on first use
    const before = memory().tensors;
    await hamiltonianSweep({ kappas: [0, 1], nx: 50 });
    expect(memory().tensors).toBe(before);
  });

  it('bad options: k out of range, kappa of rank 2, empty sweep', async () => {
    expect(() => hamiltonianTridiagonal({ kappa: 1, nx: 10, k: 11 })).toThrow(/k must be/);
    expect(() => hamiltonianTridiagonal({ kappa: tensor([[1]]) })).toThrow(/kappa/);
    await expect(hamiltonianSweep({ kappas: [] })).rejects.toThrow(/kappas/);
  });
});
