// One training step of a 784-256-256-10 MLP at batch 128 — forward, cross-entropy, backward, Adam — in
// webgrad, tfjs (tfjs-backend-webgpu, tf.train.adam with optimizer.minimize) and jax-js (a jitted step:
// valueAndGrad plus the same Adam written in jax-js ops), in one process on one WebGPU adapter.
// Each library: warm-up steps (pipeline compiles), then samples of `steps` steps ending in a readback of the
// loss, alternating between libraries; the median sample counts. Dispatches per step are counted for every
// library alike, by wrapping GPUComputePassEncoder.dispatchWorkgroups.
//
//   npm run build && node bench/train.mjs [--steps 20] [--samples 3] [--long 0] [--no-jax] [--no-tfjs]
//   --long N also runs N webgrad steps and prints memory() before and after (flat memory).
import { create, globals } from 'webgpu';

process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
Object.assign(globalThis, globals);
const gpuObject = create([]);
globalThis.navigator = { gpu: gpuObject, userAgent: 'node' };

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const flag = (name) => process.argv.includes(`--${name}`);
const STEPS = arg('steps', 20);
const SAMPLES = arg('samples', 3);
const LONG = arg('long', 0);
const [IN, H, OUT, B] = [784, 256, 10, 128];

const wg = await import('webgrad');
const info = await wg.init({ backend: 'webgpu' });
const { getWebGPUBackend } = await import('webgrad/diagnostics');
const gpu = getWebGPUBackend();

// Count every library's dispatches in one place.
let dispatches = 0;
{
  const pass = gpu.device.createCommandEncoder().beginComputePass();
  const proto = Object.getPrototypeOf(pass);
  const original = proto.dispatchWorkgroups;
  proto.dispatchWorkgroups = function (...args) {
    dispatches++;
    return original.apply(this, args);
  };
  pass.end();
}

function randomData(n, seed) {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}
const xData = randomData(B * IN, 1);
const labels = Float32Array.from({ length: B }, (_, i) => (i * 7) % OUT);
const oneHot = new Float32Array(B * OUT);
labels.forEach((c, i) => (oneHot[i * OUT + c] = 1));
/** Initial weights shared by all three ([in, out] layout; webgrad takes the transpose). */
const init = [
  [IN, H],
  [H, H],
  [H, OUT],
].map(([i, o], k) => ({ w: randomData(i * o, 10 + k).map((v) => (v * 2) / Math.sqrt(i)), b: new Float32Array(o), i, o }));
const transpose = (a, rows, cols) => {
  const t = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
  return t;
};
const LR = 1e-3;

// ---- webgrad ----
function webgradLib() {
  const { nn, optim, tensor, tidy } = wg;
  const layers = init.map(({ w, b, i, o }) => {
    const lin = new nn.Linear(i, o);
    lin.loadStateDict({ weight: { shape: [o, i], data: Array.from(transpose(w, i, o)) }, bias: { shape: [o], data: Array.from(b) } });
    return lin;
  });
  const model = new nn.Sequential(layers[0], new nn.ReLU(), layers[1], new nn.ReLU(), layers[2]);
  const opt = new optim.Adam(model.parameters(), { lr: LR });
  const x = tensor(xData, { shape: [B, IN] });
  const y = tensor(labels);
  let loss = null;
  return {
    name: 'webgrad',
    step() {
      loss?.dispose();
      loss = tidy(() => {
        opt.zeroGrad();
        const l = nn.functional.crossEntropy(model.forward(x), y);
        l.backward();
        opt.step();
        return l;
      });
    },
    read: () => loss.item(),
  };
}

// ---- tfjs ----
async function tfjsLib() {
  const tf = await import('@tensorflow/tfjs-core');
  await import('./lib/tfjsGradients.mjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  await tf.setBackend('webgpu');
  await tf.ready();
  const vars = init.map(({ w, b, i, o }) => [tf.variable(tf.tensor2d(w, [i, o])), tf.variable(tf.tensor1d(b))]);
  const x = tf.tensor2d(xData, [B, IN]);
  const y = tf.tensor2d(oneHot, [B, OUT]);
  const opt = tf.train.adam(LR);
  let loss = null;
  return {
    name: 'tfjs',
    version: tf.version_core,
    step() {
      loss?.dispose();
      loss = opt.minimize(() => {
        let h = x;
        vars.forEach(([w, b], k) => {
          h = tf.add(tf.matMul(h, w), b);
          if (k < 2) h = tf.relu(h);
        });
        return tf.losses.softmaxCrossEntropy(y, h);
      }, true);
    },
    read: async () => (await loss.data())[0],
  };
}

// ---- jax-js ----
async function jaxLib() {
  const jax = await import('@jax-js/jax');
  const devices = await jax.init('webgpu');
  if (!devices.includes('webgpu')) return null;
  const np = jax.numpy;
  const arr = (a, shape) => np.array(a, { shape, device: 'webgpu' });
  let params = init.flatMap(({ w, b, i, o }) => [arr(w, [i, o]), arr(b, [o])]);
  let m = init.flatMap(({ i, o }) => [np.zeros([i, o], { device: 'webgpu' }), np.zeros([o], { device: 'webgpu' })]);
  let v = init.flatMap(({ i, o }) => [np.zeros([i, o], { device: 'webgpu' }), np.zeros([o], { device: 'webgpu' })]);
  const x = arr(xData, [B, IN]);
  const y = arr(oneHot, [B, OUT]);
  const lossFn = (p, xs, ys) => {
    let h = xs;
    for (let k = 0; k < 3; k++) {
      h = np.matmul(h, p[2 * k]).add(p[2 * k + 1]);
      if (k < 2) h = jax.nn.relu(h);
    }
    return np.mean(np.sum(jax.nn.logSoftmax(h, -1).mul(ys), -1)).neg();
  };
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  // PyTorch's Adam: p − (lr / bc1) · m / (√v / √bc2 + ε); stepSize = lr / bc1 and bc2Sqrt arrive as arrays.
  const step = jax.jit((p, ms, vs, xs, ys, stepSize, bc2Sqrt) => {
    const [l, g] = jax.valueAndGrad(lossFn)(
      p.map((pi) => pi.ref),
      xs,
      ys,
    );
    const newM = ms.map((mi, k) => mi.mul(b1).add(g[k].ref.mul(1 - b1)));
    const newV = vs.map((vi, k) => vi.mul(b2).add(g[k].ref.mul(g[k]).mul(1 - b2)));
    const newP = p.map((pi, k) => pi.sub(newM[k].ref.mul(stepSize.ref).div(np.sqrt(newV[k].ref).div(bc2Sqrt.ref).add(eps))));
    stepSize.dispose();
    bc2Sqrt.dispose();
    return [l, newP, newM, newV];
  });
  let t = 0;
  let loss = null;
  return {
    name: 'jax-js',
    step() {
      t++;
      loss?.dispose();
      const out = step(params, m, v, x.ref, y.ref, np.array(LR / (1 - b1 ** t)), np.array(Math.sqrt(1 - b2 ** t)));
      [loss, params, m, v] = out;
    },
    read: async () => (await loss.ref.data())[0],
  };
}

const libs = [webgradLib()];
if (!flag('no-tfjs')) libs.push(await tfjsLib());
if (!flag('no-jax')) {
  const j = await jaxLib();
  if (j) libs.push(j);
}

const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
const results = new Map(libs.map((l) => [l.name, { times: [], dispatches: 0, losses: [] }]));

// Warm-up (compiles), counting one step's dispatches.
for (const lib of libs) {
  for (let i = 0; i < 3; i++) lib.step();
  await lib.read();
  const d0 = dispatches;
  lib.step();
  await lib.read();
  results.get(lib.name).dispatches = dispatches - d0;
}
for (let s = 0; s < SAMPLES; s++) {
  for (const lib of libs) {
    const t0 = performance.now();
    for (let i = 0; i < STEPS; i++) lib.step();
    const l = await lib.read();
    results.get(lib.name).times.push((performance.now() - t0) / STEPS);
    results.get(lib.name).losses.push(l);
  }
}

console.log(
  `adapter: ${info.adapter}; ${IN}-${H}-${H}-${OUT} MLP, batch ${B}, Adam lr ${LR}; ${SAMPLES} samples of ${STEPS} steps (median), same process`,
);
console.log('| library | ms / step | dispatches / step | loss after the run | ms / webgrad ms |');
console.log('|---|---|---|---|---|');
const ours = median(results.get('webgrad').times);
for (const lib of libs) {
  const r = results.get(lib.name);
  const ms = median(r.times);
  console.log(
    `| ${lib.name}${lib.version ? ` ${lib.version}` : ''} | ${ms.toFixed(2)} | ${r.dispatches} | ` +
      `${r.losses.at(-1).toFixed(4)} | ${(ms / ours).toFixed(2)} |`,
  );
}

if (LONG > 0) {
  const lib = libs[0];
  lib.step();
  await lib.read();
  const before = wg.memory();
  const t0 = performance.now();
  for (let i = 0; i < LONG; i++) {
    lib.step();
    if (i % 500 === 499) await lib.read();
  }
  const l = await lib.read();
  const after = wg.memory();
  console.log(
    `webgrad, ${LONG} more steps in ${((performance.now() - t0) / 1000).toFixed(1)} s (loss ${l.toFixed(4)}): ` +
      `memory() before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`,
  );
}
process.exit(0);
