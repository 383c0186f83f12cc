// The Hamiltonian page's worker: webgrad runs here (navigator.gpu exists in workers), so a solve never
// blocks the page. One request at a time; the page sends only the newest κ. Two solvers: eighTridiagonal
// (the lowest states, Nₓ up to 10⁵) and the dense eigh. Both give E0, the gap and their first and second
// κ-derivatives the same way: κ a dual number, two reverse passes (forward over reverse, as the CLI does).
import {
  dual,
  eigvalsh,
  enterDualLevel,
  exitDualLevel,
  hamiltonian1d,
  hamiltonianSpectrum,
  hamiltonianSweep,
  hamiltonianTridiagonal,
  hellmannFeynman,
  init,
  memory,
  noGrad,
  slice,
  stateExpectations,
  tensor,
  Tensor,
  gradsAndTangents,
  type HamiltonianSpectrum,
  type TridiagonalSpectrum,
} from 'webgrad';
import type { EnergiesResult, Request, Response, StateResult } from './protocol';

interface WorkerScope {
  postMessage(message: Response, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<Request>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/** Disposes every tensor among the values of `objects`. */
function disposeAll(...objects: object[]): void {
  for (const o of objects) for (const v of Object.values(o)) if (v instanceof Tensor) v.dispose();
}

/** E0, the gap and their first and second κ-derivatives, from either solver's spectrum of the dual κ. */
interface Solved<S> {
  s: S;
  E0: number;
  dE0: number;
  d2E0: number;
  dgap: number;
  d2gap: number;
  /** When E0 was read back: the end of the forward phase. */
  t1: number;
}

/**
 * Solves at κ + ε (ε's coefficient `one`, which the caller disposes with the spectrum) inside a dual level of
 * our own, held across the readbacks; closing it drops the spectrum's tangents. Both derivatives come from
 * the one solve: the graph is kept for the second reverse pass.
 */
async function solveDual<S extends { E0: Tensor; gap: Tensor }>(kappa: Tensor, one: Tensor, solve: (k: Tensor) => S): Promise<Solved<S>> {
  const level = enterDualLevel();
  try {
    const s = solve(dual(kappa, one));
    const E0 = await s.E0.item();
    const t1 = performance.now();
    const [[dE0, d2E0], [dgap, d2gap]] = await gradsAndTangents([s.E0, s.gap], kappa);
    return { s, E0, dE0, d2E0, dgap, d2gap, t1 };
  } finally {
    exitDualLevel(level);
  }
}

/** The tridiagonal route: the lowest `states` eigenpairs only, derivatives by backward through eighTridiagonal. */
async function stateTridiagonal(req: Extract<Request, { type: 'state' }>): Promise<StateResult> {
  const t0 = performance.now();
  const k = Math.min(Math.max(req.states, 2), req.nx);
  const kappa = tensor(req.kappa, { requiresGrad: true });
  const one = tensor(1);
  const { s, E0, dE0, d2E0, dgap, d2gap, t1 } = await solveDual<TridiagonalSpectrum>(kappa, one, (kd) =>
    hamiltonianTridiagonal({ kappa: kd, L: req.L, nx: req.nx, k }),
  );
  const t2 = performance.now();
  const hf = stateExpectations(s);
  const [energiesAll, vectors, x, expectations] = await Promise.all([s.energies.data(), s.states.data(), s.x.data(), hf.data()]);
  const energies = Array.from(energiesAll);
  const densities = new Float32Array(k * req.nx);
  for (let n = 0; n < k; n++) for (let i = 0; i < req.nx; i++) densities[n * req.nx + i] = vectors[i * k + n] ** 2 / s.dx;
  const potential = x.map((xi) => 0.5 * xi * xi + req.kappa * Math.exp(-0.5 * xi * xi));
  disposeAll(s, { kappa, one, hf });
  const t3 = performance.now();
  return {
    type: 'state',
    id: req.id,
    kappa: req.kappa,
    grid: { L: req.L, nx: req.nx },
    method: 'tridiagonal',
    energies,
    E0,
    gap: energies[1] - energies[0],
    dE0,
    dgap,
    d2E0,
    d2gap,
    hfE0: expectations[0],
    hfGap: expectations[1] - expectations[0],
    x,
    potential,
    densities,
    ms: { forward: t1 - t0, backward: t2 - t1, readback: t3 - t2, total: t3 - t0 },
    liveTensors: memory().tensors,
  };
}

async function state(req: Extract<Request, { type: 'state' }>): Promise<StateResult> {
  if (req.method === 'tridiagonal') return stateTridiagonal(req);
  const t0 = performance.now();
  const kappa = tensor(req.kappa, { requiresGrad: true });
  const one = tensor(1);
  const { s, E0, dE0, d2E0, dgap, d2gap, t1 } = await solveDual<HamiltonianSpectrum>(kappa, one, (kd) =>
    hamiltonianSpectrum({ kappa: kd, L: req.L, nx: req.nx }),
  );
  const t2 = performance.now();
  const k = Math.min(req.states, req.nx);
  const hf = hellmannFeynman(s);
  const lowest = noGrad(() => slice(s.states, 1, 0, k)); // [nx, k]: only the columns we draw come back
  const [energies, vectors, x, potential, hfE0, hfGap] = await Promise.all([
    s.energies.data().then((e) => Array.from(e.subarray(0, k))),
    lowest.data(),
    s.x.data(),
    s.potential.data(),
    hf.dE0.item(),
    hf.dgap.item(),
  ]);
  const densities = new Float32Array(k * req.nx);
  for (let n = 0; n < k; n++) for (let i = 0; i < req.nx; i++) densities[n * req.nx + i] = vectors[i * k + n] ** 2 / s.dx;
  disposeAll(s, hf, { kappa, one, lowest });
  const t3 = performance.now();
  return {
    type: 'state',
    id: req.id,
    kappa: req.kappa,
    grid: { L: req.L, nx: req.nx },
    method: 'jacobi',
    energies,
    E0,
    gap: energies[1] - energies[0],
    dE0,
    dgap,
    d2E0,
    d2gap,
    hfE0,
    hfGap,
    x,
    potential,
    densities,
    ms: { forward: t1 - t0, backward: t2 - t1, readback: t3 - t2, total: t3 - t0 },
    liveTensors: memory().tensors,
  };
}

async function energies(req: Extract<Request, { type: 'energies' }>): Promise<EnergiesResult> {
  const t0 = performance.now();
  const points: EnergiesResult['points'] = [];
  if (req.method === 'tridiagonal') {
    // All the κ of the request in one batched call.
    const r = await hamiltonianSweep({ kappas: req.kappas, L: req.L, nx: req.nx });
    req.kappas.forEach((kappa, b) => points.push({ kappa, E0: r.E0[b], gap: r.gap[b] }));
    return { type: 'energies', id: req.id, grid: { L: req.L, nx: req.nx }, method: req.method, points, ms: performance.now() - t0 };
  }
  for (const kappa of req.kappas) {
    const h = hamiltonian1d({ kappa, L: req.L, nx: req.nx });
    const w = noGrad(() => eigvalsh(h.H));
    const two = slice(w, 0, 0, 2);
    const [e0, e1] = await two.data();
    disposeAll(h, { w, two });
    points.push({ kappa, E0: e0, gap: e1 - e0 });
  }
  return { type: 'energies', id: req.id, grid: { L: req.L, nx: req.nx }, method: req.method, points, ms: performance.now() - t0 };
}

scope.onmessage = async ({ data: req }) => {
  try {
    if (req.type === 'init') {
      const t0 = performance.now();
      const r = await init({ backend: req.backend });
      scope.postMessage({ type: 'ready', id: req.id, init: r, ms: performance.now() - t0 });
    } else if (req.type === 'state') {
      const r = await state(req);
      scope.postMessage(r, [r.x.buffer, r.potential.buffer, r.densities.buffer]);
    } else {
      scope.postMessage(await energies(req));
    }
  } catch (e) {
    scope.postMessage({ type: 'error', id: req.id, message: (e as Error)?.stack ?? String(e) });
  }
};
