// The computational graph as an SVG diagram: one box per node with its definition, forward value vᵢ,
// adjoint v̄ᵢ and tangent v̇ᵢ; arrows carry the local derivative ∂v_consumer/∂v_input.
import { fmt } from '../format';
import { definition, edges, NODES, OUTPUT, vname, type GraphNode, type Trace } from './graph';

const NS = 'http://www.w3.org/2000/svg';
const BOX = { w: 206, h: 104 };
const COL_X = (c: number): number => 14 + c * 268;
const ROW_Y = (r: number): number => 14 + r * 138;
export const VIEW = { w: COL_X(3) + BOX.w + 14, h: ROW_Y(2) + BOX.h + 34 };

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

const box = (n: GraphNode) => ({ x: COL_X(n.col), y: ROW_Y(n.row) });

/** Draws the graph into `svg` (replacing what was there) with the values and adjoints of `trace` and the tangents v̇ᵢ. */
export function drawGraph(svg: SVGSVGElement, trace: Trace, tangents: Map<number, number>, seed: [number, number]): void {
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${VIEW.w} ${VIEW.h}`);
  const defs = el('defs', {});
  const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(el('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#7b8496' }));
  defs.append(marker);
  svg.append(defs);

  const byIndex = new Map(NODES.map((n) => [n.i, n]));
  const edgeLayer = el('g', {});
  const labelLayer = el('g', {});
  for (const e of edges()) {
    const a = box(byIndex.get(e.from)!);
    const b = box(byIndex.get(e.to)!);
    const [x0, y0, x1, y1] = [a.x + BOX.w, a.y + BOX.h / 2, b.x - 2, b.y + BOX.h / 2];
    const d = (x1 - x0) / 2;
    edgeLayer.append(
      el('path', {
        d: `M ${x0} ${y0} C ${x0 + d} ${y0}, ${x1 - d} ${y1}, ${x1} ${y1}`,
        fill: 'none',
        stroke: '#9aa3b2',
        'stroke-width': 1.6,
        'marker-end': 'url(#arrow)',
      }),
    );
    // Cubic midpoint with these control points is the chord's midpoint.
    const [mx, my] = [(x0 + x1) / 2, (y0 + y1) / 2];
    const w = 10 + e.label.length * 7.4;
    const g = el('g', { 'data-edge': `${e.from}->${e.to}` });
    g.append(el('rect', { x: mx - w / 2, y: my - 10, width: w, height: 20, rx: 10, fill: '#ffffff', stroke: '#dfe3ea' }));
    g.append(el('text', { x: mx, y: my + 4.5, 'text-anchor': 'middle', 'font-size': 12.5, fill: '#475066', 'font-style': 'italic' }, e.label));
    labelLayer.append(g);
  }
  svg.append(edgeLayer);

  for (const n of NODES) {
    const { x, y } = box(n);
    const g = el('g', { 'data-testid': `node-${n.i}` });
    const isIO = n.op === 'input' || n.i === OUTPUT;
    g.append(
      el('rect', {
        x,
        y,
        width: BOX.w,
        height: BOX.h,
        rx: 10,
        fill: isIO ? '#eef3ff' : '#ffffff',
        stroke: isIO ? '#9fb6ea' : '#c9d0dc',
        'stroke-width': 1.4,
      }),
    );
    g.append(el('text', { x: x + 12, y: y + 23, 'font-size': 15, 'font-weight': 600, fill: '#1d2433' }, definition(n)));
    const v = trace.values.get(n.i)!;
    const a = trace.adjoints.get(n.i)!;
    g.append(
      el(
        'text',
        { x: x + 12, y: y + 48, 'font-size': 14, fill: '#1f5fbf', 'font-family': 'var(--mono)', 'data-testid': `value-${n.i}` },
        `${vname(n.i)} = ${fmt(v)}`,
      ),
    );
    g.append(
      el(
        'text',
        { x: x + 12, y: y + 70, 'font-size': 14, fill: '#c2410c', 'font-family': 'var(--mono)', 'data-testid': `adjoint-${n.i}` },
        `${vname(n.i, 'bar')} = ${fmt(a)}`,
      ),
    );
    g.append(
      el(
        'text',
        { x: x + 12, y: y + 92, 'font-size': 14, fill: '#15803d', 'font-family': 'var(--mono)', 'data-testid': `tangent-${n.i}` },
        `${vname(n.i, 'dot')} = ${fmt(tangents.get(n.i)!)}`,
      ),
    );
    svg.append(g);
  }
  svg.append(labelLayer);

  const out = box(byIndex.get(OUTPUT)!);
  svg.append(
    el(
      'text',
      { x: out.x + BOX.w, y: out.y + BOX.h + 22, 'text-anchor': 'end', 'font-size': 14, fill: '#475066' },
      `f(x₁, x₂) = ${vname(OUTPUT)},  seeds ${vname(OUTPUT, 'bar')} = 1, (ẋ₁, ẋ₂) = (${fmt(seed[0])}, ${fmt(seed[1])})`,
    ),
  );
}
