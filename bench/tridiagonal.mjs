// The Hamiltonian through eighTridiagonal against the dense Jacobi route, same adapter, same process:
//   1. Nx = 500 end to end per κ (build, lowest 4 states, both κ-derivatives by backward, readback), vs the
//      dense `eigh` route of `webgrad hamiltonian --method jacobi` (solveKappa), κ = 0, 1, 5;
//   2. Nx = 10⁵, the lowest 4 states with both derivatives;
//   3. a 256-κ batched sweep at Nx = 500 (hamiltonianSweep: E0, gap and both derivatives per κ);
// with the float64 CPU reference (the same algorithm in float64) and, where Python with SciPy is present,
// SciPy's eigh_tridiagonal(select='i') as CPU anchors; and the accuracy against the float64 table.
//
// Run: npm run build && node bench/tridiagonal.mjs [--reps 3] [--no-jacobi] [--no-scipy]
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hamiltonianSweep, init, solveKappaTridiagonal } from 'webgrad';
import { solveKappa } from '../dist/cli.js';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const reps = Number(option('--reps', '3'));
const L = 10;
const KAPPAS = [0, 1, 5];
const SWEEP = Array.from({ length: 256 }, (_, i) => i / 32);
const BIG = 100000;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (v) => (v === undefined ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
/** Median (and fastest) of the repetitions: on a shared machine the minimum is the least disturbed run. */
const both = (b) => `${ms(b.ms)} (${ms(b.min)})`;
async function timed(f) {
  const t = performance.now();
  const r = await f();
  return [performance.now() - t, r];
}
/** Median wall time of `reps` runs after one warm-up (kernel compilation, buffer pool). */
async function bench(f) {
  await f();
  const times = [];
  let last;
  for (let r = 0; r < reps; r++) {
    const [t, out] = await timed(f);
    times.push(t);
    last = out;
  }
  return { ms: median(times), min: Math.min(...times), out: last };
}
const disposeDense = (s) => [s.H, s.x, s.potential, s.bump, s.energies, s.states, s.E0, s.gap, s.kappa].forEach((t) => t.dispose());

const results = {};
for (const backend of ['webgpu', 'cpu']) {
  const info = await init({ backend, precision: backend === 'cpu' ? 'float64' : undefined });
  const r = { adapter: info.adapter };
  r.tri500 = await bench(async () => {
    const out = [];
    for (const k of KAPPAS) out.push(await solveKappaTridiagonal(k, L, 500, 4));
    return out;
  });
  r.tri500.ms /= KAPPAS.length;
  r.tri500.min /= KAPPAS.length;
  r.big = await bench(() => solveKappaTridiagonal(1, L, BIG, 4));
  r.sweep = await bench(() => hamiltonianSweep({ kappas: SWEEP, L, nx: 500 }));
  if (!args.includes('--no-jacobi')) {
    // The dense route: one warm-up and one run per κ (each takes seconds on SwiftShader).
    disposeDense((await solveKappa(0.5, L, 500)).spectrum);
    const times = [];
    for (const k of KAPPAS) {
      const [t, res] = await timed(() => solveKappa(k, L, 500));
      disposeDense(res.spectrum);
      times.push(t);
    }
    r.jacobi500 = times.reduce((a, b) => a + b, 0) / times.length;
  }
  results[backend] = r;
}

let scipy = null;
if (!args.includes('--no-scipy')) {
  const py = `
import json, time, numpy as np, scipy
from scipy.linalg import eigh_tridiagonal
def solve(nx, kappas, k=4):
    x = np.linspace(-5, 5, nx); dx = x[1] - x[0]; bump = np.exp(-x * x / 2)
    e = np.full(nx - 1, -0.5 / dx**2); base = 1 / dx**2 + 0.5 * x * x
    for kappa in kappas:
        w, v = eigh_tridiagonal(base + kappa * bump, e, select='i', select_range=(0, k - 1))
        dE = (v * v * bump[:, None]).sum(axis=0)
def best(f, reps=${reps}):
    f(); ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2] * 1000
print(json.dumps({"version": scipy.__version__, "tri500": best(lambda: solve(500, [0, 1, 5])) / 3,
  "big": best(lambda: solve(${BIG}, [1])), "sweep": best(lambda: solve(500, [i / 32 for i in range(256)], 2))}))
`;
  const p = spawnSync('python3', ['-c', py], { encoding: 'utf8' });
  scipy = p.status === 0 ? JSON.parse(p.stdout) : { error: (p.stderr || p.error?.message || 'python3 failed').trim().split('\n').pop() };
}

const table = JSON.parse(readFileSync(new URL('../test/fixtures/hamiltonian_float64.json', import.meta.url), 'utf8')).rows;
const [g, c] = [results.webgpu, results.cpu];
console.log(
  `eighTridiagonal benchmarks, L = ${L}: median (fastest) of ${reps} runs after a warm-up; ` +
    `the dense route: mean of one run per κ after a warm-up; SciPy: median`,
);
console.log(`WebGPU: ${g.adapter}; CPU: ${c.adapter}; SciPy: ${scipy?.version ?? `not run (${scipy?.error ?? '--no-scipy'})`}`);
console.log('');
console.log(
  '| workload | WebGPU tridiagonal | WebGPU dense Jacobi | CPU float64 tridiagonal | CPU dense (Householder + QL) | SciPy eigh_tridiagonal |',
);
console.log('|---|---:|---:|---:|---:|---:|');
const ratio = g.jacobi500 ? ` (${(g.jacobi500 / g.tri500.ms).toFixed(0)}× slower)` : '';
console.log(
  `| Nx = 500, per κ: lowest 4 states, dE0/dκ, dgap/dκ, readback | ${both(g.tri500)} | ${ms(g.jacobi500)}${ratio} | ` +
    `${both(c.tri500)} | ${ms(c.jacobi500)} | ${ms(scipy?.tri500)} |`,
);
console.log(`| Nx = 10⁵, κ = 1: lowest 4 states with both derivatives | ${both(g.big)} | — | ${both(c.big)} | — | ${ms(scipy?.big)} |`);
console.log(`| 256 κ at Nx = 500, batched: E0, gap, both derivatives | ${both(g.sweep)} | — | ${both(c.sweep)} | — | ${ms(scipy?.sweep)} |`);
console.log('');
console.log(
  'SciPy: eigh_tridiagonal(select="i") and the Hellmann–Feynman sums, no autograd; ' +
    "the dense columns are `webgrad hamiltonian --method jacobi`'s solveKappa.",
);
console.log('');
console.log('Accuracy, Nx = 500 (WebGPU, double-float), against the float64 table (SciPy):');
console.log('| κ | E0 | gap | dE0/dκ | dgap/dκ | max error |');
console.log('|---:|---:|---:|---:|---:|---:|');
g.tri500.out.forEach((r, i) => {
  const ref = table.find((t) => t.nx === 500 && t.L === L && t.kappa === KAPPAS[i]);
  const err = Math.max(Math.abs(r.E0 - ref.E0), Math.abs(r.gap - ref.gap), Math.abs(r.dE0_dkappa - ref.dE0), Math.abs(r.dgap_dkappa - ref.dgap));
  console.log(
    `| ${r.kappa} | ${r.E0.toFixed(9)} | ${r.gap.toFixed(9)} | ${r.dE0_dkappa.toFixed(9)} | ${r.dgap_dkappa.toFixed(9)} | ${err.toExponential(1)} |`,
  );
});
const big = g.big.out;
console.log(
  `Nx = 10⁵, κ = 1 (WebGPU): E0 ${big.E0.toFixed(7)}, gap ${big.gap.toFixed(7)}, dE0/dκ ${big.dE0_dkappa.toFixed(7)}, ` +
    `dgap/dκ ${big.dgap_dkappa.toFixed(7)}; ` +
    `CPU float64: E0 ${c.big.out.E0.toFixed(7)}, gap ${c.big.out.gap.toFixed(7)}`,
);
process.exit(0);
