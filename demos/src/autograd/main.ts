// Autograd basics page: the notes' computational graph with values and adjoints from webgrad, the
// torch.autograd examples run live, and finite-difference error against step size.
import { log, sin, tanh, tensor, type Tensor } from 'webgrad';
import { startWebgrad } from '../backend';
import { fmt, ms, sci } from '../format';
import { latest } from '../latest';
import { Plot } from '../plot';
import { drawGraph } from './diagram';
import { best, fdErrors, STEPS } from './fd';
import { adjointFormula, definition, f64, NODES, trace64, traceWebgrad, type Trace } from './graph';

const $ = <T extends HTMLElement = HTMLElement>(sel: string): T => document.querySelector<T>(sel)!;
const num = (id: string): number => Number($<HTMLInputElement>(`#${id}`).value);
const setText = (testid: string, text: string): void => void ($(`[data-testid="${testid}"]`).textContent = text);

// ---- 1 · the graph --------------------------------------------------------------------------------------

function fillTraces(t: Trace): void {
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
  rows($<HTMLTableElement>('#primal'), NODES.map((n) => [definition(n), t.values.get(n.i)!]));
  rows($<HTMLTableElement>('#adjoint'), [...NODES].reverse().map((n) => [adjointFormula(n.i), t.adjoints.get(n.i)!]));
}

let current: { x1: number; x2: number; trace: Trace } | null = null;

const updateGraph = latest(async ([x1, x2]: [number, number]) => {
  const t0 = performance.now();
  const trace = await traceWebgrad(x1, x2);
  const elapsed = performance.now() - t0;
  drawGraph(document.querySelector<SVGSVGElement>('#graph')!, trace);
  fillTraces(trace);
  setText('f-value', fmt(trace.values.get(5)!));
  setText('df-dx1', fmt(trace.adjoints.get(-1)!));
  setText('df-dx2', fmt(trace.adjoints.get(0)!));
  $('#graph-status').textContent = `forward + backward + readback: ${ms(elapsed)}`;
  current = { x1, x2, trace };
  drawFd();
});

// ---- 2 · torch.autograd examples ------------------------------------------------------------------------

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

// ---- 3 · finite differences ------------------------------------------------------------------------------

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
  const graphInputs = (): [number, number] => [num('x1'), num('x2')];
  $('#x1').addEventListener('input', () => updateGraph(graphInputs()));
  $('#x2').addEventListener('input', () => updateGraph(graphInputs()));
  $('#ex1-x').addEventListener('input', () => run1(num('ex1-x')));
  for (const id of ['ex2-x', 'ex2-y', 'ex2-z']) $(`#${id}`).addEventListener('input', () => run2([num('ex2-x'), num('ex2-y'), num('ex2-z')]));
  $('#fd-wrt').addEventListener('change', drawFd);
  updateGraph(graphInputs());
  run1(num('ex1-x'));
  run2([num('ex2-x'), num('ex2-y'), num('ex2-z')]);
}

main().catch((e) => console.error(e));
