// How waiting for the GPU in Node costs: webgrad's WebGPU eigh on the random n×n matrix of bench/eigh.mjs
// and the Hamiltonian H(κ = 1), with Dawn's own polling ('spin': back-to-back setImmediate) and webgrad's
// default ('backoff': 1 ms timers after 2 ms), alternating in one process so the machine's drift hits both.
// Each time is one eigh with its eigenvalues read back; the process's CPU time beside it (user + system,
// Dawn's and SwiftShader's threads included).
//
// Run: npm run build && node bench/polling.mjs [--n 500] [--reps 3]
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

const { eigh, hamiltonian1d, init, noGrad, tensor } = await import('webgrad');
const { randomSymmetric } = await import('./lib/randomSymmetric.mjs'); // bench/eigh.mjs's matrix

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const n = Number(option('--n', '500'));
const reps = Number(option('--reps', '3'));

const info = await init({ backend: 'webgpu' });
const matrices = {
  random: tensor(randomSymmetric(n, n), { shape: [n, n] }),
  'H(κ=1)': noGrad(() => hamiltonian1d({ kappa: 1, L: 10, nx: n }).H),
};
const solve = async (a) => {
  const [w, v] = eigh(a);
  await w.data();
  w.dispose();
  v.dispose();
};
const modes = ['spin', 'backoff'];
const mean = (xs) => xs.reduce((x, y) => x + y, 0) / xs.length;

console.log(`Dawn polling while webgrad's eigh waits, n = ${n}, on ${info.adapter}; mean of ${reps} per mode, alternating, after a compile run`);
console.log('\n| matrix | spin: wall | spin: CPU | backoff: wall | backoff: CPU | spin / backoff wall |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [name, a] of Object.entries(matrices)) {
  await solve(a);
  const wall = { spin: [], backoff: [] };
  const cpu = { spin: [], backoff: [] };
  for (let r = 0; r < reps; r++) {
    for (const mode of modes) {
      await init({ backend: 'webgpu', dawnPolling: mode });
      const [t0, c0] = [performance.now(), process.cpuUsage()];
      await solve(a);
      const c = process.cpuUsage(c0);
      wall[mode].push(performance.now() - t0);
      cpu[mode].push((c.user + c.system) / 1000);
    }
  }
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const row = modes.flatMap((m) => [s(mean(wall[m])), s(mean(cpu[m]))]);
  console.log(`| ${name} | ${row.join(' | ')} | ${(mean(wall.spin) / mean(wall.backoff)).toFixed(2)}× |`);
}
process.exit(0);
