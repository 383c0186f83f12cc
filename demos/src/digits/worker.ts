// The digits page's worker: loads the compact MNIST file, trains a 784-128-10 MLP with Adam in
// mini-batches (DataLoader: device-side shuffling), and after each epoch reports the test accuracy, the
// confusion matrix and sample predictions; then classifies digits drawn on the page.
import { argmax, data, init, memory, nn, noGrad, optim, softmax, tensor, Tensor, tidy } from 'webgrad';
import type { Request, Response } from './protocol';

interface WorkerScope {
  postMessage(message: Response, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<Request>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const SAMPLES = 16;

let set: { xTrain: Tensor; yTrain: Tensor; xTest: Tensor; test: data.ImageSet; px: number } | null = null;
const model = new nn.Sequential(new nn.Linear(784, 128, { seed: 1 }), new nn.ReLU(), new nn.Linear(128, 10, { seed: 2 }));
let opt: optim.Adam | null = null;
let step = 0;

async function load(url: string): Promise<Response> {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const all = data.parseImageSet(bytes);
  const [train, test] = data.splitImageSet(all, 8000, data.permutation(all.count, 42));
  const px = all.side * all.side;
  set = {
    xTrain: tensor(train.images, { shape: [train.count, px] }),
    yTrain: tensor(train.labels),
    xTest: tensor(test.images, { shape: [test.count, px] }),
    test,
    px,
  };
  await model.to(set.xTrain.backend.name);
  opt = new optim.Adam(model.parameters(), { lr: 2e-3 });
  return { type: 'ready', init: undefined as never, train: train.count, test: test.count, side: all.side };
}

async function evaluate(epoch: number): Promise<void> {
  const s = set!;
  const predicted = noGrad(() => tidy(() => argmax(model.forward(s.xTest), { axis: 1 })));
  const p = await predicted.data();
  predicted.dispose();
  const confusion = new Array<number>(100).fill(0);
  let correct = 0;
  for (let i = 0; i < p.length; i++) {
    confusion[s.test.labels[i] * 10 + p[i]]++;
    if (p[i] === s.test.labels[i]) correct++;
  }
  const samples = Array.from({ length: SAMPLES }, (_, i) => ({
    pixels: s.test.images.slice(i * s.px, (i + 1) * s.px),
    label: s.test.labels[i],
    predicted: p[i],
  }));
  scope.postMessage({ type: 'epoch', epoch, step, testAccuracy: correct / p.length, confusion, samples, tensors: memory().tensors });
}

async function train(epochs: number): Promise<void> {
  const s = set!;
  const loader = new data.DataLoader(s.xTrain, s.yTrain, { batchSize: 64, seed: 7, dropLast: true });
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let t0 = performance.now();
    let since = 0;
    let loss: Tensor | null = null;
    for (const [xb, yb] of loader.epoch()) {
      loss?.dispose();
      loss = tidy(() => {
        opt!.zeroGrad();
        const l = nn.functional.crossEntropy(model.forward(xb), yb);
        l.backward();
        opt!.step();
        return l;
      });
      xb.dispose();
      yb.dispose();
      step++;
      since++;
      if (step % 25 === 0) {
        const value = await loss.item();
        scope.postMessage({ type: 'progress', step, epoch, loss: value, msPerStep: (performance.now() - t0) / since });
        t0 = performance.now();
        since = 0;
      }
    }
    loss?.dispose();
    await evaluate(epoch);
  }
  scope.postMessage({ type: 'done' });
}

async function classify(pixels: Float32Array): Promise<number[]> {
  const probs = noGrad(() => tidy(() => softmax(model.forward(tensor(pixels, { shape: [1, pixels.length] })), 1)));
  const p = Array.from(await probs.data());
  probs.dispose();
  return p;
}

scope.onmessage = async ({ data: req }) => {
  try {
    if (req.type === 'init') {
      const r = await init({ backend: req.backend });
      const ready = await load(req.url);
      scope.postMessage({ ...(ready as Extract<Response, { type: 'ready' }>), init: r });
    } else if (req.type === 'train') {
      await train(req.epochs);
    } else if (req.type === 'classify') {
      scope.postMessage({ type: 'classified', probabilities: await classify(req.pixels) });
    }
  } catch (e) {
    scope.postMessage({ type: 'error', message: (e as Error)?.stack ?? String(e) });
  }
};
