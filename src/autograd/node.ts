import type { Tensor } from '../tensor';

/** Gradients of an op's inputs (null: that input gets none) given one gradient per output (null: none flowed). */
export type BackwardFn = (grads: readonly (Tensor | null)[], saved: readonly Tensor[]) => (Tensor | null)[];

/** A recorded op on the tape: the edge from an output back to its inputs. */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Handles on the tensors backward needs; they keep the storage alive even if the user disposes the originals. */
  saved: Tensor[] | null;
  backward: BackwardFn | null;
  /** Live tensors whose node this is, plus live nodes with an input made here. */
  users: number;
  /** The nodes that made this node's inputs (each counted once per input in its `users`). */
  edges: GradNode[];
}

/**
 * One user of `node` fewer. A node nobody can reach any more (its outputs and their handles disposed, and
 * no node downstream) frees its saved tensors at once, and lets go of the nodes upstream: disposing tensors
 * frees their graph without waiting for garbage collection.
 */
export function releaseNode(node: GradNode): void {
  if (--node.users > 0) return;
  const saved = node.saved;
  node.saved = null;
  node.backward = null;
  saved?.forEach((t) => t.dispose());
  const edges = node.edges;
  node.edges = [];
  edges.forEach(releaseNode);
}

let gradEnabled = true;

/** Whether ops record the tape now (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` with gradient recording off (like `torch.no_grad()`); `fn` must be synchronous. */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

/** Runs `fn` with gradient recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}
