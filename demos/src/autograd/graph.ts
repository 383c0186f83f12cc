// The notes' computational graph of f(x₁, x₂) = ln x₁ + cos x₂ − x₁·x₂, as data: each node's op, inputs
// and local derivatives. webgrad evaluates it (values from the tensors, adjoints from one backward pass,
// tangents from one forward pass on dual tensors); a float64 copy in plain JS gives the exact reference for
// the finite-difference plot.
import { add, cos, dual, enterDualLevel, exitDualLevel, log, mul, sub, tensor, unpackDual, valueAndGrad, type Tensor } from 'webgrad';

export type OpName = 'input' | 'ln' | 'cos' | 'mul' | 'add' | 'sub';

interface OpDef {
  /** The op applied to argument names, e.g. "ln v₋₁". */
  expr(args: string[]): string;
  f64(args: number[]): number;
  /** ∂(op)/∂(argument k) in float64. */
  partials(args: number[]): number[];
  /** The same partials as formulas in the argument names (edge labels). */
  partialLabels(args: string[]): string[];
  /** The tangent rule v̇ = Σₖ ∂(op)/∂(argument k) · v̇ₖ as a formula in the arguments' and their tangents' names. */
  tangentLabel(args: string[], dots: string[]): string;
  webgrad(args: Tensor[]): Tensor;
}

const OPS: Record<Exclude<OpName, 'input'>, OpDef> = {
  ln: {
    expr: ([a]) => `ln ${a}`,
    f64: ([a]) => Math.log(a),
    partials: ([a]) => [1 / a],
    partialLabels: ([a]) => [`1/${a}`],
    tangentLabel: ([a], [da]) => `${da} / ${a}`,
    webgrad: ([a]) => log(a),
  },
  cos: {
    expr: ([a]) => `cos ${a}`,
    f64: ([a]) => Math.cos(a),
    partials: ([a]) => [-Math.sin(a)],
    partialLabels: ([a]) => [`−sin ${a}`],
    tangentLabel: ([a], [da]) => `−sin ${a} · ${da}`,
    webgrad: ([a]) => cos(a),
  },
  mul: {
    expr: ([a, b]) => `${a} · ${b}`,
    f64: ([a, b]) => a * b,
    partials: ([a, b]) => [b, a],
    partialLabels: ([a, b]) => [b, a],
    tangentLabel: ([a, b], [da, db]) => `${da} · ${b} + ${a} · ${db}`,
    webgrad: ([a, b]) => mul(a, b),
  },
  add: {
    expr: ([a, b]) => `${a} + ${b}`,
    f64: ([a, b]) => a + b,
    partials: () => [1, 1],
    partialLabels: () => ['1', '1'],
    tangentLabel: (_, [da, db]) => `${da} + ${db}`,
    webgrad: ([a, b]) => add(a, b),
  },
  sub: {
    expr: ([a, b]) => `${a} − ${b}`,
    f64: ([a, b]) => a - b,
    partials: () => [1, -1],
    partialLabels: () => ['1', '−1'],
    tangentLabel: (_, [da, db]) => `${da} − ${db}`,
    webgrad: ([a, b]) => sub(a, b),
  },
};

export interface GraphNode {
  /** Index i of vᵢ: inputs are v₋₁ = x₁ and v₀ = x₂ (the notes' numbering), the output is v₅. */
  i: number;
  op: OpName;
  inputs: number[];
  /** Diagram column and row (0-based row within the column's slots). */
  col: number;
  row: number;
}

/** Evaluation order = index order. Rows place ln, the product and cos so that inputs fan out without crossing. */
export const NODES: readonly GraphNode[] = [
  { i: -1, op: 'input', inputs: [], col: 0, row: 0.5 },
  { i: 0, op: 'input', inputs: [], col: 0, row: 1.5 },
  { i: 1, op: 'ln', inputs: [-1], col: 1, row: 0 },
  { i: 2, op: 'cos', inputs: [0], col: 1, row: 2 },
  { i: 3, op: 'mul', inputs: [-1, 0], col: 1, row: 1 },
  { i: 4, op: 'add', inputs: [1, 2], col: 2, row: 0.5 },
  { i: 5, op: 'sub', inputs: [4, 3], col: 3, row: 1 },
];
export const OUTPUT = 5;
const INNER = NODES.filter((n) => n.op !== 'input');

const SUB: Record<string, string> = { '-': '₋', 0: '₀', 1: '₁', 2: '₂', 3: '₃', 4: '₄', 5: '₅', 6: '₆', 7: '₇', 8: '₈', 9: '₉' };
/** "v₋₁", "v₃"; with `mark` 'bar' the adjoint "v̄₃", with 'dot' the tangent "v̇₃". */
export const vname = (i: number, mark: '' | 'bar' | 'dot' = ''): string =>
  `v${mark === 'dot' ? '\u0307' : mark === 'bar' ? '\u0304' : ''}${[...String(i)].map((c) => SUB[c]).join('')}`;

export const node = (i: number): GraphNode => NODES.find((n) => n.i === i)!;

/** "v₃ = v₋₁ · v₀" (inputs: "v₋₁ = x₁"). */
export function definition(n: GraphNode): string {
  if (n.op === 'input') return `${vname(n.i)} = x${n.i === -1 ? '₁' : '₂'}`;
  return `${vname(n.i)} = ${OPS[n.op].expr(n.inputs.map((k) => vname(k)))}`;
}

/** Edges source → consumer with the local derivative ∂v_consumer/∂v_source as a formula. */
export function edges(): { from: number; to: number; label: string }[] {
  return INNER.flatMap((n) => {
    const labels = OPS[n.op as Exclude<OpName, 'input'>].partialLabels(n.inputs.map((k) => vname(k)));
    return n.inputs.map((from, k) => ({ from, to: n.i, label: labels[k] }));
  });
}

/** The adjoint recursion for node i as a formula: v̄ᵢ = Σ over consumers p of v̄ₚ · ∂vₚ/∂vᵢ. */
export function adjointFormula(i: number): string {
  if (i === OUTPUT) return `${vname(i, 'bar')} = ∂f/∂${vname(i)} = 1`;
  const terms = edges()
    .filter((e) => e.from === i)
    .map((e) => {
      if (e.label === '1') return vname(e.to, 'bar');
      if (e.label === '−1') return `−${vname(e.to, 'bar')}`;
      return `${vname(e.to, 'bar')} · ${e.label.startsWith('−') || e.label.includes(' ') ? `(${e.label})` : e.label}`;
    });
  return `${vname(i, 'bar')} = ${terms.join(' + ').replace(/\+ −/g, '− ')}`;
}

/** The tangent rule for node i as a formula: "v̇₃ = v̇₋₁ · v₀ + v₋₁ · v̇₀"; inputs "v̇₋₁ = ẋ₁". */
export function tangentFormula(i: number): string {
  const n = node(i);
  if (n.op === 'input') return `${vname(i, 'dot')} = ${i === -1 ? 'ẋ₁' : 'ẋ₂'}`;
  const rule = OPS[n.op].tangentLabel(
    n.inputs.map((k) => vname(k)),
    n.inputs.map((k) => vname(k, 'dot')),
  );
  return `${vname(i, 'dot')} = ${rule}`;
}

export interface Trace {
  /** vᵢ by index. */
  values: Map<number, number>;
  /** v̄ᵢ = ∂f/∂vᵢ by index. */
  adjoints: Map<number, number>;
}

/** Forward and reverse sweep in float64 JS: the exact reference (f and ∂f/∂x are these adjoints). */
export function trace64(x1: number, x2: number): Trace {
  const values = new Map<number, number>([
    [-1, x1],
    [0, x2],
  ]);
  for (const n of INNER) values.set(n.i, OPS[n.op as Exclude<OpName, 'input'>].f64(n.inputs.map((k) => values.get(k)!)));
  const adjoints = new Map<number, number>(NODES.map((n) => [n.i, 0]));
  adjoints.set(OUTPUT, 1);
  for (const n of [...INNER].reverse()) {
    const d = OPS[n.op as Exclude<OpName, 'input'>].partials(n.inputs.map((k) => values.get(k)!));
    n.inputs.forEach((k, j) => adjoints.set(k, adjoints.get(k)! + adjoints.get(n.i)! * d[j]));
  }
  return { values, adjoints };
}

/** f in float64 (for finite differences). */
export const f64 = (x1: number, x2: number): number => trace64(x1, x2).values.get(OUTPUT)!;

/**
 * The graph on webgrad. Every intermediate is computed as opᵢ(…) + εᵢ with εᵢ = 0 passed as an argument, so
 * the one reverse pass of valueAndGrad returns ∂f/∂εᵢ = v̄ᵢ for the intermediates beside ∂f/∂x₁ and ∂f/∂x₂.
 */
export async function traceWebgrad(x1: number, x2: number): Promise<Trace> {
  const kept: [number, Tensor][] = [];
  const f = (...args: Tensor[]): Tensor => {
    const [a1, a2, ...eps] = args;
    const v = new Map<number, Tensor>([
      [-1, a1],
      [0, a2],
    ]);
    INNER.forEach((n, k) => {
      const t = add(OPS[n.op as Exclude<OpName, 'input'>].webgrad(n.inputs.map((j) => v.get(j)!)), eps[k]);
      v.set(n.i, t);
      if (n.i !== OUTPUT) kept.push([n.i, t]);
    });
    return v.get(OUTPUT)!;
  };
  const [value, grads] = valueAndGrad(f)(x1, x2, ...INNER.map(() => 0));
  try {
    const values = new Map<number, number>([
      [-1, x1],
      [0, x2],
      [OUTPUT, await value.item()],
    ]);
    for (const [i, t] of kept) values.set(i, await t.item());
    const adjoints = new Map<number, number>();
    const order = [-1, 0, ...INNER.map((n) => n.i)];
    for (let k = 0; k < order.length; k++) adjoints.set(order[k], await grads[k].item());
    return { values, adjoints };
  } finally {
    value.dispose();
    grads.forEach((g) => g.dispose());
    kept.forEach(([, t]) => t.dispose());
  }
}

/**
 * The forward (dual-number) trace on webgrad: x₁ + ẋ₁ε and x₂ + ẋ₂ε go in as dual tensors, the graph's ops
 * run on them once, and each node's tangent v̇ᵢ (the directional derivative of vᵢ along ẋ) is read back
 * from its tensor with `unpackDual`. v̇₅ is the JVP ∇f·ẋ.
 */
export async function tangentsWebgrad(x1: number, x2: number, seed: [number, number]): Promise<Map<number, number>> {
  // An explicit level (not jvp's dualLevel) because the tangents are read back asynchronously.
  const level = enterDualLevel();
  const made: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => {
    made.push(t);
    return t;
  };
  try {
    const v = new Map<number, Tensor>([
      [-1, keep(dual(keep(tensor(x1)), keep(tensor(seed[0]))))],
      [0, keep(dual(keep(tensor(x2)), keep(tensor(seed[1]))))],
    ]);
    for (const n of INNER) v.set(n.i, keep(OPS[n.op as Exclude<OpName, 'input'>].webgrad(n.inputs.map((j) => v.get(j)!))));
    const tangents = new Map<number, number>();
    for (const [i, t] of v) {
      const [primal, tangent] = unpackDual(t);
      keep(primal);
      // No tangent: vᵢ does not depend on the inputs along this seed (zero).
      tangents.set(i, tangent ? await keep(tangent).item() : 0);
    }
    return tangents;
  } finally {
    exitDualLevel(level);
    made.forEach((t) => t.dispose());
  }
}
