// Digits: the page draws what the worker reports (curves, confusion matrix, samples) and turns a drawing
// into a 28×28 digit the way MNIST's were made (fit into 20×20, centred by the centre of mass).
import digitsUrl from '../../../data/mnist-digits.bin?url';
import { requestedBackend, showBackend, showBackendError } from '../badge';
import { fmt, ms } from '../format';
import { Plot } from '../plot';
import type { Request, Response } from './protocol';

const $ = <T extends HTMLElement = HTMLElement>(sel: string): T => document.querySelector<T>(sel)!;
const byTestId = (id: string): HTMLElement => $(`[data-testid="${id}"]`);
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const post = (r: Request, transfer: Transferable[] = []): void => worker.postMessage(r, transfer);
const SIDE = 28;

const curves = { step: [] as number[], loss: [] as number[], epochStep: [] as number[], accuracy: [] as number[] };
const lossPlot = new Plot($('#plot-loss'), {
  xLabel: 'step',
  yLabel: 'loss',
  series: [{ label: 'training loss (batch)', stroke: '#c2410c' }],
  logY: true,
  height: 200,
});
const accPlot = new Plot($('#plot-accuracy'), {
  xLabel: 'step',
  yLabel: 'accuracy',
  series: [{ label: 'held-out accuracy', stroke: '#15803d', points: true }],
  height: 200,
  yRange: () => [0, 1],
});

function setStatus(text: string, state: 'busy' | 'idle'): void {
  const el = $('#status');
  el.textContent = text;
  el.className = `status ${state}`;
  el.dataset.state = state;
}

function drawDigit(canvas: HTMLCanvasElement, pixels: ArrayLike<number>): void {
  canvas.width = SIDE;
  canvas.height = SIDE;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = 255 - Math.round(255 * pixels[i]);
    image.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}

function showConfusion(confusion: number[]): void {
  const table = $('#confusion');
  const head = `<thead><tr><th></th>${[...Array(10).keys()].map((j) => `<th>${j}</th>`).join('')}</tr></thead>`;
  const rows = [...Array(10).keys()]
    .map(
      (i) =>
        `<tr><th>${i}</th>${[...Array(10).keys()]
          .map((j) => {
            const n = confusion[i * 10 + j];
            return `<td class="${i === j ? 'hit' : n > 0 ? 'miss' : ''}">${n}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  table.innerHTML = `${head}<tbody>${rows}</tbody>`;
  table.dataset.total = String(confusion.reduce((a, b) => a + b, 0));
}

function showSamples(samples: Extract<Response, { type: 'epoch' }>['samples']): void {
  const box = $('#samples');
  box.replaceChildren(
    ...samples.map((s, i) => {
      const fig = document.createElement('figure');
      const canvas = document.createElement('canvas');
      drawDigit(canvas, s.pixels);
      const caption = document.createElement('figcaption');
      caption.textContent = `${s.label} → ${s.predicted}`;
      caption.dataset.testid = `sample-${i}`;
      if (s.label !== s.predicted) caption.className = 'wrong';
      fig.append(canvas, caption);
      return fig;
    }),
  );
}

function showGuess(probabilities: number[]): void {
  const best = probabilities.indexOf(Math.max(...probabilities));
  byTestId('guess').textContent = String(best);
  byTestId('guess').dataset.sum = String(probabilities.reduce((a, b) => a + b, 0));
  $('#bars').replaceChildren(
    ...probabilities.flatMap((p, d) => {
      const label = document.createElement('span');
      label.textContent = String(d);
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.width = `${(100 * p).toFixed(1)}%`;
      const value = document.createElement('span');
      value.className = 'num';
      value.textContent = `${(100 * p).toFixed(1)} %`;
      return [label, bar, value];
    }),
  );
}

// ---- the drawing pad -----------------------------------------------------------------------------------

const pad = $<HTMLCanvasElement>('#pad');
const pen = pad.getContext('2d', { willReadFrequently: true })!;
function clearPad(): void {
  pen.fillStyle = '#000';
  pen.fillRect(0, 0, pad.width, pad.height);
  byTestId('guess').textContent = '–';
  $('#bars').replaceChildren();
}
clearPad();
let last: [number, number] | null = null;
const at = (e: PointerEvent): [number, number] => {
  const r = pad.getBoundingClientRect();
  return [((e.clientX - r.left) / r.width) * pad.width, ((e.clientY - r.top) / r.height) * pad.height];
};
pad.addEventListener('pointerdown', (e) => {
  last = at(e);
  pad.setPointerCapture(e.pointerId);
});
pad.addEventListener('pointermove', (e) => {
  if (!last) return;
  const p = at(e);
  pen.strokeStyle = '#fff';
  pen.lineWidth = 20;
  pen.lineCap = 'round';
  pen.beginPath();
  pen.moveTo(...last);
  pen.lineTo(...p);
  pen.stroke();
  last = p;
});
pad.addEventListener('pointerup', () => {
  last = null;
  const pixels = padToDigit();
  if (pixels) post({ type: 'classify', pixels }, [pixels.buffer]);
});
$('#clear').addEventListener('click', clearPad);

/** The drawing as an MNIST-style digit: ink's bounding box scaled into 20×20, centred by mass in 28×28. */
function padToDigit(): Float32Array | null {
  const { data } = pen.getImageData(0, 0, pad.width, pad.height);
  let [x0, y0, x1, y1] = [pad.width, pad.height, -1, -1];
  for (let y = 0; y < pad.height; y++) {
    for (let x = 0; x < pad.width; x++) {
      if (data[4 * (y * pad.width + x)] > 20) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  if (x1 < 0) return null;
  const size = Math.max(x1 - x0, y1 - y0) + 1;
  const small = document.createElement('canvas');
  small.width = SIDE;
  small.height = SIDE;
  const sctx = small.getContext('2d', { willReadFrequently: true })!;
  sctx.imageSmoothingEnabled = true;
  const box = (20 * (x1 - x0 + 1)) / size;
  const boy = (20 * (y1 - y0 + 1)) / size;
  sctx.drawImage(pad, x0, y0, x1 - x0 + 1, y1 - y0 + 1, (SIDE - box) / 2, (SIDE - boy) / 2, box, boy);
  const img = sctx.getImageData(0, 0, SIDE, SIDE).data;
  const raw = new Float32Array(SIDE * SIDE);
  let [mass, cx, cy] = [0, 0, 0];
  for (let i = 0; i < SIDE * SIDE; i++) {
    raw[i] = img[4 * i] / 255;
    mass += raw[i];
    cx += raw[i] * (i % SIDE);
    cy += raw[i] * Math.floor(i / SIDE);
  }
  const [dx, dy] = [Math.round(13.5 - cx / mass), Math.round(13.5 - cy / mass)];
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const [sx, sy] = [x - dx, y - dy];
      if (sx >= 0 && sx < SIDE && sy >= 0 && sy < SIDE) out[y * SIDE + x] = raw[sy * SIDE + sx];
    }
  }
  return out;
}

// ---- the worker ------------------------------------------------------------------------------------------

worker.onmessage = ({ data }: MessageEvent<Response>) => {
  switch (data.type) {
    case 'ready':
      showBackend(data.init, ' · in a Web Worker');
      setStatus(`${data.train} training and ${data.test} held-out digits loaded: press train`, 'idle');
      $<HTMLButtonElement>('#train').disabled = false;
      break;
    case 'progress':
      curves.step.push(data.step);
      curves.loss.push(data.loss);
      lossPlot.set(curves.step, [curves.loss]);
      byTestId('step').textContent = String(data.step);
      byTestId('epoch').textContent = String(data.epoch);
      byTestId('loss').textContent = fmt(data.loss, 4);
      $('#t-step').textContent = ms(data.msPerStep);
      break;
    case 'epoch':
      curves.epochStep.push(data.step);
      curves.accuracy.push(data.testAccuracy);
      accPlot.set(curves.epochStep, [curves.accuracy]);
      byTestId('epoch').textContent = String(data.epoch);
      byTestId('epoch').dataset.done = String(data.epoch);
      byTestId('test-accuracy').textContent = `${(100 * data.testAccuracy).toFixed(2)} %`;
      byTestId('test-accuracy').dataset.value = String(data.testAccuracy);
      $('#t-tensors').textContent = String(data.tensors);
      showConfusion(data.confusion);
      showSamples(data.samples);
      break;
    case 'done':
      setStatus('trained: draw a digit', 'idle');
      $<HTMLButtonElement>('#train').disabled = false;
      break;
    case 'classified':
      showGuess(data.probabilities);
      break;
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

$('#train').addEventListener('click', () => {
  const epochs = Math.max(1, Math.min(20, Math.round(Number($<HTMLInputElement>('#epochs').value) || 3)));
  $<HTMLButtonElement>('#train').disabled = true;
  setStatus(`training ${epochs} epoch${epochs > 1 ? 's' : ''}…`, 'busy');
  post({ type: 'train', epochs });
});
post({ type: 'init', backend: requestedBackend(), url: new URL(digitsUrl, location.href).href });
