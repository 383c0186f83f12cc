// Training playground: the page holds the controls and draws; the worker trains and sends snapshots.
import { requestedBackend, showBackend, showBackendError } from '../badge';
import { fmt, ms } from '../format';
import { Plot } from '../plot';
import { Config, GRID, LIMIT, Request, Response, Snapshot } from './protocol';

const $ = <T extends HTMLElement = HTMLElement>(sel: string): T => document.querySelector<T>(sel)!;
const byTestId = (id: string): HTMLElement => $(`[data-testid="${id}"]`);
const COLORS: [number, number, number][] = [
  [47, 95, 208],
  [194, 65, 12],
  [21, 128, 61],
  [126, 34, 206],
];

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const post = (r: Request): void => worker.postMessage(r);
let running = false;
let points: { x: Float32Array; y: Float32Array } | null = null;
const history = { step: [] as number[], loss: [] as number[], accuracy: [] as number[] };

const lossPlot = new Plot($('#plot-loss'), {
  xLabel: 'step',
  yLabel: 'loss',
  series: [{ label: 'cross-entropy', stroke: '#c2410c' }],
  logY: true,
  height: 220,
});
const accPlot = new Plot($('#plot-accuracy'), {
  xLabel: 'step',
  yLabel: 'accuracy',
  series: [{ label: 'training accuracy', stroke: '#15803d' }],
  height: 220,
  yRange: () => [0, 1],
});

function config(): Config {
  const hidden = $<HTMLInputElement>('#hidden')
    .value.split(/[,\s]+/)
    .filter(Boolean)
    .map(Number)
    .filter((h) => Number.isInteger(h) && h > 0 && h <= 512);
  const lr = Number($<HTMLInputElement>('#lr').value);
  return {
    dataset: $<HTMLSelectElement>('#dataset').value as Config['dataset'],
    hidden: hidden.length ? hidden.slice(0, 4) : [32, 32],
    activation: $<HTMLSelectElement>('#activation').value as Config['activation'],
    optimizer: $<HTMLSelectElement>('#optimizer').value as Config['optimizer'],
    lr: Number.isFinite(lr) && lr > 0 ? lr : 0.01,
    seed: 1,
  };
}

function setStatus(text: string, state: 'busy' | 'idle'): void {
  const el = $('#status');
  el.textContent = text;
  el.className = `status ${state}`;
  el.dataset.state = state;
}

function setRunning(on: boolean): void {
  running = on;
  $('#train').textContent = on ? 'pause' : 'train';
  post({ type: 'train', running: on });
  setStatus(on ? 'training…' : 'paused', on ? 'busy' : 'idle');
}

function reset(): void {
  running = false;
  $('#train').textContent = 'train';
  history.step = [];
  history.loss = [];
  history.accuracy = [];
  post({ type: 'reset', config: config() });
  setStatus('building the model…', 'busy');
}

function draw(s: Snapshot): void {
  const canvas = $<HTMLCanvasElement>('#boundary');
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(GRID, GRID);
  for (let i = 0; i < GRID * GRID; i++) {
    const [r, g, b] = COLORS[s.grid[i] % COLORS.length];
    const a = Math.max(0, Math.min(1, s.confidence[i]));
    // Blend towards white where the model is unsure.
    const w = 1 - 0.55 * a;
    image.data.set([r + (255 - r) * w, g + (255 - g) * w, b + (255 - b) * w, 255], 4 * i);
  }
  const small = new OffscreenCanvas(GRID, GRID);
  small.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
  if (!points) return;
  const toPx = (v: number, flip: boolean): number => (((flip ? -v : v) + LIMIT) / (2 * LIMIT)) * canvas.width;
  for (let i = 0; i < points.y.length; i++) {
    const [r, g, b] = COLORS[points.y[i] % COLORS.length];
    ctx.beginPath();
    ctx.arc(toPx(points.x[2 * i], false), toPx(points.x[2 * i + 1], true), 4, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fill();
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 1.2;
    ctx.stroke();
  }
}

worker.onmessage = ({ data }: MessageEvent<Response>) => {
  switch (data.type) {
    case 'ready':
      showBackend(data.init, ' · in a Web Worker');
      reset();
      break;
    case 'dataset':
      points = { x: data.x, y: data.y };
      break;
    case 'snapshot': {
      history.step.push(data.step);
      history.loss.push(data.loss);
      history.accuracy.push(data.accuracy);
      lossPlot.set(history.step, [history.loss]);
      accPlot.set(history.step, [history.accuracy]);
      byTestId('step').textContent = String(data.step);
      byTestId('step').dataset.step = String(data.step);
      byTestId('loss').textContent = fmt(data.loss, 4);
      byTestId('accuracy').textContent = `${(100 * data.accuracy).toFixed(1)} %`;
      byTestId('accuracy').dataset.value = String(data.accuracy);
      $('#t-step').textContent = data.msPerStep > 0 ? ms(data.msPerStep) : '–';
      $('#t-tensors').textContent = String(data.tensors);
      draw(data);
      if (!running) setStatus(data.step === 0 ? 'ready: press train' : 'paused', 'idle');
      break;
    }
    case 'error':
      console.error(`webgrad worker: ${data.message}`);
      setStatus(`error: ${data.message.split('\n')[0]}`, 'idle');
      break;
  }
};
worker.onerror = (e) => {
  console.error(`webgrad worker failed: ${e.message}`);
  showBackendError(new Error(e.message));
};

$('#train').addEventListener('click', () => setRunning(!running));
$('#reset').addEventListener('click', reset);
for (const id of ['#dataset', '#hidden', '#activation', '#optimizer', '#lr']) $(id).addEventListener('change', reset);
post({ type: 'init', backend: requestedBackend() });
