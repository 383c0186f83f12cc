// The Hamiltonian page's worker: webgrad runs here (navigator.gpu exists in workers), so eigh at nx = 500
// never blocks the page. One request at a time; the page sends only the newest κ.
import {
  dual, eigvalsh, enterDualLevel, exitDualLevel, hamiltonian1d, hamiltonianSpectrum, hellmannFeynman, init, memory, noGrad, slice, tensor, Tensor,
  unpackDual, type HamiltonianSpectrum,
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

/**
 * The gradient that `y.backward()` accumulates into κ, and its tangent: with κ a dual number κ + ε the
 * reverse pass carries tangents, so these are dy/dκ and d²y/dκ² (forward over reverse, as the CLI does).
 */
async function derivatives(y: Tensor, kappa: Tensor, retainGraph: boolean): Promise<[number, number]> {
  y.backward({ retainGraph });
  const [first, second] = unpackDual(kappa.grad!);
  const values = await Promise.all([first.item(), second ? second.item() : 0]);
  [first, second].forEach((t) => t?.dispose());
  kappa.zeroGrad();
  return values;
}

async function state(req: Extract<Request, { type: 'state' }>): Promise<StateResult> {
  const t0 = performance.now();
  const kappa = tensor(req.kappa, { requiresGrad: true });
  const one = tensor(1);
  // A dual level of our own, held across the readbacks; closing it drops the spectrum's tangents.
  const level = enterDualLevel();
  let s: HamiltonianSpectrum;
  let E0: number, t1: number, dE0: number, d2E0: number, dgap: number, d2gap: number;
  try {
    s = hamiltonianSpectrum({ kappa: dual(kappa, one), L: req.L, nx: req.nx });
    E0 = await s.E0.item();
    t1 = performance.now();
    // Both derivatives from the one eigh: keep the graph for the second reverse pass.
    [dE0, d2E0] = await derivatives(s.E0, kappa, true);
    [dgap, d2gap] = await derivatives(s.gap, kappa, false);
  } finally {
    exitDualLevel(level);
  }
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
  for (const kappa of req.kappas) {
    const h = hamiltonian1d({ kappa, L: req.L, nx: req.nx });
    const w = noGrad(() => eigvalsh(h.H));
    const two = slice(w, 0, 0, 2);
    const [e0, e1] = await two.data();
    disposeAll(h, { w, two });
    points.push({ kappa, E0: e0, gap: e1 - e0 });
  }
  return { type: 'energies', id: req.id, grid: { L: req.L, nx: req.nx }, points, ms: performance.now() - t0 };
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
