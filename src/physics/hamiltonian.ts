// The headline workload: a particle in a harmonic trap with a Gaussian bump,
//   H(κ) = −½ d²/dx² + ½x² + κ·e^{−x²/2},
// discretised by second-order finite differences on x = linspace(−L/2, L/2, nx) (endpoints included,
// Δx = x[1] − x[0] = L/(nx − 1), ψ = 0 outside). H is built from tensor ops, so κ (a 0-d tensor) is
// differentiable: dE/dκ comes from backward through eigh.
import { Backend } from '../backend/backend';
import { noGrad } from '../autograd/node';
import { jvp, vjp } from '../autograd/functional';
import { fromArray, eye, linspace } from '../ops/creation';
import { add, div, exp, mul, square, sub } from '../ops/elementwise';
import { matmul } from '../ops/matmul';
import { sum } from '../ops/reduce';
import { reshape, transpose } from '../ops/shape';
import { select, slice } from '../ops/indexing';
import { eigh } from '../ops/eigh';
import { getBackend } from '../runtime';
import { WebgradError } from '../shape';
import { tidy, Tensor } from '../tensor';
import { cpuData } from '../ops/util';
import { hamiltonianTridiagonal, SolverChoice, TridiagonalSpectrum, TridiagonalSpectrumOptions, usesTridiagonal } from './hamiltonianTridiagonal';

/** The 1-D Hamiltonian H(κ) = −½ d²/dx² + ½x² + κ·e^{−x²/2} on a grid: κ, box and grid. */
export interface HamiltonianOptions {
  /** Strength of the Gaussian bump: a number, or a 0-d tensor (set `requiresGrad` to differentiate in κ). */
  kappa: Tensor | number;
  /** Box length: the grid spans [−L/2, L/2]. Default 10. */
  L?: number;
  /** Grid points (endpoints included), at least 2. Default 500. */
  nx?: number;
}

/** H(κ) as a matrix on the grid, with the grid, the potential and ∂H/∂κ. */
export interface Hamiltonian1d {
  /** The nx×nx Hamiltonian matrix (symmetric tridiagonal). */
  H: Tensor;
  /** The grid, [nx]. */
  x: Tensor;
  /** The potential on the grid, ½x² + κ·e^{−x²/2}, [nx]. */
  potential: Tensor;
  /** The bump e^{−x²/2} on the grid (∂H/∂κ is its diagonal matrix), [nx]. */
  bump: Tensor;
  /** κ as the 0-d tensor H was built from. */
  kappa: Tensor;
  /** Grid spacing Δx = L/(nx − 1). */
  dx: number;
  /** Box length. */
  L: number;
  /** Grid points. */
  nx: number;
}

/** H(κ) and its full spectrum from one `eigh` (dense route). */
export interface HamiltonianSpectrum extends Hamiltonian1d {
  /** All eigenvalues, ascending, [nx]. */
  energies: Tensor;
  /** Eigenvectors as columns, [nx, nx], unit norm (Σ ψ_i² = 1). */
  states: Tensor;
  /** E0, 0-d, differentiable in κ. */
  E0: Tensor;
  /** E1 − E0, 0-d, differentiable in κ. */
  gap: Tensor;
}

const OP = 'hamiltonian1d';

function checkOptions(options: HamiltonianOptions): { L: number; nx: number } {
  if (!options || typeof options !== 'object') throw new WebgradError(OP, 'expected an options object { kappa, L?, nx? }');
  const { L = 10, nx = 500, kappa } = options;
  if (!Number.isInteger(nx) || nx < 2) throw new WebgradError(OP, `nx must be an integer >= 2, got ${nx}`);
  if (typeof L !== 'number' || !Number.isFinite(L) || L <= 0) throw new WebgradError(OP, `L must be a finite number > 0, got ${L}`);
  if (kappa instanceof Tensor) {
    if (kappa.size !== 1) throw new WebgradError(OP, `kappa must be a 0-d tensor, got shape [${kappa.shape.join(', ')}]`);
    // Where the value lives on the host we check it now; on the GPU that would need a readback.
    if (kappa.backend.name === 'cpu' && !Number.isFinite(cpuData(kappa)[0])) {
      throw new WebgradError(OP, `kappa must be finite, got ${cpuData(kappa)[0]}`);
    }
  } else if (typeof kappa !== 'number' || !Number.isFinite(kappa)) {
    throw new WebgradError(OP, `kappa must be a finite number or a 0-d tensor, got ${String(kappa)}`);
  }
  return { L, nx };
}

/** The kinetic matrix −½ d²/dx²: 1/Δx² on the diagonal, −1/(2Δx²) beside it. */
function kineticMatrix(nx: number, dx: number, backend: Backend): Tensor {
  // The off-diagonal is exactly half the float32 diagonal, so every row of T sums to 0 as in exact
  // arithmetic: rounding 1/Δx² ≈ 2490 then only scales T by (1 + 6e-8) instead of shifting E by ~1e-4.
  const d = Math.fround(1 / (dx * dx));
  const t = new Float32Array(nx * nx);
  for (let i = 0; i < nx; i++) {
    t[i * nx + i] = d;
    if (i > 0) t[i * nx + i - 1] = -d / 2;
    if (i + 1 < nx) t[i * nx + i + 1] = -d / 2;
  }
  return fromArray(t, [nx, nx], { backend });
}

/**
 * H(κ) = −½ d²/dx² + ½x² + κ·e^{−x²/2} on `nx` points of [−L/2, L/2] (Dirichlet outside), built from
 * tensor ops on κ's backend (or the current one for a number), so gradients flow back to a κ tensor.
 * @example const kappa = tensor(1, { requiresGrad: true }); const { H } = hamiltonian1d({ kappa });
 */
export function hamiltonian1d(options: HamiltonianOptions): Hamiltonian1d {
  const { L, nx } = checkOptions(options);
  const k = options.kappa;
  const backend = k instanceof Tensor ? k.backend : getBackend();
  const dx = L / (nx - 1);
  return tidy(() => {
    const kappa = k instanceof Tensor ? (k.ndim === 0 ? k : reshape(k, [])) : fromArray([k], [], { backend });
    const x = linspace(-L / 2, L / 2, nx, { backend });
    const x2 = square(x);
    const bump = exp(mul(x2, -0.5));
    const potential = add(mul(x2, 0.5), mul(kappa, bump));
    // diag(v) as eye(n)·v: v broadcasts along rows, so entry (i, j) is δ_ij·v_j.
    const H = add(kineticMatrix(nx, dx, backend), mul(eye(nx, nx, { backend }), potential));
    return { H, x, potential, bump, kappa, dx, L, nx };
  });
}

/** Element k of a vector as a 0-d tensor (a one-hot dot product: differentiable, no gather op needed). */
function component(v: Tensor, weights: Record<number, number>): Tensor {
  const w = new Float32Array(v.size);
  for (const [k, c] of Object.entries(weights)) w[Number(k)] = c;
  return sum(mul(v, fromArray(w, v.shape, { backend: v.backend })));
}

/**
 * Diagonalises H(κ) once (built from `options`, or an existing `hamiltonian1d` result): all energies and
 * states, plus E0 and the gap E1 − E0 as 0-d tensors differentiable in κ (for both derivatives from the one
 * eigh, call `E0.backward({ retainGraph: true })`, read κ.grad, then `gap.backward()`).
 */
/** With `k` (and no `method: 'jacobi'`), or `method: 'tridiagonal'`: the lowest k states by eighTridiagonal. */
export function hamiltonianSpectrum(
  source: TridiagonalSpectrumOptions & ({ method?: 'tridiagonal'; k: number } | { method: 'tridiagonal' }),
): TridiagonalSpectrum;
export function hamiltonianSpectrum(source: (HamiltonianOptions & { method?: 'jacobi'; k?: number }) | Hamiltonian1d): HamiltonianSpectrum;
export function hamiltonianSpectrum(source: (HamiltonianOptions & SolverChoice) | Hamiltonian1d): HamiltonianSpectrum | TridiagonalSpectrum {
  if (usesTridiagonal(source)) return hamiltonianTridiagonal(source as TridiagonalSpectrumOptions);
  const h = 'H' in source && source.H instanceof Tensor ? (source as Hamiltonian1d) : hamiltonian1d(source);
  return tidy(() => {
    const [energies, states] = eigh(h.H);
    const E0 = component(energies, { 0: 1 });
    const gap = component(energies, { 0: -1, 1: 1 });
    return { ...h, energies, states, E0, gap };
  });
}

/** The ground-state energy E0(κ), a 0-d tensor differentiable in κ. */
export function groundStateEnergy(kappa: Tensor | number, options: Omit<HamiltonianOptions, 'kappa'> = {}): Tensor {
  return tidy(() => hamiltonianSpectrum({ ...options, kappa }).E0);
}

/** The gap E1(κ) − E0(κ), a 0-d tensor differentiable in κ. */
export function gap(kappa: Tensor | number, options: Omit<HamiltonianOptions, 'kappa'> = {}): Tensor {
  return tidy(() => hamiltonianSpectrum({ ...options, kappa }).gap);
}

/** dE0/dκ and dgap/dκ as expectation values (Hellmann–Feynman), no backward pass. */
export interface HellmannFeynman {
  /** ⟨ψ0|e^{−x²/2}|ψ0⟩ = dE0/dκ, 0-d. */
  dE0: Tensor;
  /** ⟨ψ1|e^{−x²/2}|ψ1⟩ − ⟨ψ0|e^{−x²/2}|ψ0⟩ = d(E1 − E0)/dκ, 0-d. */
  dgap: Tensor;
}

/**
 * The κ-derivatives by the Hellmann–Feynman theorem, dE_n/dκ = ⟨ψ_n|∂H/∂κ|ψ_n⟩ = Σ_i ψ_n(x_i)² e^{−x_i²/2},
 * from the states of an existing spectrum or of a fresh one. An independent check on backward through eigh.
 */
export function hellmannFeynman(spectrum: HamiltonianSpectrum): HellmannFeynman;
export function hellmannFeynman(kappa: Tensor | number, options?: Omit<HamiltonianOptions, 'kappa'>): HellmannFeynman;
export function hellmannFeynman(source: HamiltonianSpectrum | Tensor | number, options: Omit<HamiltonianOptions, 'kappa'> = {}): HellmannFeynman {
  return noGrad(() =>
    tidy(() => {
      const s = source instanceof Tensor || typeof source === 'number' ? hamiltonianSpectrum({ ...options, kappa: source }) : source;
      // ⟨ψ_k|bump|ψ_k⟩ for every k: column sums of (ψ_ik)² · bump_i.
      const expectation = sum(mul(square(s.states), reshape(s.bump, [s.nx, 1])), { axis: 0 });
      return { dE0: component(expectation, { 0: 1 }), dgap: component(expectation, { 0: -1, 1: 1 }) };
    }),
  );
}

/** Second κ-derivatives of E0 and the gap. */
export interface SecondOrder {
  /** d²E0/dκ² = 2 Σ_{m≠0} |⟨m|e^{−x²/2}|0⟩|² / (E0 − Em), 0-d. */
  d2E0: Tensor;
  /** d²(E1 − E0)/dκ², 0-d. */
  d2gap: Tensor;
}

/**
 * The κ-curvatures by second-order perturbation theory, d²E_n/dκ² = 2 Σ_{m≠n} |⟨m|∂H/∂κ|n⟩|² / (E_n − E_m),
 * from the states of a spectrum: an independent check on second derivatives through eigh.
 */
export function perturbationTheory(s: HamiltonianSpectrum): SecondOrder {
  return noGrad(() =>
    tidy(() => {
      const n = s.nx;
      // ⟨m|bump|k⟩ for every m and k = 0, 1: Sᵀ (bump ∘ S[:, :2]), [nx, 2].
      const low = slice(s.states, 1, 0, 2);
      const coupling = matmul(transpose(s.states), mul(low, reshape(s.bump, [n, 1])));
      const curvature = (k: number): Tensor => {
        const own = component(s.energies, { [k]: 1 });
        const other = Float32Array.from({ length: n }, (_, m) => (m === k ? 0 : 1));
        const mask = fromArray(other, [n], { backend: s.energies.backend });
        const col = select(coupling, 1, k);
        // 2 Σ_m mask_m c_m² / (E_k − E_m + (1 − mask_m)): the m = k term is 0/1.
        return mul(sum(div(mul(mask, square(col)), add(sub(own, s.energies), sub(1, mask)))), 2);
      };
      const [c0, c1] = [curvature(0), curvature(1)];
      return { d2E0: c0, d2gap: sub(c1, c0) };
    }),
  );
}

/** E0, the gap and their first and second κ-derivatives, from {@link kappaDerivatives}. */
export interface KappaDerivatives extends HellmannFeynman, SecondOrder {
  /** The spectrum at κ (its tensors belong to the caller). */
  spectrum: HamiltonianSpectrum;
  /** E0, 0-d. */
  E0: Tensor;
  /** E1 − E0, 0-d. */
  gap: Tensor;
}

/**
 * E0, the gap, and their first and second κ-derivatives through eigh, from one eigendecomposition: two
 * reverse passes (dE0/dκ, dgap/dκ) carrying a forward-mode tangent in κ (forward over reverse), so the
 * tangents of the gradients are d²E0/dκ² and d²gap/dκ². All results are 0-d tensors.
 */
export function kappaDerivatives(kappa: Tensor | number, options: Omit<HamiltonianOptions, 'kappa'> = {}): KappaDerivatives {
  const k0 = kappa instanceof Tensor ? kappa.detach() : kappa;
  checkOptions({ ...options, kappa: k0 });
  let spectrum: HamiltonianSpectrum | null = null;
  const [values, tangents] = jvp(
    (k: Tensor) => {
      const [ys, pullback] = vjp((kk: Tensor) => {
        spectrum = hamiltonianSpectrum({ ...options, kappa: kk });
        return [spectrum.E0, spectrum.gap];
      }, k);
      const [e0, gp] = ys as Tensor[];
      const [one, zero] = [fromArray([1], [], { backend: e0.backend }), fromArray([0], [], { backend: e0.backend })];
      const [dE0] = pullback([one, zero]);
      const [dgap] = pullback([zero, one]);
      return [e0, gp, dE0, dgap];
    },
    [k0],
    [1],
  ) as [Tensor[], Tensor[]];
  const [E0, gap, dE0, dgap] = values;
  const [, , d2E0, d2gap] = tangents;
  tangents.slice(0, 2).forEach((t) => t.dispose());
  return { spectrum: spectrum!, E0, gap, dE0, dgap, d2E0, d2gap };
}

/** The lowest states as plain arrays, for plots. */
export interface LowestStates {
  /** The grid, length nx. */
  x: Float32Array;
  /** Grid spacing. */
  dx: number;
  /** E_0 … E_{k−1}. */
  energies: number[];
  /** |ψ_n(x)|² on the grid for n < k, normalised so Σ_i |ψ_n(x_i)|² Δx = 1. */
  densities: Float32Array[];
}

/** Energies and probability densities of the first `k` eigenstates of H(κ), on the host (for plotting). */
export async function lowestStates(kappa: Tensor | number, k: number, options: Omit<HamiltonianOptions, 'kappa'> = {}): Promise<LowestStates> {
  const { nx } = checkOptions({ ...options, kappa });
  if (!Number.isInteger(k) || k < 1 || k > nx) throw new WebgradError('lowestStates', `k must be an integer in [1, nx = ${nx}], got ${k}`);
  const s = noGrad(() => hamiltonianSpectrum({ ...options, kappa }));
  try {
    const [x, energies, states] = await Promise.all([s.x.data(), s.energies.data(), s.states.data()]);
    // Normalised here (not assumed): float32 eigenvectors are unit vectors only to ~1e-5.
    const densities = Array.from({ length: k }, (_, n) => {
      let norm = 0;
      for (let i = 0; i < nx; i++) norm += states[i * nx + n] ** 2;
      const rho = new Float32Array(nx);
      for (let i = 0; i < nx; i++) rho[i] = states[i * nx + n] ** 2 / (norm * s.dx);
      return rho;
    });
    return { x, dx: s.dx, energies: Array.from(energies.subarray(0, k)), densities };
  } finally {
    for (const t of [s.H, s.x, s.potential, s.bump, s.energies, s.states, s.E0, s.gap]) t.dispose();
    if (s.kappa !== kappa) s.kappa.dispose();
  }
}
