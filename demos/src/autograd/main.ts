// Autograd basics page: the notes' computational graph with values, adjoints and tangents from webgrad,
// jacfwd against jacrev timed live, the torch.autograd examples run live, and finite-difference error
// against step size.
import { log, sin, tanh, tensor, type Tensor } from 'webgrad';
import { startWebgrad } from '../backend';
import { fmt, ms, sci } from '../format';
import { latest } from '../latest';
import { Plot } from '../plot';
import { drawGraph } from './diagram';
import { best, fdErrors, STEPS } from './fd';
import { adjointFormula, definition, f64, NODES, tangentFormula, tangentsWebgrad, trace64, traceWebgrad, type Trace } from './graph';
import { timeJacobians } from './jacobian';

const $ = <T extends HTMLElement = HTMLElement>(sel: string): T => document.querySelector<T>(sel)!;
const num = (id: string): number => Number($<HTMLInputElement>(`#${id}`).value);
const setText = (testid: string, text: string): void => void ($(`[data-testid="${testid}"]`).textContent = text);

// ---- 1 · the graph --------------------------------------------------------------------------------------

function fillTraces(t: Trace, tangents: Map<number, number>): void {
  const rows = (table: HTMLTableElement, items: [string, number][]): void => {
    table.replaceChildren(
      ...items.map(([label, v]) => {
        const tr = document.createElement('tr');
        const a = document.createElement('td');
        const b = document.createElement('td');
        a.textContent = label;
        b.textContent = fmt(v);
        b.className = 'num';
        tr.append(a, b);
        return tr;
      }),
    );
  };
  rows(
    $<HTMLTableElement>('#primal'),
    NODES.map((n) => [definition(n), t.values.get(n.i)!]),
  );
  rows(
    $<HTMLTableElement>('#tangent'),
    NODES.map((n) => [tangentFormula(n.i), tangents.get(n.i)!]),
  );
  rows(
    $<HTMLTableElement>('#adjoint'),
    [...NODES].reverse().map((n) => [adjointFormula(n.i), t.adjoints.get(n.i)!]),
  );
}

let current: { x1: number; x2: number; trace: Trace } | null = null;

const updateGraph = latest(async ([x1, x2, s1, s2]: [number, number, number, number]) => {
  const t0 = performance.now();
  const trace = await traceWebgrad(x1, x2);
  const t1 = performance.now();
  const tangents = await tangentsWebgrad(x1, x2, [s1, s2]);
  const t2 = performance.now();
  drawGraph(document.querySelector<SVGSVGElement>('#graph')!, trace, tangents, [s1, s2]);
  fillTraces(trace, tangents);
  setText('f-value', fmt(trace.values.get(5)!));
  setText('df-dx1', fmt(trace.adjoints.get(-1)!));
  setText('df-dx2', fmt(trace.adjoints.get(0)!));
  setText('jvp-value', fmt(tangents.get(5)!));
  setText('jvp-check', fmt(trace.adjoints.get(-1)! * s1 + trace.adjoints.get(0)! * s2));
  const tangentEl = $('[data-testid="tangent-trace"]');
  tangentEl.dataset.seed = `${s1},${s2}`;
  tangentEl.dataset.x = `${x1},${x2}`;
  $('#graph-status').textContent = `forward + backward + readback: ${ms(t1 - t0)}; forward on dual numbers + readback: ${ms(t2 - t1)}`;
  current = { x1, x2, trace };
  drawFd();
});

// ---- 2 · forward or reverse? ----------------------------------------------------------------------------

/** Milliseconds with three significant figures below 10 ms (small Jacobians take microseconds on the CPU). */
const fineMs = (t: number): string => (t >= 10 ? ms(t) : `${t.toPrecision(3)} ms`);

const updateJacobian = latest(async ([n, m]: [number, number]) => {
  const status = $('#jac-status');
  status.textContent = `timing n = ${n}, m = ${m}…`;
  status.className = 'status busy';
  const t = await timeJacobians(n, m);
  $('#jac-runs').textContent = String(t.runs);
  const { forward: rf, reverse: rr } = t.reps;
  $('#jac-reps').textContent = rf > 1 || rr > 1 ? ` (a run: ${rf} forward or ${rr} reverse Jacobians, timed together)` : '';
  $('#jac-fwd-passes').textContent = `${n} JVPs`;
  $('#jac-rev-passes').textContent = `1 + ${m} VJPs`;
  setText('jac-fwd-ms', fineMs(t.forwardMs));
  setText('jac-rev-ms', fineMs(t.reverseMs));
  const longest = Math.max(t.forwardMs, t.reverseMs);
  $('#jac-fwd-bar').style.width = `${(100 * t.forwardMs) / longest}%`;
  $('#jac-rev-bar').style.width = `${(100 * t.reverseMs) / longest}%`;
  const why = n === m ? 'n = m: a tie goes to forward' : n < m ? `n = ${n} < m = ${m}` : `n = ${n} > m = ${m}`;
  setText('jac-auto', `${t.auto} (${why})`);
  const faster = t.forwardMs <= t.reverseMs ? 'forward' : 'reverse';
  setText('jac-faster', `${faster}, ×${(Math.max(t.forwardMs, t.reverseMs) / Math.min(t.forwardMs, t.reverseMs)).toFixed(2)}`);
  setText('jac-diff', t.maxDiff === 0 ? '0' : sci(t.maxDiff));
  const result = $('[data-testid="jac-result"]');
  result.dataset.n = String(n);
  result.dataset.m = String(m);
  status.textContent = `J is ${m} × ${n}`;
  status.className = 'status idle';
});

// ---- 3 · torch.autograd examples ------------------------------------------------------------------------

const EX1 = (x: number): string =>
  `const x = tensor([${x}], { requiresGrad: true });\nconst y = x.pow(2);\ny.backward();\nconsole.log(await x.grad.data());`;

async function example1(xv: number): Promise<void> {
  $('#ex1-code').textContent = EX1(xv);
  const x = tensor([xv], { requiresGrad: true });
  const y = x.pow(2);
  y.backward();
  setText('ex1-y', fmt((await y.data())[0]));
  setText('ex1-grad', `[${fmt((await x.grad!.data())[0])}]`);
  [x, y].forEach((t) => t.dispose());
}

const EX2 = (x: number, y: number, z: number): string =>
  `const x = tensor([${x}], { requiresGrad: true });\nconst y = tensor([${y}], { requiresGrad: true });\n` +
  `const z = tensor([${z}], { requiresGrad: true });\nconst g = log(sin(x).add(tanh(y.pow(2)))).div(z);\ng.backward();`;

async function example2([xv, yv, zv]: [number, number, number]): Promise<void> {
  $('#ex2-code').textContent = EX2(xv, yv, zv);
  const x = tensor([xv], { requiresGrad: true });
  const y = tensor([yv], { requiresGrad: true });
  const z = tensor([zv], { requiresGrad: true });
  const g: Tensor = log(sin(x).add(tanh(y.pow(2)))).div(z);
  g.backward();
  setText('ex2-value', fmt(await g.item()));
  setText('ex2-gx', `[${fmt(await x.grad!.item())}]`);
  setText('ex2-gy', `[${fmt(await y.grad!.item())}]`);
  setText('ex2-gz', `[${fmt(await z.grad!.item())}]`);
  [x, y, z, g].forEach((t) => t.dispose());
}

// ---- 4 · finite differences ------------------------------------------------------------------------------

const fdPlot = new Plot($('#fd-plot'), {
  xLabel: 'step size h',
  yLabel: '|FD(h) − ∂f/∂x|',
  logX: true,
  logY: true,
  height: 340,
  format: (v) => sci(v, 1),
  series: [
    { label: 'forward difference', stroke: '#2f5fd0', points: true },
    { label: 'central difference', stroke: '#15803d', points: true },
    { label: 'webgrad autograd (float32)', stroke: '#c2410c', dash: [6, 4], width: 2 },
  ],
  draw: (u) => {
    const ctx = u.ctx;
    const r = devicePixelRatio;
    ctx.save();
    ctx.font = `${12 * r}px system-ui, sans-serif`;
    ctx.fillStyle = '#5d6679';
    ctx.textAlign = 'left';
    ctx.fillText('← round-off dominates (∝ ε/h)', u.bbox.left + 10 * r, u.bbox.top + 18 * r);
    ctx.textAlign = 'right';
    ctx.fillText('truncation dominates (∝ h, h²) →', u.bbox.left + u.bbox.width - 10 * r, u.bbox.top + 18 * r);
    ctx.restore();
  },
});

function drawFd(): void {
  if (!current) return;
  const wrt = Number($<HTMLSelectElement>('#fd-wrt').value) as 0 | 1;
  const { x1, x2, trace } = current;
  const exact = trace64(x1, x2).adjoints.get(wrt === 0 ? -1 : 0)!;
  const autograd = trace.adjoints.get(wrt === 0 ? -1 : 0)!;
  const g = wrt === 0 ? (t: number) => f64(t, x2) : (t: number) => f64(x1, t);
  const { forward, central } = fdErrors(g, wrt === 0 ? x1 : x2, exact);
  const pos = (v: number): number | null => (v > 0 && Number.isFinite(v) ? v : null);
  const agErr = Math.abs(autograd - exact);
  fdPlot.set(STEPS, [forward.map(pos), central.map(pos), STEPS.map(() => pos(agErr))]);
  const bf = best(forward);
  const bc = best(central);
  const name = `∂f/∂x${wrt === 0 ? '₁' : '₂'}`;
  const rows: [string, string][] = [
    [`${name}, webgrad autograd (float32)`, fmt(autograd)],
    [`${name}, exact (float64 reverse sweep)`, fmt(exact, 12)],
    ['|autograd − exact|', agErr === 0 ? '0 (exact in float32)' : sci(agErr)],
    ['best forward difference', `${sci(bf.error)} at h = ${sci(bf.h, 1)}`],
    ['best central difference', `${sci(bc.error)} at h = ${sci(bc.h, 1)}`],
    ['forward difference at h = 1e-12', sci(forward[0])],
  ];
  $('#fd-table').replaceChildren(
    ...rows.map(([k, v]) => {
      const tr = document.createElement('tr');
      tr.innerHTML = `<td></td><td class="num"></td>`;
      tr.children[0].textContent = k;
      tr.children[1].textContent = v;
      return tr;
    }),
  );
}

// ---- wiring ----------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  await startWebgrad();
  const run1 = latest(example1);
  const run2 = latest(example2);
  const graphInputs = (): [number, number, number, number] => [num('x1'), num('x2'), num('s1'), num('s2')];
  for (const id of ['x1', 'x2', 's1', 's2']) $(`#${id}`).addEventListener('input', () => updateGraph(graphInputs()));
  const sizes = (): [number, number] => [num('jac-n'), num('jac-m')];
  for (const id of ['jac-n', 'jac-m']) {
    $(`#${id}`).addEventListener('input', () => {
      $(`#${id}-value`).textContent = String(num(id));
      updateJacobian(sizes());
    });
  }
  $('#ex1-x').addEventListener('input', () => run1(num('ex1-x')));
  for (const id of ['ex2-x', 'ex2-y', 'ex2-z']) $(`#${id}`).addEventListener('input', () => run2([num('ex2-x'), num('ex2-y'), num('ex2-z')]));
  $('#fd-wrt').addEventListener('change', drawFd);
  updateGraph(graphInputs());
  run1(num('ex1-x'));
  run2([num('ex2-x'), num('ex2-y'), num('ex2-z')]);
  updateJacobian(sizes());
}

main().catch((e) => console.error(e));
