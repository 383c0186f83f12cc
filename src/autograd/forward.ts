// Forward mode: dual numbers. A tensor may carry a tangent per dual level (PyTorch's forward-AD levels,
// JAX's nested JVP traces). Levels nest: `jvp` opens one, runs the function, reads the output tangents
// and closes it. A primitive computes each level's output tangent with that level masked and the others
// active, so tangents of tangents (nested jvp, jvp of grad) come out right.
import { fmt, sameShape, WebgradError } from '../shape';
import type { Tensor } from '../tensor';

/** A forward-mode level: tangents made at it belong to it (see {@link dualLevel}). */
export interface DualLevel {
  /** Unique id of the level (tangents are stored by it). */
  readonly id: number;
  /** Tensors given a tangent at this level; their tangents are dropped when the level closes. */
  readonly members: Set<Tensor>;
}

let nextLevelId = 1;
/** The default level: open for the whole process (tangents there live as long as their tensors). */
const rootLevel: DualLevel = { id: 0, members: new Set() };
const levels: DualLevel[] = [rootLevel];
const masked = new Set<number>();

/** The innermost open level (where `dual` and `unpackDual` act). */
export function currentLevel(): DualLevel {
  return levels[levels.length - 1];
}

/** Open levels from the innermost out, less those masked while a level's own tangent is computed. */
export function activeLevels(): DualLevel[] {
  const out: DualLevel[] = [];
  for (let i = levels.length - 1; i >= 0; i--) if (!masked.has(levels[i].id)) out.push(levels[i]);
  return out;
}

/** Runs `fn` with `level` masked (its tangents neither read nor produced). */
export function withMasked<T>(level: DualLevel, fn: () => T): T {
  const was = masked.has(level.id);
  masked.add(level.id);
  try {
    return fn();
  } finally {
    if (!was) masked.delete(level.id);
  }
}

/** The tangent of `t` at `level` (null: zero). */
export function tangentAt(t: Tensor, level: DualLevel): Tensor | null {
  return t.tangents?.get(level.id) ?? null;
}

/** Whether `t` carries a tangent at any active level. */
export function hasActiveTangent(t: Tensor): boolean {
  if (!t.tangents || t.tangents.size === 0) return false;
  for (const id of t.tangents.keys()) if (!masked.has(id) && levels.some((l) => l.id === id)) return true;
  return false;
}

/** Attaches `tangent` to `t` at `level` (the tensor keeps its own handle on it). */
export function setTangent(t: Tensor, level: DualLevel, tangent: Tensor): void {
  if (!sameShape(t.shape, tangent.shape)) {
    throw new WebgradError('dual', `tangent of shape ${fmt(tangent.shape)} does not match the primal's shape ${fmt(t.shape)}`);
  }
  const map = (t.tangents ??= new Map());
  map.get(level.id)?.dispose();
  map.set(level.id, tangent.savedHandle());
  if (level !== rootLevel) level.members.add(t);
}

/** Runs `fn` inside a new dual level (like `torch.autograd.forward_ad.dual_level()`); closes it afterwards. */
export function dualLevel<T>(fn: () => T): T {
  const level = enterDualLevel();
  try {
    return fn();
  } finally {
    exitDualLevel(level);
  }
}

/**
 * Opens a dual level and returns it (`torch.autograd.forward_ad.enter_dual_level`), for async code that
 * reads values back while tangents are live. Close it with `exitDualLevel`, innermost first.
 */
export function enterDualLevel(): DualLevel {
  const level: DualLevel = { id: nextLevelId++, members: new Set() };
  levels.push(level);
  return level;
}

/** Closes `level` (the innermost open one): the tangents it gave out are dropped. */
export function exitDualLevel(level: DualLevel): void {
  if (currentLevel() !== level) throw new WebgradError('exitDualLevel', 'dual levels must be closed innermost first');
  levels.pop();
  for (const t of level.members) {
    t.tangents?.get(level.id)?.dispose();
    t.tangents?.delete(level.id);
  }
}
