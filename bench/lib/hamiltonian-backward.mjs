// The Hamiltonian's two κ-derivatives by backward alone (the graph built once at nx = 500, κ = 1, then
// E0.backward and gap.backward with retained graph, each read back), timed for one build of webgrad given
// by its dist path: process CPU time (all threads) and wall ms per pair. For A/B runs of two builds in
// alternating processes, and for `node --cpu-prof` (see bench/lib/cpuprofile.mjs).
//
//   node bench/lib/hamiltonian-backward.mjs <dist> [cpu|webgpu] [reps]
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
globalThis.navigator = { gpu: create([]), userAgent: 'node' };

const [dist, backend = 'cpu', repsArg = '30'] = process.argv.slice(2);
const wg = await import(pathToFileURL(resolve(dist, 'index.js')).href);
await wg.init({ backend });
const kappa = wg.tensor(1, { requiresGrad: true });
const s = wg.hamiltonianSpectrum(wg.hamiltonian1d({ kappa, L: 10, nx: 500 }));
await s.E0.item();
const both = async () => {
  kappa.zeroGrad();
  s.E0.backward({ retainGraph: true });
  const dE0 = await kappa.grad.item();
  kappa.zeroGrad();
  s.gap.backward({ retainGraph: true });
  return [dE0, await kappa.grad.item()];
};
for (let i = 0; i < 3; i++) await both(); // warm-up
const reps = Number(repsArg);
const [t0, c0] = [performance.now(), process.cpuUsage()];
let d;
for (let i = 0; i < reps; i++) d = await both();
const used = process.cpuUsage(c0);
console.log(
  `${dist} ${backend}: backward ×2 ${((used.user + used.system) / 1000 / reps).toFixed(2)} CPU ms, ` +
    `${((performance.now() - t0) / reps).toFixed(2)} wall ms; dE0/dκ ${d[0]}, dgap/dκ ${d[1]}`,
);
process.exit(0);
