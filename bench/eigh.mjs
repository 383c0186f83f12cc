// eigh at n = 64, 128, 256, 500 on two matrices (random symmetric; the Hamiltonian H(κ = 1) at nx = n):
// webgrad's WebGPU Jacobi vs jax-js's WebGPU eigh (same adapter, same process) vs webgrad's CPU reference.
// Each time is one eigh with its results ready (eigenvalues read back, queue drained). Errors are against the
// CPU reference (float64 arithmetic on the same float32 matrix): max_i |Δλ_i| / max_i |λ_i| (normwise, what a
// backward-stable float32 solver bounds by ~n·1e-7), then |Δλ_0| of the lowest eigenvalue in brackets (E0 for H).
//
// Run: npm run build && node bench/eigh.mjs [--sizes 64,128] [--reps N] [--no-jax] [--with-jax-500] [--dawn-polling spin]
// (--dawn-polling: how Dawn's Node bindings wait for the GPU, for both libraries; see init's dawnPolling).
// jax-js at n = 500 took ~148 s per eigh on SwiftShader, so it runs only with --with-jax-500.
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

import { create, globals } from 'webgpu';

// One navigator.gpu for both libraries: jax-js reads it, and webgrad's init() takes it when present.
Object.assign(globalThis, globals);
Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]), userAgent: 'node' }, configurable: true, writable: true });

const { eigh, hamiltonian1d, init, noGrad, tensor } = await import('webgrad');
const { getWebGPUBackend, jacobiStats } = await import('webgrad/diagnostics');
const jax = await import('@jax-js/jax');
const { randomSymmetric } = await import('./lib/randomSymmetric.mjs');

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const sizes = option('--sizes', '64,128,256,500').split(',').map(Number);
const reps = Number(option('--reps', '3'));
const withJax = !flag('--no-jax');
const withJax500 = flag('--with-jax-500');

const dawnPolling = option('--dawn-polling', 'backoff');
const gpuInfo = await init({ backend: 'webgpu', dawnPolling });
const gpu = getWebGPUBackend();
const jaxDevices = withJax ? await jax.init('webgpu') : [];
const jaxOk = jaxDevices.includes('webgpu');

async function hamiltonianMatrix(n) {
  await init({ backend: 'cpu' });
  const h = noGrad(() => hamiltonian1d({ kappa: 1, L: 10, nx: n }));
  const data = await h.H.data();
  await init({ backend: 'webgpu' });
  return data;
}

const now = () => performance.now();
/** [normwise relative error, absolute error of the lowest eigenvalue] of `values` against `ref`. */
const errors = (values, ref) => {
  const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  return [values.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i])), 0) / scale, Math.abs(values[0] - ref[0])];
};

/** Mean ms of `reps` runs of `run()` (after `warm` untimed runs); run() resolves to the eigenvalues. */
async function timeRuns(run, reps, warm) {
  let values;
  for (let i = 0; i < warm; i++) values = await run();
  const t0 = now();
  for (let i = 0; i < reps; i++) values = await run();
  return { ms: (now() - t0) / reps, values };
}

async function webgradGpu(a, n) {
  const A = tensor(a, { shape: [n, n] });
  const before = gpu.stats.dispatches;
  const run = async () => {
    const [w, v] = eigh(A);
    const values = await w.data();
    await gpu.sync();
    w.dispose();
    v.dispose();
    return values;
  };
  const first = await run(); // compiles the pipelines
  const dispatches = gpu.stats.dispatches - before;
  const r = await timeRuns(run, reps, 0);
  A.dispose();
  // Jacobi steps of the last run, and in sweeps' worth.
  return { ...r, dispatches, steps: jacobiStats.lastSteps, sweeps: jacobiStats.lastSteps / Math.max(jacobiStats.stepsPerSweep, 1), first };
}

async function webgradCpu(a, n) {
  await init({ backend: 'cpu' });
  const A = tensor(a, { shape: [n, n] });
  const r = await timeRuns(
    async () => {
      const [w, v] = eigh(A);
      const values = await w.data();
      w.dispose();
      v.dispose();
      return values;
    },
    reps,
    3,
  ); // V8 optimises the hot loops over the first calls
  A.dispose();
  await init({ backend: 'webgpu' });
  return r;
}

async function jaxGpu(a, n) {
  const run = async () => {
    const A = jax.numpy.array(a, { shape: [n, n], device: 'webgpu' });
    const [w, v] = jax.numpy.linalg.eigh(A);
    await v.blockUntilReady();
    v.dispose();
    return Float32Array.from(await w.data());
  };
  // Large n: one cold run (its compile time is small beside the solve); small n: warm up first.
  return n <= 128 ? timeRuns(run, reps, 1) : timeRuns(run, 1, 0);
}

const fmt = (ms) => (ms === undefined ? '—' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const ratio = (a, b) => {
  if (a === undefined || b === undefined) return '—';
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toPrecision(2)}×`;
};
const err = (e) => (e === undefined ? '—' : `${e[0].toExponential(1)} (${e[1].toExponential(1)})`);

console.log(
  `eigh benchmark on ${gpuInfo.adapter}; webgrad WebGPU mean of ${reps} after a compile run, ` +
    `CPU mean of ${reps} after 3 warm-up runs; Dawn polling: ${dawnPolling}`,
);
console.log(jaxOk ? `jax-js ${withJax500 ? '' : '(skipped at n = 500; --with-jax-500 runs it) '}on the same adapter` : 'jax-js: skipped');
console.log('');
console.log(
  '| n | matrix | webgrad WebGPU | steps (sweeps) | dispatches | error (Δλ₀) | ' +
    'jax-js WebGPU | error (Δλ₀) | jax-js / webgrad | CPU reference | CPU / webgrad WebGPU |',
);
console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const n of sizes) {
  for (const [name, make] of [
    ['random', async () => randomSymmetric(n, n)],
    ['H(κ=1)', () => hamiltonianMatrix(n)],
  ]) {
    const a = await make();
    const cpu = await webgradCpu(a, n);
    const ours = await webgradGpu(a, n);
    const runJax = jaxOk && (n < 500 || withJax500);
    const theirs = runJax ? await jaxGpu(a, n) : undefined;
    console.log(
      `| ${n} | ${name} | ${fmt(ours.ms)} | ${ours.steps} (${ours.sweeps.toFixed(1)}) | ${ours.dispatches} | ` +
        `${err(errors(ours.values, cpu.values))} | ${fmt(theirs?.ms)} | ` +
        `${err(theirs && errors(theirs.values, cpu.values))} | ${ratio(theirs?.ms, ours.ms)} | ${fmt(cpu.ms)} | ${ratio(cpu.ms, ours.ms)} |`,
    );
  }
}
process.exit(0);
