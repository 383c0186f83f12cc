// Messages between the Hamiltonian page and its worker (which runs webgrad).
import type { InitResult } from 'webgrad';

export interface Grid {
  L: number;
  nx: number;
}

/** tridiagonal: eighTridiagonal, the lowest states only (Nₓ up to 10⁵); jacobi: dense eigh, all states (Nₓ ≤ 500). */
export type Solver = 'tridiagonal' | 'jacobi';

export type Request =
  | { type: 'init'; id: number; backend: 'auto' | 'cpu' | 'webgpu' }
  /** Everything shown for one κ: energies, states, and dE/dκ by backward through eigh. */
  | ({ type: 'state'; id: number; kappa: number; states: number; method: Solver } & Grid)
  /** E0 and the gap only (no gradient), for finite differences and the E0(κ), gap(κ) curves. */
  | ({ type: 'energies'; id: number; kappas: number[]; method: Solver } & Grid);

export interface StateResult {
  type: 'state';
  id: number;
  kappa: number;
  grid: Grid;
  method: Solver;
  /** The lowest energies E0 … E_{states−1}. */
  energies: number[];
  E0: number;
  gap: number;
  /** dE0/dκ and d(gap)/dκ by backward() through eigh (two reverse passes over one forward). */
  dE0: number;
  dgap: number;
  /** d²E0/dκ² and d²(gap)/dκ²: the tangents of those gradients, κ a dual number (forward over reverse). */
  d2E0: number;
  d2gap: number;
  /** The same derivatives by Hellmann–Feynman, ⟨ψ|e^{−x²/2}|ψ⟩, from the eigenvectors. */
  hfE0: number;
  hfGap: number;
  x: Float32Array;
  potential: Float32Array;
  /** |ψ_n(x_i)|²/Δx for n < states, row-major [states, nx]. */
  densities: Float32Array;
  ms: { forward: number; backward: number; readback: number; total: number };
  liveTensors: number;
}

export interface EnergiesResult {
  type: 'energies';
  id: number;
  grid: Grid;
  method: Solver;
  points: { kappa: number; E0: number; gap: number }[];
  ms: number;
}

export type Response =
  | { type: 'ready'; id: number; init: InitResult; ms: number }
  | StateResult
  | EnergiesResult
  | { type: 'error'; id: number; message: string };
