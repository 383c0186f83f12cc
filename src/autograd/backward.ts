// The reverse pass: nodes in reverse topological order, gradients summed down to each input's shape in
// one place (sumTo), accumulated where a tensor feeds several ops, and handed to leaves or to grad().
import { full } from '../ops/creation';
import { add } from '../ops/elementwise';
import { sumTo } from '../ops/broadcast';
import { fmt, sameShape, WebgradError } from '../shape';
import { keep, Tensor, tidy } from '../tensor';
import { addMethods } from '../ops/util';
import { enableGrad, GradNode, noGrad } from './node';

/** Options of `backward()`. */
export interface BackwardOptions {
  /** Keep the graph (and its saved tensors) for another backward through it. */
  retainGraph?: boolean;
  /**
   * Record the backward pass itself, so the gradients are differentiable again (higher-order derivatives,
   * like torch's `create_graph`). Implies `retainGraph`.
   */
  createGraph?: boolean;
}

/** Nodes reachable from `roots`, each after every node that consumes its outputs (reverse topological order). */
function reverseTopological(roots: readonly Tensor[]): GradNode[] {
  const order: GradNode[] = [];
  const seen = new Set<GradNode>();
  const stack: [GradNode, number][] = [];
  for (const r of roots) {
    if (!r.node || seen.has(r.node)) continue;
    seen.add(r.node);
    stack.push([r.node, 0]);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [node, i] = top;
      if (i < node.inputs.length) {
        top[1]++;
        const child = node.inputs[i].node;
        if (child && !seen.has(child)) {
          seen.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        order.push(node);
      }
    }
  }
  return order.reverse();
}

function freeGraph(nodes: readonly GradNode[]): void {
  for (const n of nodes) {
    n.saved?.forEach((t) => t.dispose());
    n.saved = null;
    n.backward = null;
  }
}

/**
 * Gradients of `roots` (seeded with `seeds`) with respect to every leaf that requires grad, or to the
 * tensors in `wrt` (intermediates allowed). Returned gradients belong to the caller.
 */
export function computeGradients(
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  wrt: readonly Tensor[] | null,
  options: BackwardOptions = {},
): Map<Tensor, Tensor> {
  const mode = options.createGraph ? enableGrad : noGrad;
  return mode(() => {
    const nodes = reverseTopological(roots);
    const pending = new Map<GradNode, (Tensor | null)[]>();
    const result = new Map<Tensor, Tensor>();
    const wanted = wrt ? new Set(wrt) : null;
    const held = new Set<Tensor>(); // gradients currently stored somewhere (never disposed early)
    const userOwned = new Set<Tensor>(seeds);

    const drop = (t: Tensor | null | undefined): void => {
      if (t && !held.has(t) && !userOwned.has(t)) t.dispose();
    };
    const accumulate = (slots: Map<unknown, Tensor> | (Tensor | null)[], key: number | Tensor, g: Tensor): void => {
      const get = (): Tensor | null | undefined => (slots instanceof Map ? slots.get(key as Tensor) : slots[key as number]);
      const set = (v: Tensor): void => void (slots instanceof Map ? slots.set(key as Tensor, v) : (slots[key as number] = v));
      const prev = get();
      if (!prev) {
        // One tensor may flow into several slots (add returns g twice): give each its own handle.
        const own = held.has(g) || userOwned.has(g) ? g.savedHandle(true) : g;
        set(own);
        held.add(own);
        return;
      }
      const total = add(prev, g);
      held.delete(prev);
      prev.dispose();
      drop(g);
      set(total);
      held.add(total);
    };
    /** Routes a gradient to the tensor `t`: into the pending slot of the node that made it, or the results. */
    const deliver = (t: Tensor, g: Tensor): void => {
      const target = t.origin ?? t; // a saved handle stands for its tensor
      if (wanted?.has(target) || (!wanted && !t.node)) accumulate(result, target, g);
      else if (t.node) accumulate((pending.get(t.node) ?? pending.set(t.node, []).get(t.node))!, t.outputIndex, g);
      else drop(g);
    };

    roots.forEach((r, i) => deliver(r, seeds[i]));
    for (const node of nodes) {
      const grads = pending.get(node);
      if (!grads || grads.every((g) => !g)) continue;
      pending.delete(node);
      if (!node.backward || !node.saved) {
        throw new WebgradError(
          'backward',
          `the graph through '${node.op}' was freed by an earlier backward(); pass { retainGraph: true } to that call to run backward twice`,
        );
      }
      // tidy: temporaries a backward rule makes (views, partial products) die here.
      const run = node.backward;
      const saved = node.saved;
      const inGrads = tidy(() => run(grads, saved));
      for (const g of grads) {
        if (g) held.delete(g);
      }
      const produced = new Set(inGrads.filter((g): g is Tensor => !!g));
      node.inputs.forEach((input, i) => {
        const g = inGrads[i];
        if (!g || !input.requiresGrad) return;
        const reduced = tidy(() => sumTo(g, input.shape));
        if (reduced !== g) produced.add(reduced);
        deliver(input, reduced);
      });
      for (const g of grads) if (g && !produced.has(g)) drop(g);
      for (const g of produced) drop(g);
    }
    for (const g of pending.values()) g.forEach(drop);
    if (!options.retainGraph && !options.createGraph) freeGraph(nodes);
    for (const g of result.values()) held.delete(g);
    return result;
  });
}

/** The seed gradient: ones for a one-element output, else the given tensor (checked against the shape). */
function seedFor(y: Tensor, seed: Tensor | number | undefined): Tensor {
  if (seed === undefined) {
    if (y.size !== 1) throw new WebgradError('backward', `output of shape ${fmt(y.shape)} is not a scalar: pass a seed gradient of that shape`);
    return full(y.shape, 1, { backend: y.backend });
  }
  const s = typeof seed === 'number' ? full(y.shape, seed, { backend: y.backend }) : seed;
  if (!sameShape(s.shape, y.shape))
    throw new WebgradError('backward', `seed of shape ${fmt(s.shape)} does not match the output's shape ${fmt(y.shape)}`);
  return s;
}

/**
 * Reverse pass from `y`: accumulates d(y·seed)/d(leaf) into `.grad` of every leaf that requires grad.
 * The graph is freed afterwards unless `retainGraph` is set.
 */
export function backward(y: Tensor, seed?: Tensor | number, options: BackwardOptions = {}): void {
  if (!y.requiresGrad) {
    throw new WebgradError('backward', 'tensor does not require grad (no input requires grad, or it was computed under noGrad)');
  }
  y.storageFor('backward');
  const s = seedFor(y, seed);
  const grads = computeGradients([y], [s], null, options);
  if (s !== seed) s.dispose();
  (options.createGraph ? enableGrad : noGrad)(() => {
    for (const [leaf, g] of grads) {
      if (leaf.grad) {
        const total = add(leaf.grad, g);
        leaf.grad.dispose();
        g.dispose();
        leaf.grad = keep(total);
      } else {
        leaf.grad = keep(g.savedHandle(true));
        g.dispose();
      }
    }
  });
}

declare module '../tensor' {
  interface Tensor {
    /** Reverse-mode AD from this tensor (see `backward`). Accepts `backward(options)` too. */
    backward(seed?: Tensor | number | BackwardOptions, options?: BackwardOptions): void;
    /** Sets `.grad` to null (disposing it). */
    zeroGrad(): void;
  }
}

addMethods({
  backward(self: Tensor, seed?: Tensor | number | BackwardOptions, options?: BackwardOptions) {
    if (seed !== undefined && !(seed instanceof Tensor) && typeof seed === 'object') return backward(self, undefined, seed);
    return backward(self, seed as Tensor | number | undefined, options);
  },
  zeroGrad(self: Tensor) {
    self.grad?.dispose();
    self.grad = null;
  },
});
