// Hamiltonian explorer: the page schedules work for the webgrad worker, one request at a time, newest κ
// first (slider events only overwrite the wanted κ, so stale values are never computed), then finite
// differences at that κ, then the E0(κ) and gap(κ) curves point by point in the idle time.
import { requestedBackend, showBackend, showBackendError } from '../badge';
import { fmt, ms } from '../format';
import { align, Plot } from '../plot';
import type { EnergiesResult, Grid, Request, Response, Solver, StateResult } from './protocol';

const STATES = 4;
const CURVE_KAPPAS = coarseToFine(20).map((i) => i * 0.5); // κ = 0, 0.5, …, 10
const CURVE_KAPPAS_MIN = Math.min(...CURVE_KAPPAS);
const CURVE_KAPPAS_MAX = Math.max(...CURVE_KAPPAS);
const COLORS = ['#2f5fd0', '#c2410c', '#15803d', '#7e22ce'];

/** 0…n in an order that fills the range evenly early on (ends, middle, quarters, …), so curves take shape fast. */
function coarseToFine(n: number): number[] {
  const order = [0, n];
  const queue: [number, number][] = [[0, n]];
  while (queue.length) {
    const [a, b] = queue.shift()!;
    if (b - a < 2) continue;
    const m = Math.floor((a + b) / 2);
    order.push(m);
    queue.push([a, m], [m, b]);
  }
  return order;
}

const $ = <T extends HTMLElement = HTMLElement>(sel: string): T => document.querySelector<T>(sel)!;
const byTestId = (id: string): HTMLElement => $(`[data-testid="${id}"]`);
const slider = $<HTMLInputElement>('#kappa');

// ---- what the page wants, and what it has ----------------------------------------------------------------

interface Fd {
  kappa: number;
  h: number;
  grid: string;
  dE0: number;
  dgap: number;
}

const solverSelect = $<HTMLSelectElement>('#solver');
const readSolver = (): Solver => (solverSelect.value === 'jacobi' ? 'jacobi' : 'tridiagonal');
/** Largest Nₓ per solver: the dense route stores Nₓ² floats and costs O(Nₓ³). */
const MAX_NX: Record<Solver, number> = { tridiagonal: 100_000, jacobi: 500 };
/** The last time per κ (state request) of each solver, shown side by side. */
const perKappa: Partial<Record<Solver, { ms: number; nx: number }>> = {};

const want = { kappa: Number(slider.value), grid: readGrid(), h: readH(), method: readSolver() };
let shown: StateResult | null = null;
let fd: Fd | null = null;
let fdMs = 0;
/** The first half of a central difference, f(κ − h), while f(κ + h) is computed as a separate request. */
let fdMinus: { kappa: number; h: number; grid: string; E0: number; gap: number } | null = null;
let curve = new Map<number, { E0: number; gap: number }>();
let curveGrid = gridKey(want.grid);
let curveMs: number[] = [];

function readGrid(): Grid {
  const L = Number($<HTMLInputElement>('#L').value);
  const nx = Math.round(Number($<HTMLInputElement>('#nx').value));
  return { L: Number.isFinite(L) && L > 0 ? L : 10, nx: Number.isFinite(nx) ? Math.min(MAX_NX[readSolver()], Math.max(10, nx)) : 500 };
}

function readH(): number {
  const h = Number($<HTMLInputElement>('#fd-h').value);
  return Number.isFinite(h) && h > 0 ? h : 0.05;
}

/** The grid and the solver: results of the other solver are not reused (the dense one is float32 throughout). */
function gridKey(g: Grid, method: Solver = want.method): string {
  return `${g.L}/${g.nx}/${method}`;
}

// ---- the worker --------------------------------------------------------------------------------------------

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
let busy = true; // until 'ready'
let nextId = 1;
/** When the wanted κ or grid last changed (for the input-to-numbers latency). */
let changedAt = performance.now();
/** What the request in flight is for. */
type Purpose = { kind: 'init' | 'state' | 'curve' } | { kind: 'fd'; side: -1 | 1; kappa: number; h: number; grid: string };
let inFlight: Purpose | null = null;

function send(req: Request, purpose: Purpose): void {
  busy = true;
  inFlight = purpose;
  worker.postMessage(req);
}

/** Picks the most useful next request: newest κ, then its finite differences, then a curve point. */
function pump(): void {
  if (busy) return;
  const { kappa, grid, h, method } = want;
  const key = gridKey(grid);
  if (curveGrid !== key) {
    curve = new Map();
    curveMs = [];
    curveGrid = key;
    $('#t-curve').textContent = '–';
    drawCurves();
  }
  if (!shown || shown.kappa !== kappa || gridKey(shown.grid, shown.method) !== key) {
    setStatus(`computing κ = ${kappa.toFixed(2)} (${method})…`, true);
    send({ type: 'state', id: nextId++, kappa, states: STATES, method, ...grid }, { kind: 'state' });
    return;
  }
  if (!fd || fd.kappa !== kappa || fd.h !== h || fd.grid !== key) {
    // One eigvalsh per request, so a slider move waits for at most one of them.
    const side = fdMinus && fdMinus.kappa === kappa && fdMinus.h === h && fdMinus.grid === key ? 1 : -1;
    setStatus(`finite differences at κ = ${kappa.toFixed(2)} (${side < 0 ? '1' : '2'}/2)…`, true);
    send({ type: 'energies', id: nextId++, kappas: [kappa + side * h], method, ...grid }, { kind: 'fd', side, kappa, h, grid: key });
    return;
  }
  const missing = CURVE_KAPPAS.find((k) => !curve.has(k));
  if (missing !== undefined) {
    setStatus(`curves: κ = ${missing.toFixed(1)} (${curve.size + 1}/${CURVE_KAPPAS.length})…`, true);
    send({ type: 'energies', id: nextId++, kappas: [missing], method, ...grid }, { kind: 'curve' });
    return;
  }
  setStatus('idle', false);
}

function setStatus(text: string, working: boolean): void {
  const el = $('#status');
  el.textContent = text;
  el.className = `status ${working ? 'busy' : 'idle'}`;
  el.dataset.state = working ? 'busy' : 'idle';
}

worker.onmessage = ({ data }: MessageEvent<Response>) => {
  const purpose = inFlight;
  busy = false;
  inFlight = null;
  switch (data.type) {
    case 'ready':
      showBackend(data.init, ' · in a Web Worker');
      break;
    case 'state':
      shown = data;
      showState(data);
      break;
    case 'energies':
      onEnergies(data, purpose);
      break;
    case 'error':
      console.error(`webgrad worker: ${data.message}`);
      setStatus(`error: ${data.message.split('\n')[0]}`, false);
      if (purpose?.kind === 'init') showBackendError(new Error(data.message));
      return; // stop scheduling: a failing request would only fail again
  }
  pump();
};
worker.onerror = (e) => {
  console.error(`webgrad worker failed: ${e.message}`);
  setStatus(`worker failed: ${e.message}`, false);
};

function onEnergies(r: EnergiesResult, purpose: Purpose | null): void {
  if (purpose?.kind === 'fd') {
    const { kappa, h, grid } = purpose;
    const [pt] = r.points;
    if (purpose.side < 0) {
      fdMinus = { kappa, h, grid, E0: pt.E0, gap: pt.gap };
      fdMs = r.ms;
    } else if (fdMinus && fdMinus.kappa === kappa && fdMinus.h === h && fdMinus.grid === grid) {
      fd = { kappa, h, grid, dE0: (pt.E0 - fdMinus.E0) / (2 * h), dgap: (pt.gap - fdMinus.gap) / (2 * h) };
      $('#t-fd').textContent = ms(fdMs + r.ms);
      showFd();
    }
  } else if (purpose?.kind === 'curve' && gridKey(r.grid, r.method) === curveGrid) {
    const [pt] = r.points;
    curve.set(pt.kappa, { E0: pt.E0, gap: pt.gap });
    curveMs.push(r.ms);
    const avg = curveMs.reduce((a, b) => a + b, 0) / curveMs.length;
    $('#t-curve').textContent = `${curve.size}/${CURVE_KAPPAS.length} points, ${ms(avg)} each`;
  }
  drawCurves();
}

// ---- display -----------------------------------------------------------------------------------------------

function showState(s: StateResult): void {
  const e0 = byTestId('e0');
  e0.textContent = fmt(s.E0);
  e0.dataset.kappa = String(s.kappa);
  e0.dataset.nx = String(s.grid.nx);
  e0.dataset.l = String(s.grid.L);
  e0.dataset.method = s.method;
  perKappa[s.method] = { ms: s.ms.total, nx: s.grid.nx };
  for (const m of ['tridiagonal', 'jacobi'] as const) {
    const p = perKappa[m];
    byTestId(`t-${m}`).textContent = p ? `${ms(p.ms)} (Nₓ = ${p.nx})` : '–';
  }
  byTestId('gap').textContent = fmt(s.gap);
  byTestId('de0').textContent = fmt(s.dE0);
  byTestId('dgap').textContent = fmt(s.dgap);
  byTestId('d2e0').textContent = fmt(s.d2E0);
  byTestId('d2gap').textContent = fmt(s.d2gap);
  byTestId('de0-hf').textContent = fmt(s.hfE0);
  byTestId('dgap-hf').textContent = fmt(s.hfGap);
  $('#t-forward').textContent = ms(s.ms.forward);
  $('#t-backward').textContent = ms(s.ms.backward);
  $('#t-readback').textContent = ms(s.ms.readback);
  $('#t-tensors').textContent = String(s.liveTensors);
  $('#t-total').textContent = ms(s.ms.total);
  $('#t-latency').textContent = ms(performance.now() - changedAt);
  // A κ on the curves' grid is a curve point too: no need to compute it again.
  if (CURVE_KAPPAS.includes(s.kappa) && gridKey(s.grid, s.method) === curveGrid) curve.set(s.kappa, { E0: s.E0, gap: s.gap });
  showFd();
  drawStates(s);
  drawCurves();
}

function showFd(): void {
  const ok = fd && shown && fd.kappa === shown.kappa && fd.grid === gridKey(shown.grid, shown.method);
  byTestId('de0-fd').textContent = ok ? fmt(fd!.dE0, 5) : '…';
  byTestId('dgap-fd').textContent = ok ? fmt(fd!.dgap, 5) : '…';
  if (ok) $('#fd-h-shown').textContent = String(fd!.h);
}

const curvePlot = (id: string, title: string, y: string): Plot =>
  new Plot($(`#${id}`), {
    title,
    xLabel: 'κ',
    yLabel: y,
    height: 300,
    xRange: () => [CURVE_KAPPAS_MIN, CURVE_KAPPAS_MAX],
    series: [
      { label: y, stroke: '#2f5fd0', points: true, spanGaps: true },
      { label: 'tangent by backward()', stroke: '#c2410c', width: 2.5, spanGaps: true },
      { label: '2nd-order Taylor (d²/dκ² by forward over reverse)', stroke: '#7e22ce', width: 2, dash: [2, 3], spanGaps: true },
      { label: 'central FD slope', stroke: '#1d2433', width: 1.5, dash: [5, 4], spanGaps: true },
      { label: 'current κ', stroke: '#c2410c', pointsOnly: true },
    ],
  });

const e0Plot = curvePlot('plot-e0', 'Ground-state energy E₀(κ)', 'E₀');
const gapPlot = curvePlot('plot-gap', 'Gap E₁(κ) − E₀(κ)', 'E₁ − E₀');

/** The Taylor parabola y + y′(k − κ) + ½y″(k − κ)² over κ ± 2 clipped to the curve's range. */
function parabola(kappa: number, y: number, slope: number, curvature: number): [number[], number[]] {
  const [lo, hi] = [Math.max(CURVE_KAPPAS_MIN, kappa - 2), Math.min(CURVE_KAPPAS_MAX, kappa + 2)];
  const xs = Array.from({ length: 33 }, (_, i) => lo + ((hi - lo) * i) / 32);
  return [xs, xs.map((x) => y + slope * (x - kappa) + 0.5 * curvature * (x - kappa) ** 2)];
}

/** A line through (κ, y) with slope `slope`, over κ ± 1 clipped to the curve's range. */
function line(kappa: number, y: number, slope: number): [number[], number[]] {
  const xs = [Math.max(CURVE_KAPPAS_MIN, kappa - 1), Math.min(CURVE_KAPPAS_MAX, kappa + 1)];
  return [xs, xs.map((x) => y + slope * (x - kappa))];
}

function drawCurves(): void {
  const ks = CURVE_KAPPAS.filter((k) => curve.has(k));
  const same = shown && gridKey(shown.grid, shown.method) === curveGrid;
  for (const [plot, pick, slope, curvature, fdSlope] of [
    [e0Plot, (p: { E0: number; gap: number }) => p.E0, shown?.dE0, shown?.d2E0, fd?.dE0],
    [gapPlot, (p: { E0: number; gap: number }) => p.gap, shown?.dgap, shown?.d2gap, fd?.dgap],
  ] as const) {
    const curves: [number[], number[]][] = [[ks, ks.map((k) => pick(curve.get(k)!))]];
    if (shown && same) {
      const y = pick(shown);
      curves.push(line(shown.kappa, y, slope!));
      curves.push(parabola(shown.kappa, y, slope!, curvature!));
      curves.push(fd && fd.kappa === shown.kappa && fd.grid === curveGrid ? line(shown.kappa, y, fdSlope!) : [[], []]);
      curves.push([[shown.kappa], [y]]);
    } else {
      curves.push([[], []], [[], []], [[], []], [[], []]);
    }
    const [x, ys] = align(curves);
    plot.set(x, ys);
  }
}

let statesLevels: number[] = [];
const statesPlot = new Plot($('#plot-states'), {
  title: 'Densities |ψₙ(x)|² over the potential',
  xLabel: 'x',
  yLabel: 'energy',
  height: 380,
  yRange: () => (statesLevels.length ? [0, statesLevels[statesLevels.length - 1] + 1.25] : null),
  series: [
    { label: 'V(x) = ½x² + κ·exp(−x²/2)', stroke: '#1d2433', width: 2.5 },
    ...COLORS.map((c, n) => ({ label: `E${'₀₁₂₃'[n]} + |ψ${'₀₁₂₃'[n]}|²`, stroke: c, width: 2 })),
  ],
  draw: (u) => {
    // Each state's energy level, dashed, in its colour.
    const ctx = u.ctx;
    ctx.save();
    ctx.setLineDash([6 * devicePixelRatio, 5 * devicePixelRatio]);
    ctx.lineWidth = devicePixelRatio;
    statesLevels.forEach((E, n) => {
      const y = u.valToPos(E, 'y', true);
      ctx.strokeStyle = COLORS[n];
      ctx.beginPath();
      ctx.moveTo(u.bbox.left, y);
      ctx.lineTo(u.bbox.left + u.bbox.width, y);
      ctx.stroke();
    });
    ctx.restore();
  },
});

function drawStates(s: StateResult): void {
  statesLevels = s.energies;
  const nx = s.grid.nx;
  const ys = s.energies.map((E, n) => Array.from(s.densities.subarray(n * nx, (n + 1) * nx), (d) => E + d));
  statesPlot.set(s.x, [s.potential, ...ys]);
}

// ---- responsiveness meter: the longest gap between animation frames over the last 5 s -----------------

const frames: [number, number][] = [];
let last = performance.now();
function frame(now: number): void {
  frames.push([now, now - last]);
  last = now;
  while (frames.length && frames[0][0] < now - 5000) frames.shift();
  const worst = frames.reduce((m, [, d]) => Math.max(m, d), 0);
  $('#t-frame').textContent = ms(worst);
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

// ---- inputs ------------------------------------------------------------------------------------------------

slider.addEventListener('input', () => {
  want.kappa = Number(slider.value);
  changedAt = performance.now();
  $('#kappa-value').textContent = want.kappa.toFixed(2);
  pump();
});
for (const id of ['L', 'nx']) {
  $(`#${id}`).addEventListener('change', () => {
    want.grid = readGrid();
    changedAt = performance.now();
    pump();
  });
}
solverSelect.addEventListener('change', () => {
  want.method = readSolver();
  const nxInput = $<HTMLInputElement>('#nx');
  nxInput.max = String(MAX_NX[want.method]);
  want.grid = readGrid();
  nxInput.value = String(want.grid.nx); // the dense route clamps Nₓ to 500
  changedAt = performance.now();
  pump();
});
$('#fd-h').addEventListener('change', () => {
  want.h = readH();
  pump();
});

setStatus('starting the worker…', true);
send({ type: 'init', id: nextId++, backend: requestedBackend() }, { kind: 'init' });
