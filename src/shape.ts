// Shape arithmetic shared by every op: sizes, strides, NumPy broadcasting, axis normalisation.

/** A tensor shape: the size of each dim, outermost first. */
export type Shape = readonly number[];

/** An error raised at the call, naming the op at fault. */
export class WebgradError extends Error {
  constructor(op: string, message: string) {
    super(`webgrad.${op}: ${message}`);
    this.name = 'WebgradError';
  }
}

export const fmt = (s: Shape): string => `[${s.join(', ')}]`;

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i];
  }
  return st;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** NumPy broadcasting of two shapes; throws naming the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new WebgradError(op, `shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together (dim ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read `shape` broadcast up to `outShape` (0 where a dim is broadcast). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const st = stridesOf(shape);
  const off = outShape.length - shape.length;
  return outShape.map((_d, i) => (i < off || shape[i - off] === 1 ? 0 : st[i - off]));
}

/** Normalise `axis` (number, list, or undefined for all) to sorted unique non-negative axes. */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined, ndim: number): number[] {
  if (axis === undefined) return [...Array(ndim).keys()];
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(op, a, ndim));
  if (new Set(out).size !== out.length) throw new WebgradError(op, `repeated axis in ${JSON.stringify(list)}`);
  return out.sort((x, y) => x - y);
}

export function normalizeAxis(op: string, a: number, ndim: number, extra = 0): number {
  const n = ndim + extra;
  if (!Number.isInteger(a) || a < -Math.max(n, 1) || a >= Math.max(n, 1)) {
    throw new WebgradError(op, `axis ${a} is out of range for a tensor of rank ${ndim}`);
  }
  return a < 0 ? a + Math.max(n, 1) : a;
}

/** Shape after reducing `axes` (kept as 1 with keepdim). */
export function reducedShape(shape: Shape, axes: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

/**
 * Drops size-1 dims and merges neighbours that every stride list walks contiguously, so kernels index
 * with the smallest rank (same-shape operands collapse to rank 1). Always returns rank >= 1.
 */
export function collapseDims(shape: Shape, strideLists: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const dims: number[] = [];
  const strides: number[][] = strideLists.map(() => []);
  shape.forEach((d, i) => {
    if (d === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && strideLists.every((s, k) => strides[k][last] === s[i] * d)) {
      dims[last] *= d;
      strideLists.forEach((s, k) => (strides[k][last] = s[i]));
    } else {
      dims.push(d);
      strideLists.forEach((s, k) => strides[k].push(s[i]));
    }
  });
  if (dims.length === 0) return { shape: [1], strides: strideLists.map(() => [0]) };
  return { shape: dims, strides };
}

/** Maximum rank a WGSL kernel indexes after collapsing (shapes and strides travel as 2 × vec4<u32>). */
export const MAX_KERNEL_RANK = 8;

/** Packs shape and stride lists into u32 words for a kernel uniform: each list padded to 8. */
export function packDims(op: string, lists: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (const l of lists) {
    if (l.length > MAX_KERNEL_RANK) throw new WebgradError(op, `rank ${l.length} after collapsing exceeds ${MAX_KERNEL_RANK}`);
    for (let i = 0; i < MAX_KERNEL_RANK; i++) out.push(l[i] ?? 1);
  }
  return out;
}

/**
 * The strided walk every CPU kernel shares: the offsets of flat index `i` (row-major over `shape`) through
 * two stride lists, written into `out` as [a, b] (a broadcast dim has stride 0). `out` is reused by callers
 * in their inner loops, so nothing is allocated per element.
 */
export function stridedOffsets(i: number, shape: readonly number[], sa: readonly number[], sb: readonly number[], out: number[]): number[] {
  let a = 0;
  let b = 0;
  for (let d = shape.length - 1; d >= 0; d--) {
    const c = i % shape[d];
    i = (i - c) / shape[d];
    a += c * sa[d];
    b += c * sb[d];
  }
  out[0] = a;
  out[1] = b;
  return out;
}
