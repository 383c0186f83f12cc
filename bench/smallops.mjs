// CPU cost per op on small tensors, where training small networks is dispatch-bound: webgrad beside tfjs
// (@tensorflow/tfjs-backend-webgpu) and jax-js, all on WebGPU, same adapter, same process. Each row times
// N calls back to back (results disposed), without waiting for the GPU, then drains the queue once outside
// the timing: µs of host time per call, what a training loop pays before the GPU does anything.
// Rows: add of two [64]; a [64, 64] matmul; and their backward: grad of sum(a + b) and of sum(a @ b)
// with respect to both inputs (webgrad: forward, backward and the two gradients; tfjs: tf.grads; jax-js:
// jax.grad with argnums [0, 1], eager).
//
// Run: npm run build && node bench/smallops.mjs [--n 2000] [--reps 3] [--only webgrad]
// Profile: node --cpu-prof --cpu-prof-dir=/tmp/prof bench/smallops.mjs --only webgrad (docs/dispatch.md).
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]), userAgent: 'node' }, configurable: true, writable: true });

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const N = Number(option('--n', '2000'));
const reps = Number(option('--reps', '3'));
const only = option('--only', 'webgrad,tfjs,jax-js').split(',');

const random = (size, seed) => Float32Array.from({ length: size }, (_, i) => Math.sin(seed * 1000 + i * 12.9898) * 0.5);

/** Each library: setup() → { ops: { row: () => void }, drain: async () => void }. */
const libraries = {
  async webgrad() {
    const wg = await import('webgrad');
    const info = await wg.init({ backend: 'webgpu' });
    const gpu = (await import('webgrad/diagnostics')).getWebGPUBackend();
    const a64 = wg.tensor(random(64, 1), { requiresGrad: true });
    const b64 = wg.tensor(random(64, 2), { requiresGrad: true });
    const a = wg.tensor(random(4096, 3), { shape: [64, 64], requiresGrad: true });
    const b = wg.tensor(random(4096, 4), { shape: [64, 64], requiresGrad: true });
    // In tidy, as a training step would be: the forward's intermediates go back to the pool at once.
    const backward = (x, y, f) =>
      wg.tidy(() => {
        f(x, y).sum().backward();
        x.grad.dispose();
        y.grad.dispose();
        x.grad = null;
        y.grad = null;
      });
    return {
      adapter: info.adapter,
      ops: {
        'add [64]': () => wg.noGrad(() => a64.add(b64)).dispose(),
        'matmul [64,64]': () => wg.noGrad(() => a.matmul(b)).dispose(),
        'add [64], forward + backward': () => backward(a64, b64, (x, y) => x.add(y)),
        'matmul [64,64], forward + backward': () => backward(a, b, (x, y) => x.matmul(y)),
      },
      drain: () => gpu.sync(),
    };
  },
  async tfjs() {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-webgpu');
    await tf.setBackend('webgpu');
    await tf.ready();
    // tfjs-core's Node bundle registers no gradients (the tfjs package does, from ESM files Node cannot
    // load here): the three this bench needs, as tfjs defines them (shapes equal, so no broadcast sums).
    tf.registerGradient({ kernelName: 'Add', inputsToSave: [], gradFunc: (dy) => ({ a: () => dy.clone(), b: () => dy.clone() }) });
    tf.registerGradient({
      kernelName: 'Sum',
      inputsToSave: ['x'],
      gradFunc: (dy, [x]) => ({
        x: () =>
          tf.mul(
            tf.reshape(
              dy,
              x.shape.map(() => 1),
            ),
            tf.onesLike(x),
          ),
      }),
    });
    tf.registerGradient({
      kernelName: 'BatchMatMul',
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, [a, b]) => ({ a: () => tf.matMul(dy, b, false, true), b: () => tf.matMul(a, dy, true, false) }),
    });
    const a64 = tf.tensor1d(random(64, 1));
    const b64 = tf.tensor1d(random(64, 2));
    const a = tf.tensor2d(random(4096, 3), [64, 64]);
    const b = tf.tensor2d(random(4096, 4), [64, 64]);
    const addGrads = tf.grads((x, y) => tf.sum(tf.add(x, y)));
    const matmulGrads = tf.grads((x, y) => tf.sum(tf.matMul(x, y)));
    return {
      adapter: 'tfjs webgpu',
      ops: {
        'add [64]': () => tf.add(a64, b64).dispose(),
        'matmul [64,64]': () => tf.matMul(a, b).dispose(),
        'add [64], forward + backward': () => tf.dispose(addGrads([a64, b64])),
        'matmul [64,64], forward + backward': () => tf.dispose(matmulGrads([a, b])),
      },
      drain: async () => {
        const t = tf.add(a64, b64);
        await t.data();
        t.dispose();
      },
    };
  },
  async 'jax-js'() {
    const jax = await import('@jax-js/jax');
    const devices = await jax.init('webgpu');
    if (!devices.includes('webgpu')) throw new Error('jax-js: no webgpu device');
    const np = jax.numpy;
    const array = (data, shape) => np.array(data, { shape, device: 'webgpu' });
    const a64 = array(random(64, 1), [64]);
    const b64 = array(random(64, 2), [64]);
    const a = array(random(4096, 3), [64, 64]);
    const b = array(random(4096, 4), [64, 64]);
    const addGrad = jax.grad((x, y) => np.sum(np.add(x, y)), { argnums: [0, 1] });
    const matmulGrad = jax.grad((x, y) => np.sum(np.matmul(x, y)), { argnums: [0, 1] });
    const drop = (gs) => gs.forEach((g) => g.dispose());
    return {
      adapter: 'jax-js webgpu',
      ops: {
        'add [64]': () => np.add(a64.ref, b64.ref).dispose(),
        'matmul [64,64]': () => np.matmul(a.ref, b.ref).dispose(),
        'add [64], forward + backward': () => drop(addGrad(a64.ref, b64.ref)),
        'matmul [64,64], forward + backward': () => drop(matmulGrad(a.ref, b.ref)),
      },
      drain: async () => {
        const t = np.add(a64.ref, b64.ref);
        await t.blockUntilReady();
        t.dispose();
      },
    };
  },
};

const results = {};
let adapter = '';
for (const name of only) {
  const lib = await libraries[name]();
  adapter ||= lib.adapter;
  results[name] = {};
  for (const [row, op] of Object.entries(lib.ops)) {
    for (let i = 0; i < N; i++) op(); // warm-up: pipelines compiled, pools filled, the JIT tiered up
    await lib.drain();
    const times = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      for (let i = 0; i < N; i++) op();
      times.push(((performance.now() - t0) * 1000) / N);
      await lib.drain();
    }
    results[name][row] = times.sort((x, y) => x - y)[Math.floor(times.length / 2)];
  }
}

const rows = Object.keys(results[only[0]]);
console.log(`Host µs per call on small tensors, ${N} calls back to back, median of ${reps}; on ${adapter}`);
console.log(`\n| op | ${only.join(' | ')} |`);
console.log(`|---|${only.map(() => '---:').join('|')}|`);
for (const row of rows) console.log(`| ${row} | ${only.map((name) => results[name][row].toFixed(1)).join(' | ')} |`);
process.exit(0);
