// The op whose call is running, so that a backend failing deep inside an allocation can name it.
// The outermost op wins: `zeros` rather than the `full` it calls, `eigh` rather than a kernel it runs.

let current: string | null = null;

/** The op being called, or null outside any. */
export function currentOp(): string | null {
  return current;
}

/** The name of the op being called ('alloc' outside any op). */
export function opInProgress(): string {
  return current ?? 'alloc';
}

/** Runs `fn` as (part of) the op `op`. */
export function duringOp<T>(op: string, fn: () => T): T {
  if (current !== null) return fn();
  current = op;
  try {
    return fn();
  } finally {
    current = null;
  }
}
