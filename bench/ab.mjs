// Two builds of webgrad side by side in one process: eigh at n = 500 on the random matrix of bench/eigh.mjs
// and the Hamiltonian H(κ = 1), runs alternating between the builds so that the machine's drift (a shared
// CPU, SwiftShader) hits both alike. Each time is one eigh with its eigenvalues read back; beside the wall
// time, the process's CPU time (user + system: SwiftShader's threads are the GPU here), which other load on
// the machine disturbs less.
//
// Run: npm run build && node bench/ab.mjs --old /path/to/other/checkout [--n 500] [--reps 3]
// (the other checkout built with `npm run build`, e.g. `git worktree add /tmp/old <commit>`).
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]), userAgent: 'node' }, configurable: true, writable: true });

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const oldDir = option('--old', null);
if (!oldDir) throw new Error('bench/ab.mjs: --old <checkout> is required');
const n = Number(option('--n', '500'));
const reps = Number(option('--reps', '3'));

/** A build's root and diagnostics entries as one object (older builds exported the diagnostics from the root). */
async function loadBuild(dir) {
  const entry = (name) => pathToFileURL(resolve(dir, 'dist', name)).href;
  const diagnostics = existsSync(resolve(dir, 'dist/diagnostics.js')) ? await import(entry('diagnostics.js')) : {};
  return { ...(await import(entry('index.js'))), ...diagnostics };
}
const builds = {
  old: await loadBuild(oldDir),
  new: { ...(await import('webgrad')), ...(await import('webgrad/diagnostics')) },
};
const { randomSymmetric } = await import('./lib/randomSymmetric.mjs');
const random = randomSymmetric(n, n);
let hamiltonian;
{
  const wg = builds.new;
  await wg.init({ backend: 'cpu' });
  hamiltonian = await wg.noGrad(() => wg.hamiltonian1d({ kappa: 1, L: 10, nx: n })).H.data();
}
let adapter = '';
for (const wg of Object.values(builds)) adapter = (await wg.init({ backend: 'webgpu' })).adapter;

async function solve(wg, data) {
  const a = wg.tensor(data, { shape: [n, n] });
  const [t0, c0] = [performance.now(), process.cpuUsage()];
  const [w, v] = wg.eigh(a);
  await w.data();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const dispatches = wg.jacobiStats.dispatches;
  w.dispose();
  v.dispose();
  a.dispose();
  return { ms, cpuMs: (c.user + c.system) / 1000, dispatches };
}

console.log(`eigh at n = ${n} on ${adapter}, builds alternating in one process (old: ${oldDir}); mean of ${reps} after a compile run`);
console.log('\n| matrix | old: wall | new: wall | old / new | old: CPU | new: CPU | old / new | dispatches old → new |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, data] of [
  ['random', random],
  ['H(κ=1)', hamiltonian],
]) {
  const times = { old: [], new: [] };
  const cpu = { old: [], new: [] };
  const dispatches = {};
  for (const [k, wg] of Object.entries(builds)) dispatches[k] = (await solve(wg, data)).dispatches;
  for (let r = 0; r < reps; r++) {
    for (const [k, wg] of Object.entries(builds)) {
      const r = await solve(wg, data);
      times[k].push(r.ms);
      cpu[k].push(r.cpuMs);
    }
  }
  const mean = (xs) => xs.reduce((x, y) => x + y, 0) / xs.length;
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const [o, w, oc, wc] = [mean(times.old), mean(times.new), mean(cpu.old), mean(cpu.new)];
  console.log(
    `| ${name} | ${s(o)} | ${s(w)} | ${(o / w).toFixed(2)}× | ` +
      `${s(oc)} | ${s(wc)} | ${(oc / wc).toFixed(2)}× | ${dispatches.old} → ${dispatches.new} |`,
  );
}
process.exit(0);
