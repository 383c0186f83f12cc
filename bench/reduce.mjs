// Reduction throughput on WebGPU: GB/s = input bytes read / time per reduction (median of `reps` synced
// calls after 2 warm-ups that also compile the pipelines). Beside it, jax-js (jitted) doing the same
// reductions on the same adapter in the same process, and the ratio of the times. On SwiftShader (a CPU)
// the ratio says little about GPUs: jax-js runs the full sum as one 16-invocation workgroup and rows as
// one invocation per row (few barriers suit a CPU), while webgrad spreads the work for a GPU's many cores.
//
// Run: npm run build && node bench/reduce.mjs [--reps N] [--quick] [--no-jax]
// (--quick skips the 2^24-element case.)
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

import { create, globals } from 'webgpu';

// One navigator.gpu for both libraries: jax-js reads it, and webgrad's init() takes it when present.
Object.assign(globalThis, globals);
Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]), userAgent: 'node' }, configurable: true, writable: true });

const { argmax, init, logsumexp, max, rand, sum } = await import('webgrad');
const { getWebGPUBackend } = await import('webgrad/diagnostics');

const args = process.argv.slice(2);
const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 5;
const quick = args.includes('--quick');
const withJax = !args.includes('--no-jax');

const info = await init({ backend: 'webgpu' });
const gpu = getWebGPUBackend();
let jax = null;
if (withJax) {
  const mod = await import('@jax-js/jax');
  if ((await mod.init('webgpu')).includes('webgpu')) jax = mod;
}

const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1];

/** A timed call of webgrad's reduction: recorded, then synced. */
async function runWebgrad(f, x) {
  const t0 = performance.now();
  f(x).dispose();
  await gpu.sync();
  return performance.now() - t0;
}

/** A timed call of a jitted jax-js reduction (each call consumes its argument, hence `.ref`). */
async function runJax(jf, X) {
  const t0 = performance.now();
  const y = jf(X.ref);
  await y.blockUntilReady();
  const ms = performance.now() - t0;
  y.dispose();
  return ms;
}

/**
 * Median ms per reduction for webgrad and jax-js, after 2 warm-up calls each (they compile the pipelines).
 * The two alternate call by call, so load from other processes on this machine hits both alike.
 */
async function timeBoth(c, x) {
  const X = jax && c.theirs ? jax.numpy.array(await x.data(), { shape: c.shape, device: 'webgpu' }) : null;
  const jf = X ? jax.jit(c.theirs) : null;
  const ours = [];
  const theirs = [];
  for (let i = 0; i < reps + 2; i++) {
    const a = await runWebgrad(c.ours, x);
    const b = jf ? await runJax(jf, X) : undefined;
    if (i < 2) continue;
    ours.push(a);
    if (b !== undefined) theirs.push(b);
  }
  X?.dispose();
  jf?.dispose?.();
  return { ours: median(ours), theirs: theirs.length ? median(theirs) : undefined };
}

const cases = [
  { name: 'sum, all elements', shape: [2 ** 22], ours: (x) => sum(x), theirs: (x) => jax.numpy.sum(x) },
  { name: 'sum, all elements', shape: [2 ** 24], ours: (x) => sum(x), theirs: (x) => jax.numpy.sum(x), slow: true },
  { name: 'sum over axis 1 (rows)', shape: [4096, 1024], ours: (x) => sum(x, { axis: 1 }), theirs: (x) => jax.numpy.sum(x, 1) },
  { name: 'sum over axis 0 (columns)', shape: [1024, 4096], ours: (x) => sum(x, { axis: 0 }), theirs: (x) => jax.numpy.sum(x, 0) },
  { name: 'max, all elements', shape: [2 ** 22], ours: (x) => max(x), theirs: (x) => jax.numpy.max(x) },
  { name: 'argmax, all elements', shape: [2 ** 22], ours: (x) => argmax(x), theirs: (x) => jax.numpy.argmax(x) },
  { name: 'logsumexp over axis 1', shape: [4096, 1024], ours: (x) => logsumexp(x, { axis: 1 }), theirs: null },
];

const gbs = (n, ms) => ((n * 4) / (ms * 1e-3) / 1e9).toFixed(2);
console.log(`Reductions on ${info.adapter}: median of ${reps} synced calls after 2 warm-ups; GB/s = input bytes / time`);
console.log(jax ? 'jax-js: jitted, same adapter, same process' : 'jax-js: skipped');
console.log('');
console.log('| reduction | shape | webgrad ms | webgrad GB/s | jax-js ms | jax-js GB/s | jax-js / webgrad |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const c of cases) {
  if (quick && c.slow) continue;
  const x = rand(c.shape, { seed: 1 });
  const { ours, theirs } = await timeBoth(c, x);
  const cols = theirs === undefined ? ['—', '—', '—'] : [theirs.toFixed(2), gbs(x.size, theirs), `${(theirs / ours).toFixed(2)}×`];
  console.log(`| ${c.name} | [${c.shape.join(', ')}] | ${ours.toFixed(2)} | ${gbs(x.size, ours)} | ${cols.join(' | ')} |`);
  x.dispose();
}
process.exit(0);
