// The playground's worker: builds the dataset and the MLP, trains full-batch in chunks of steps, and after
// each chunk sends the loss, the accuracy and the model's class over a grid of the plane (the heatmap).
import { argmax, data, eq, init, max, memory, nn, noGrad, optim, softmax, tensor, Tensor, tidy } from 'webgrad';
import { Config, GRID, LIMIT, Request, Response } from './protocol';

interface WorkerScope {
  postMessage(message: Response, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<Request>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const STEPS_PER_CHUNK = 10;

const ACTIVATIONS = { relu: nn.ReLU, tanh: nn.Tanh, sigmoid: nn.Sigmoid, gelu: nn.GELU, silu: nn.SiLU };

interface Run {
  model: nn.Sequential;
  opt: optim.Optimizer;
  x: Tensor;
  y: Tensor;
  gridPoints: Tensor;
  step: number;
}
let run: Run | null = null;
let running = false;
let timer: ReturnType<typeof setTimeout> | null = null;

function gridPoints(): Tensor {
  const pts = new Float32Array(GRID * GRID * 2);
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      const i = r * GRID + c;
      pts[2 * i] = -LIMIT + ((c + 0.5) / GRID) * 2 * LIMIT;
      pts[2 * i + 1] = LIMIT - ((r + 0.5) / GRID) * 2 * LIMIT;
    }
  }
  return tensor(pts, { shape: [GRID * GRID, 2] });
}

function reset(config: Config): void {
  if (run) {
    run.model.dispose();
    run.opt.dispose();
    [run.x, run.y, run.gridPoints].forEach((t) => t.dispose());
  }
  const set = data[config.dataset]({ n: 300, seed: config.seed });
  const layers: nn.Module[] = [];
  let width = 2;
  config.hidden.forEach((h, i) => {
    layers.push(new nn.Linear(width, h, { seed: config.seed * 31 + i }), new ACTIVATIONS[config.activation]());
    width = h;
  });
  layers.push(new nn.Linear(width, set.classes, { seed: config.seed * 31 + 99 }));
  const model = new nn.Sequential(...layers);
  const params = model.parameters();
  const opt =
    config.optimizer === 'sgd'
      ? new optim.SGD(params, { lr: config.lr, momentum: 0.9 })
      : config.optimizer === 'adamw'
        ? new optim.AdamW(params, { lr: config.lr })
        : new optim.Adam(params, { lr: config.lr });
  const [x, y] = data.toTensors(set);
  run = { model, opt, x, y, gridPoints: gridPoints(), step: 0 };
  scope.postMessage({ type: 'dataset', x: set.x, y: set.y, classes: set.classes });
}

async function chunk(steps = STEPS_PER_CHUNK): Promise<void> {
  timer = null;
  const r = run;
  if (!r) return;
  const t0 = performance.now();
  let loss: Tensor | null = null;
  for (let i = 0; i < steps; i++) {
    loss?.dispose();
    loss = tidy(() => {
      r.opt.zeroGrad();
      const l = nn.functional.crossEntropy(r.model.forward(r.x), r.y);
      l.backward();
      r.opt.step();
      return l;
    });
  }
  r.step += steps;
  const [correct, cls, conf] = noGrad(() =>
    tidy(() => {
      const p = softmax(r.model.forward(r.gridPoints), 1);
      return [eq(argmax(r.model.forward(r.x), { axis: 1 }), r.y).sum(), argmax(p, { axis: 1 }), max(p, { axis: 1 })];
    }),
  );
  // Step 0: the loss of the untrained model, without a step.
  loss ??= noGrad(() => tidy(() => nn.functional.crossEntropy(r.model.forward(r.x), r.y)));
  const [lossValue, correctValue, grid, confidence] = await Promise.all([loss.item(), correct.item(), cls.data(), conf.data()]);
  [loss, correct, cls, conf].forEach((t) => t.dispose());
  if (run !== r) return; // reset while reading back
  const msPerStep = steps > 0 ? (performance.now() - t0) / steps : 0;
  scope.postMessage(
    { type: 'snapshot', step: r.step, loss: lossValue, accuracy: correctValue / r.y.size, grid, confidence, msPerStep, tensors: memory().tensors },
    [grid.buffer, confidence.buffer],
  );
  if (running) timer = setTimeout(() => void chunk().catch(fail), 0);
}

function fail(e: unknown): void {
  running = false;
  scope.postMessage({ type: 'error', message: (e as Error)?.stack ?? String(e) });
}

scope.onmessage = async ({ data: req }) => {
  try {
    if (req.type === 'init') {
      scope.postMessage({ type: 'ready', init: await init({ backend: req.backend }) });
    } else if (req.type === 'reset') {
      running = false;
      reset(req.config);
      await chunk(0); // the untrained model's picture
    } else if (req.type === 'train') {
      running = req.running;
      if (running && !timer) timer = setTimeout(() => void chunk().catch(fail), 0);
    }
  } catch (e) {
    fail(e);
  }
};
