// Float64 reference for the Hamiltonian page's numbers: the same discretisation as src/physics/hamiltonian.ts
// (x = linspace(−L/2, L/2, nx), Δx = L/(nx − 1), −½ψ'' by second differences), diagonalised by the
// float64 CPU reference eigensolver; derivatives by Hellmann–Feynman, dEₙ/dκ = Σᵢ ψₙ(xᵢ)² e^{−xᵢ²/2}, and
// second-order perturbation theory, d²Eₙ/dκ² = 2 Σ_{m≠n} ⟨m|e^{−x²/2}|n⟩² / (Eₙ − Eₘ).
import { eighReference } from '../../src/linalg/eighReference';
import { selectedEigenpairs } from '../../src/linalg/tridiagonalSelect';

export interface Reference {
  E0: number;
  gap: number;
  dE0: number;
  dgap: number;
  d2E0: number;
  d2gap: number;
}

export function hamiltonianReference(kappa: number, L = 10, nx = 500): Reference {
  const dx = L / (nx - 1);
  const t = 1 / (dx * dx);
  const h = new Float64Array(nx * nx);
  const bump = new Float64Array(nx);
  for (let i = 0; i < nx; i++) {
    const x = -L / 2 + i * dx;
    bump[i] = Math.exp(-(x * x) / 2);
    h[i * nx + i] = t + 0.5 * x * x + kappa * bump[i];
    if (i > 0) h[i * nx + i - 1] = h[(i - 1) * nx + i] = -t / 2;
  }
  const { values, vectors } = eighReference(h, nx);
  const expect = (n: number): number => {
    let s = 0;
    for (let i = 0; i < nx; i++) s += vectors[i * nx + n] ** 2 * bump[i];
    return s;
  };
  const curvature = (n: number): number => {
    let s = 0;
    for (let m = 0; m < nx; m++) {
      if (m === n) continue;
      let c = 0;
      for (let i = 0; i < nx; i++) c += vectors[i * nx + m] * bump[i] * vectors[i * nx + n];
      s += (c * c) / (values[n] - values[m]);
    }
    return 2 * s;
  };
  const [d0, d1] = [expect(0), expect(1)];
  const [c0, c1] = [curvature(0), curvature(1)];
  return { E0: values[0], gap: values[1] - values[0], dE0: d0, dgap: d1 - d0, d2E0: c0, d2gap: c1 - c0 };
}

/** E0 and the gap by the float64 tridiagonal reference (bisection), for grids too large for a dense solve. */
export function tridiagonalReference(kappa: number, L: number, nx: number): { E0: number; gap: number } {
  const dx = L / (nx - 1);
  const d = Float64Array.from({ length: nx }, (_, i) => {
    const x = -L / 2 + i * dx;
    return 1 / (dx * dx) + 0.5 * x * x + kappa * Math.exp(-(x * x) / 2);
  });
  const e = new Float64Array(nx - 1).fill(-0.5 / (dx * dx));
  const { values } = selectedEigenpairs(d, e, nx, 0, 2, false, 1e-6, 2);
  return { E0: values[0], gap: values[1] - values[0] };
}
