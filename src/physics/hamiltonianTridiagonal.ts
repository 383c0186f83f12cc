// The headline Hamiltonian through eighTridiagonal: H(κ) = −½ d²/dx² + ½x² + κ·e^{−x²/2} on nx points is
// tridiagonal, so its lowest k states cost O(k·nx) per κ instead of a dense eigh. The κ-independent parts
// (1/Δx² + ½x², e^{−x²/2}, −1/(2Δx²)) are built once per (L, nx) in float64 on the host; the diagonal
// d = base + κ·bump is formed in float64 on the CPU or in double-float on the GPU, so float32 storage of
// d ≈ 2490 (ulp 2.4·10⁻⁴) does not limit E0. The float32 copy of d carries the tape: dE/dκ flows through
// d = base + κ·bump by the ordinary ops, and through eighTridiagonal's VJP.
import { Backend } from '../backend/backend';
import { cpu64Backend } from '../backend/cpu';
import { noGrad } from '../autograd/node';
import { dual, gradsAndTangents } from '../autograd/dual';
import { enterDualLevel, exitDualLevel, hasActiveTangent } from '../autograd/forward';
import { groups1d } from '../backend/webgpu/kernel';
import { fromArray, full } from '../ops/creation';
import { add, mul, square, sub } from '../ops/elementwise';
import { sum } from '../ops/reduce';
import { broadcastTo, reshape } from '../ops/shape';
import { select as selectAt } from '../ops/indexing';
import { eighTridiagonalWith, ExactEntries } from '../ops/eighTridiagonal/index';
import { df64Library, evaluatesAsWritten, splitDf } from '../ops/eighTridiagonal/df64';
import { asWebGPU, cpuData, empty, gpuBuffer, gpuKernel, uniformWords } from '../ops/util';
import { needsGrad } from '../autograd/record';
import { getBackend, getWebGPUBackend } from '../runtime';
import { WebgradError } from '../shape';
import { tidy, Tensor } from '../tensor';
import hamiltonianWgsl from '../../shaders/tridiagonal/hamiltonian.wgsl?raw';

const OP = 'hamiltonianSpectrum';

/** The κ-independent parts of H on one grid, in float64 (host) and as float32 / double-float tensors. */
interface Grid {
  L: number;
  nx: number;
  dx: number;
  x: Float64Array;
  base: Float64Array;
  bump: Float64Array;
  off: number;
  tensors: Map<Backend, { x: Tensor; base: Tensor; bump: Tensor; e: Tensor; baseDf: Tensor; bumpDf: Tensor; offDf: Tensor }>;
}

const grids = new Map<string, Grid>();

function gridOf(L: number, nx: number): Grid {
  const key = `${L}:${nx}`;
  let g = grids.get(key);
  if (!g) {
    const dx = L / (nx - 1);
    const x = Float64Array.from({ length: nx }, (_, i) => (i === nx - 1 ? L / 2 : -L / 2 + i * dx));
    const kinetic = 1 / (dx * dx);
    g = {
      L,
      nx,
      dx,
      x,
      base: x.map((xi) => kinetic + 0.5 * xi * xi),
      bump: x.map((xi) => Math.exp(-0.5 * xi * xi)),
      off: -0.5 * kinetic,
      tensors: new Map(),
    };
    if (grids.size > 16) grids.clear();
    grids.set(key, g);
  }
  return g;
}

/** The grid's tensors on `backend`, made once and kept (they are small: 8 floats per point). */
function gridTensors(g: Grid, backend: Backend) {
  let t = g.tensors.get(backend);
  if (!t) {
    const make = (values: ArrayLike<number>, shape: number[]): Tensor => fromArray(Float32Array.from(values), shape, { backend });
    // The float64 reference keeps the bands in float64: the derivative rules solve with T itself.
    const exact = (values: ArrayLike<number>, shape: number[]): Tensor =>
      backend === cpu64Backend ? new Tensor(cpu64Backend.upload(Float64Array.from(values)), shape) : make(values, shape);
    t = {
      x: exact(g.x, [g.nx]),
      base: exact(g.base, [g.nx]),
      bump: exact(g.bump, [g.nx]),
      e: full([g.nx - 1], g.off, { backend }),
      baseDf: make(splitDf(g.base), [g.nx, 2]),
      bumpDf: make(splitDf(g.bump), [g.nx, 2]),
      offDf: make(splitDf([g.off]), [1, 2]),
    };
    g.tensors.set(backend, t);
  }
  return t;
}

/** The bands of H(κ_b) in float64 (CPU) or double-float (GPU), replacing the float32 d and e in the forward. */
function exactEntries(g: Grid, kappa: Tensor, batch: number): ExactEntries {
  if (kappa.backend.name === 'cpu') {
    const ks = cpuData(kappa);
    const d = new Float64Array(batch * g.nx);
    for (let b = 0; b < batch; b++) for (let i = 0; i < g.nx; i++) d[b * g.nx + i] = g.base[i] + ks[b] * g.bump[i];
    const e = new Float64Array(batch * (g.nx - 1)).fill(g.off);
    return { d, e };
  }
  const gpu = asWebGPU(kappa.backend);
  const t = gridTensors(g, kappa.backend);
  const guard = !evaluatesAsWritten(gpu.adapter);
  const kernel = gpuKernel(`hamiltonian:bands:${guard}`, `${df64Library(guard)}\n${hamiltonianWgsl}`, {}, [4, 1]);
  return {
    writeDf: (workspace, layout) =>
      gpu.run(
        kernel,
        [gpuBuffer(t.baseDf), gpuBuffer(t.bumpDf), gpuBuffer(kappa), gpuBuffer(t.offDf), workspace],
        uniformWords([g.nx, batch, layout.offE, { f: 1 }]),
        groups1d(batch * g.nx, 64),
      ),
  };
}

/** Options of {@link hamiltonianTridiagonal}: κ (one or a batch), box, grid and how many states. */
export interface TridiagonalSpectrumOptions {
  /** κ: a number, a 0-d tensor (set `requiresGrad` to differentiate), or a 1-d tensor of many κ (batched). */
  kappa: Tensor | number;
  /** Box length: the grid spans [−L/2, L/2]. Default 10. */
  L?: number;
  /** Grid points (endpoints included). Default 500. */
  nx?: number;
  /** The lowest k states (k ≥ 2, for the gap). Default 4. */
  k?: number;
}

/** The lowest k states of H(κ) from `eighTridiagonal`. */
export interface TridiagonalSpectrum {
  /** The solver that produced it. */
  method: 'tridiagonal';
  /** E_0 … E_(k−1), [k] (or [B, k] for a batch of κ). */
  energies: Tensor;
  /** ψ_0 … ψ_(k−1) as columns, unit norm (Σ ψ_i² = 1), [nx, k] (or [B, nx, k]). */
  states: Tensor;
  /** E0 and E1 − E0: 0-d (or [B]), differentiable in κ. */
  E0: Tensor;
  /** E1 − E0. */
  gap: Tensor;
  /** The grid and e^{−x²/2} on it (∂H/∂κ is its diagonal matrix), [nx]. */
  x: Tensor;
  /** e^{−x²/2} on the grid, [nx]. */
  bump: Tensor;
  /** κ as the tensor the bands were built from. */
  kappa: Tensor;
  /** Grid spacing Δx = L/(nx − 1). */
  dx: number;
  /** Box length. */
  L: number;
  /** Grid points. */
  nx: number;
  /** States computed. */
  k: number;
}

function checkTridiagonalOptions(options: TridiagonalSpectrumOptions): { L: number; nx: number; k: number } {
  if (!options || typeof options !== 'object') throw new WebgradError(OP, 'expected an options object { kappa, L?, nx?, k? }');
  const { L = 10, nx = 500, k = 4, kappa } = options;
  if (!Number.isInteger(nx) || nx < 2) throw new WebgradError(OP, `nx must be an integer >= 2, got ${nx}`);
  if (typeof L !== 'number' || !Number.isFinite(L) || L <= 0) throw new WebgradError(OP, `L must be a finite number > 0, got ${L}`);
  if (!Number.isInteger(k) || k < 2 || k > nx) throw new WebgradError(OP, `k must be an integer in [2, nx = ${nx}], got ${k}`);
  if (kappa instanceof Tensor) {
    if (kappa.ndim > 1) throw new WebgradError(OP, `kappa must be a number, a 0-d or a 1-d tensor, got shape [${kappa.shape.join(', ')}]`);
    if (kappa.backend.name === 'cpu' && !Array.from(cpuData(kappa)).every(Number.isFinite)) throw new WebgradError(OP, 'kappa must be finite');
  } else if (typeof kappa !== 'number' || !Number.isFinite(kappa)) {
    throw new WebgradError(OP, `kappa must be a finite number or a tensor, got ${String(kappa)}`);
  }
  return { L, nx, k };
}

/**
 * The lowest k states of H(κ) by eighTridiagonal (bisection and inverse iteration, double-float on WebGPU,
 * float64 on the CPU): energies, states, and E0 and the gap differentiable in κ. κ may be a 1-d tensor: then
 * every output gains a leading batch dim, solved in one call.
 * @example const s = hamiltonianTridiagonal({ kappa: tensor(1, { requiresGrad: true }), k: 4 });
 */
export function hamiltonianTridiagonal(options: TridiagonalSpectrumOptions): TridiagonalSpectrum {
  const { L, nx, k } = checkTridiagonalOptions(options);
  const source = options.kappa;
  const backend = source instanceof Tensor ? source.backend : getBackend();
  const g = gridOf(L, nx);
  const t = gridTensors(g, backend);
  return tidy(() => {
    const kappa = source instanceof Tensor ? source : fromArray([source], [], { backend });
    const batch = kappa.ndim === 0 ? 1 : kappa.shape[0];
    const kcol = kappa.ndim === 0 ? kappa : reshape(kappa, [batch, 1]);
    const lead = kappa.ndim === 0 ? [] : [batch];
    // The float32 bands carry the tape (d = base + κ·bump); without one the forward reads only the exact
    // entries, so uninitialised stand-ins of the right shape will do.
    const taped = needsGrad([kappa]) || hasActiveTangent(kappa);
    const d = taped ? add(t.base, mul(kcol, t.bump)) : empty(backend, [...lead, nx]);
    const e = !taped ? empty(backend, [...lead, nx - 1]) : kappa.ndim === 0 ? t.e : broadcastTo(reshape(t.e, [1, nx - 1]), [batch, nx - 1]);
    const [energies, states] = eighTridiagonalWith(d, e, { select: [0, k] }, exactEntries(g, kappa, batch));
    const E0 = selectAt(energies, -1, 0);
    const gap = sub(selectAt(energies, -1, 1), E0);
    // Views of the cached grid tensors, so that disposing a result leaves the cache intact.
    return { method: 'tridiagonal' as const, energies, states: states!, E0, gap, x: t.x.alias(), bump: t.bump.alias(), kappa, dx: g.dx, L, nx, k };
  });
}

/** dE_n/dκ = ⟨ψ_n|e^{−x²/2}|ψ_n⟩ for every state of a tridiagonal spectrum ([k] or [B, k]), by Hellmann–Feynman. */
export function stateExpectations(s: TridiagonalSpectrum): Tensor {
  return noGrad(() => tidy(() => sum(mul(square(s.states), reshape(s.bump, [s.nx, 1])), { axis: -2 })));
}

/** E0, the gap and their κ-derivatives for each κ of a sweep, as host arrays. */
export interface SweepResult {
  /** The κ values, in order. */
  kappas: number[];
  /** Box length. */
  L: number;
  /** Grid points. */
  nx: number;
  /** States per κ. */
  k: number;
  /** E_n(κ_b) at b·k + n. */
  energies: Float32Array;
  /** E0 per κ. */
  E0: Float64Array;
  /** E1 − E0 per κ. */
  gap: Float64Array;
  /** dE0/dκ per κ (Hellmann–Feynman from the same states). */
  dE0: Float64Array;
  /** d(E1 − E0)/dκ per κ. */
  dgap: Float64Array;
}

/**
 * Many κ in one batched eighTridiagonal call: E0, the gap and both κ-derivatives (Hellmann–Feynman, from
 * the same states) for each κ, read back once.
 * @example const { E0, dE0 } = await hamiltonianSweep({ kappas: [0, 1, 5] });
 */
export async function hamiltonianSweep(options: { kappas: readonly number[]; L?: number; nx?: number; k?: number }): Promise<SweepResult> {
  const kappas = Array.from(options?.kappas ?? []);
  if (kappas.length === 0 || !kappas.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new WebgradError('hamiltonianSweep', `kappas must be a non-empty list of finite numbers, got [${kappas.join(', ')}]`);
  }
  const { L = 10, nx = 500, k = 2 } = options;
  const kt = fromArray(kappas, [kappas.length]);
  const s = noGrad(() => hamiltonianTridiagonal({ kappa: kt, L, nx, k }));
  const ex = stateExpectations(s);
  try {
    const [energies, expect] = await Promise.all([s.energies.data(), ex.data()]);
    const B = kappas.length;
    const pick = (src: Float32Array, f: (row: Float32Array) => number): Float64Array =>
      Float64Array.from({ length: B }, (_, b) => f(src.subarray(b * k, (b + 1) * k)));
    return {
      kappas,
      L,
      nx,
      k,
      energies,
      E0: pick(energies, (r) => r[0]),
      gap: pick(energies, (r) => r[1] - r[0]),
      dE0: pick(expect, (r) => r[0]),
      dgap: pick(expect, (r) => r[1] - r[0]),
    };
  } finally {
    for (const t of [s.energies, s.states, s.E0, s.gap, s.x, s.bump, ex, kt]) t.dispose();
  }
}

export interface TridiagonalKappaResult {
  kappa: number;
  E0: number;
  gap: number;
  dE0_dkappa: number;
  dgap_dkappa: number;
  d2E0_dkappa2: number;
  d2gap_dkappa2: number;
  /** Hellmann–Feynman values from the same states. */
  hfE0: number;
  hfGap: number;
  ms: { build: number; eigh: number; backward: number; total: number };
}

/**
 * The CLI's per-κ solve on the tridiagonal route: E0 and the gap, both κ-derivatives by backward (twice
 * through the one graph) and by Hellmann–Feynman, and both second derivatives (κ is a dual number, so each
 * gradient's tangent is the second derivative), with phase times (build: the κ tensor; eigh: solve and
 * read E0, gap; backward: the derivatives read back).
 */
export async function solveKappaTridiagonal(kappaValue: number, L: number, nx: number, k = 4): Promise<TridiagonalKappaResult> {
  const level = enterDualLevel();
  try {
    const t0 = performance.now();
    const kappa = fromArray([kappaValue], [], { requiresGrad: true });
    const dualKappa = dual(kappa, fromArray([1], [], { backend: kappa.backend }));
    const t1 = performance.now();
    const s = hamiltonianTridiagonal({ kappa: dualKappa, L, nx, k });
    const hf = stateExpectations(s);
    const [E0, gap] = await Promise.all([s.E0.item(), s.gap.item()]);
    const t2 = performance.now();
    const [[[dE0, d2E0], [dgap, d2gap]], h] = await Promise.all([gradsAndTangents([s.E0, s.gap], kappa), hf.data()]);
    await getWebGPUBackend()?.sync();
    const t3 = performance.now();
    for (const t of [s.energies, s.states, s.E0, s.gap, s.x, s.bump, hf, kappa, dualKappa]) t.dispose();
    const round1 = (ms: number): number => Math.round(ms * 10) / 10;
    return {
      kappa: kappaValue,
      E0,
      gap,
      dE0_dkappa: dE0,
      dgap_dkappa: dgap,
      d2E0_dkappa2: d2E0,
      d2gap_dkappa2: d2gap,
      hfE0: h[0],
      hfGap: h[1] - h[0],
      ms: { build: round1(t1 - t0), eigh: round1(t2 - t1), backward: round1(t3 - t2), total: round1(t3 - t0) },
    };
  } finally {
    exitDualLevel(level);
  }
}

/** `method`: 'tridiagonal' (eighTridiagonal, the lowest k states) or 'jacobi' (dense eigh, all states). */
export interface SolverChoice {
  /** 'tridiagonal' (the lowest k states) or 'jacobi' (dense eigh, all states). */
  method?: 'tridiagonal' | 'jacobi';
  /** How many of the lowest states (the tridiagonal route). */
  k?: number;
}

/** Whether hamiltonianSpectrum takes the tridiagonal route: `method: 'tridiagonal'`, or `k` without `method: 'jacobi'`. */
export function usesTridiagonal(source: object): boolean {
  if ('H' in source) return false;
  const { method, k } = source as SolverChoice;
  if (method !== undefined && method !== 'tridiagonal' && method !== 'jacobi') {
    throw new WebgradError(OP, `method must be 'tridiagonal' or 'jacobi', got '${String(method)}'`);
  }
  return method === 'tridiagonal' || (method === undefined && k !== undefined);
}

/** E0 and the gap (numbers) of H(κ) by the tridiagonal route on κ's backend, without the tape (the CLI's finite differences). */
export function tridiagonalEnergies(kappa: Tensor, L: number, nx: number): [number, number] {
  return noGrad(() => {
    const s = hamiltonianTridiagonal({ kappa, L, nx, k: 2 });
    const w = cpuData(s.energies);
    const out: [number, number] = [w[0], w[1] - w[0]];
    for (const t of [s.energies, s.states, s.E0, s.gap, s.x, s.bump]) t.dispose();
    return out;
  });
}
