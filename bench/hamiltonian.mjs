// `webgrad hamiltonian` end to end at nx = 500 on WebGPU and on the CPU reference: build H(κ), eigh, E0 and
// the gap, and both κ-derivatives by backward through the one eigh (the code path of the CLI, solveKappa).
// In-process phase times (mean over κ = 0, 1, 5, after one warm-up solve that compiles the kernels), then the
// wall clock of the command itself (`node bin/webgrad.js hamiltonian --kappa 1 --json`: process start, adapter,
// compilation and all).
//
// Run: npm run build && node bench/hamiltonian.mjs [--nx 500] [--kappas 0,1,5] [--no-cli]
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { init } from 'webgrad';
import { solveKappa } from '../dist/cli.js';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const nx = Number(option('--nx', '500'));
const kappas = option('--kappas', '0,1,5').split(',').map(Number);
const L = 10;

const dispose = (s) => [s.H, s.x, s.potential, s.bump, s.energies, s.states, s.E0, s.gap, s.kappa].forEach((t) => t.dispose());
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

const results = {};
for (const backend of ['webgpu', 'cpu']) {
  const info = await init({ backend });
  dispose((await solveKappa(0.5, L, nx)).spectrum); // warm-up: kernel compilation, buffer pool
  const runs = [];
  for (const kappa of kappas) {
    const r = await solveKappa(kappa, L, nx);
    dispose(r.spectrum);
    runs.push(r);
  }
  const phase = (k) => mean(runs.map((r) => r.ms[k]));
  results[backend] = { adapter: info.adapter, build: phase('build'), eigh: phase('eigh'), backward: phase('backward'), total: phase('total'), runs };
}

const cliWall = {};
if (!args.includes('--no-cli')) {
  const bin = fileURLToPath(new URL('../bin/webgrad.js', import.meta.url));
  for (const backend of ['webgpu', 'cpu']) {
    const t0 = performance.now();
    execFileSync(process.execPath, [bin, 'hamiltonian', '--kappa', '1', '--nx', String(nx), '--backend', backend, '--json'], { stdio: 'ignore' });
    cliWall[backend] = performance.now() - t0;
  }
}

const ms = (v) => (v === undefined ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
const [g, c] = [results.webgpu, results.cpu];
console.log(`webgrad hamiltonian end to end, L = ${L}, nx = ${nx}, κ = ${kappas.join(', ')} (mean per κ after a warm-up solve)`);
console.log(`WebGPU: ${g.adapter}; CPU: ${c.adapter}`);
console.log('');
console.log('| phase | WebGPU | CPU reference | CPU / WebGPU |');
console.log('|---|---:|---:|---:|');
for (const [name, k] of [
  ['build H', 'build'],
  ['eigh + read E0, gap', 'eigh'],
  ['backward ×2 (dE0/dκ, dgap/dκ)', 'backward'],
  ['total', 'total'],
]) {
  console.log(`| ${name} | ${ms(g[k])} | ${ms(c[k])} | ${(c[k] / g[k]).toFixed(2)}× |`);
}
if (cliWall.webgpu !== undefined) {
  console.log(
    `| \`webgrad hamiltonian --kappa 1 --json\` (whole process) | ` +
      `${ms(cliWall.webgpu)} | ${ms(cliWall.cpu)} | ${(cliWall.cpu / cliWall.webgpu).toFixed(2)}× |`,
  );
}
console.log('');
console.log('| κ | backend | E0 | gap | dE0/dκ | dgap/dκ |');
console.log('|---:|---|---:|---:|---:|---:|');
for (const [backend, r] of Object.entries(results)) {
  for (const run of r.runs) {
    console.log(
      `| ${run.kappa} | ${backend} | ${run.E0.toFixed(7)} | ${run.gap.toFixed(7)} | ${run.dE0_dkappa.toFixed(7)} | ${run.dgap_dkappa.toFixed(7)} |`,
    );
  }
}
process.exit(0);
