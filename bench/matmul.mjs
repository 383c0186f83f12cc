// matmul throughput: webgrad against tfjs (tfjs-backend-webgpu) in one process on one WebGPU adapter.
// Square n×n @ n×n products at each size: warm-up first (compiles pipelines), then samples that alternate
// between the libraries so both see the same machine load; each sample runs `inner` products back to back
// and reads the last result back (both sides do the same work); the median sample counts.
//
//   npm run build && node bench/matmul.mjs            (SIZES=128,256 SAMPLES=5 to change the plan)
import { create, globals } from 'webgpu';

// One GPU object for both libraries, created before webgrad.init() so it takes navigator.gpu too. SwiftShader
// unless VK_ICD_FILENAMES says otherwise.
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
Object.assign(globalThis, globals);
const gpu = create([]);
globalThis.navigator = { gpu, userAgent: 'node' };

const wg = await import('webgrad');
const tf = await import('@tensorflow/tfjs-core');
await import('@tensorflow/tfjs-backend-webgpu');

const info = await wg.init({ backend: 'webgpu' });
await tf.setBackend('webgpu');
await tf.ready();

const sizes = (process.env.SIZES ?? '128,256,512,1024').split(',').map(Number);
const samples = Number(process.env.SAMPLES ?? 3);
/** Shortest sample worth timing: products per sample are chosen from the warm-up to reach it. */
const minSampleMs = Number(process.env.MIN_SAMPLE_MS ?? 200);

function randomData(n, seed) {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];

/** Each library's `run(inner)`: inner products back to back, then the last one read back. */
function contenders(n) {
  const [ad, bd] = [randomData(n * n, 1), randomData(n * n, 2)];
  const a = wg.tensor(ad, { shape: [n, n] });
  const b = wg.tensor(bd, { shape: [n, n] });
  const ta = tf.tensor2d(ad, [n, n]);
  const tb = tf.tensor2d(bd, [n, n]);
  const webgrad = async (inner) => {
    let last = null;
    for (let i = 0; i < inner; i++) {
      last?.dispose();
      last = wg.matmul(a, b);
    }
    const out = await last.data();
    last.dispose();
    return out;
  };
  const tfjs = async (inner) => {
    let last = null;
    for (let i = 0; i < inner; i++) {
      last?.dispose();
      last = tf.matMul(ta, tb);
    }
    const out = await last.data();
    last.dispose();
    return out;
  };
  const dispose = () => [a, b, ta, tb].forEach((t) => t.dispose());
  return { webgrad, tfjs, dispose };
}

async function timed(run, inner) {
  const t0 = performance.now();
  await run(inner);
  return (performance.now() - t0) / inner;
}

const rows = [];
for (const n of sizes) {
  const c = contenders(n);
  // Warm-up: compiles pipelines, fills buffer pools, and compares the two results.
  const [yw, yt] = [await c.webgrad(1), await c.tfjs(1)];
  let maxDiff = 0;
  for (let i = 0; i < yw.length; i++) maxDiff = Math.max(maxDiff, Math.abs(yw[i] - yt[i]));
  const first = { webgrad: await timed(c.webgrad, 1), tfjs: await timed(c.tfjs, 1) };
  const inner = {
    webgrad: Math.max(1, Math.round(minSampleMs / first.webgrad)),
    tfjs: Math.max(1, Math.round(minSampleMs / first.tfjs)),
  };
  const times = { webgrad: [first.webgrad], tfjs: [first.tfjs] };
  for (let s = 1; s < samples; s++) {
    times.webgrad.push(await timed(c.webgrad, inner.webgrad));
    times.tfjs.push(await timed(c.tfjs, inner.tfjs));
  }
  c.dispose();
  const ms = { webgrad: median(times.webgrad), tfjs: median(times.tfjs) };
  const gflops = (t) => (2 * n ** 3) / (t * 1e6);
  rows.push({
    n: `${n}³`,
    'webgrad ms': ms.webgrad.toFixed(2),
    'webgrad GFLOP/s': gflops(ms.webgrad).toFixed(3),
    'tfjs ms': ms.tfjs.toFixed(2),
    'tfjs GFLOP/s': gflops(ms.tfjs).toFixed(3),
    'webgrad/tfjs': `${(ms.tfjs / ms.webgrad).toFixed(2)}×`,
    'max |Δ|': maxDiff.toExponential(1),
    samples: `${samples}×(${inner.webgrad}|${inner.tfjs})`,
  });
  console.error(`done ${n}`);
}

console.log(`matmul, float32 n×n @ n×n, on ${info.adapter}`);
console.log('webgrad matmul vs @tensorflow/tfjs-backend-webgpu tf.matMul, same adapter, same process;');
console.log('median time per product over samples (products per sample: webgrad|tfjs), each ending in a readback.');
console.table(rows);
process.exit(0);
