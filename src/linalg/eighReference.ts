/**
 * CPU reference symmetric eigensolver in float64 (standalone, no project imports).
 *
 * 1. Householder reduction A = Q T Qᵀ (skipped when A is already tridiagonal).
 * 2. Eigenvalues of T by implicit QL without vectors (fast, O(n²)).
 * 3. Eigenvectors of T by inverse iteration (O(n²) plus reorthogonalisation inside clusters),
 *    checked for residual and orthogonality; then back-transformed by Q (O(n³), skipped when
 *    A is tridiagonal).
 * 4. Fallback when step 3 refuses or fails its check: QL with rotations accumulated into Q,
 *    the slower but unconditionally robust path.
 * Then ascending sort and sign fix.
 */

import { applyReflectors, formQ, tridiagonalize } from './householder';
import { diagonalizeTridiagonal, inverseIteration, splitBlocks } from './tridiagonalEigen';

export type EighPath = 'inverse-iteration' | 'ql-rotations';

export interface EighDetails {
  values: Float64Array;
  vectors: Float64Array;
  /** Which eigenvector method produced `vectors`. */
  path: EighPath;
  /** Whether the input was already tridiagonal (no Householder reduction or back-transform). */
  tridiagonalInput: boolean;
  /** Why inverse iteration was not used (path 'ql-rotations' only). */
  fallbackReason?: string;
  /** Inverse iteration's certified bounds on T, relative to max|A_ij| and to n respectively (NaN: not reached). */
  check: { residual: number; orthogonality: number };
}

/** Symmetric eigendecomposition of one n×n matrix (row-major, float64). Reads the LOWER triangle only
 *  (a[i*n+j] with i>=j); the upper triangle is ignored.
 *  Returns eigenvalues ascending and eigenvectors as COLUMNS of a row-major n×n matrix (vectors[i*n + k] = component i of eigenvector k),
 *  each eigenvector's sign fixed so that its largest-magnitude component is positive (ties: the first such index). */
export function eighReference(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const { values, vectors } = eighReferenceDetails(a, n);
  return { values, vectors };
}

/** Same, but only eigenvalues (skip vector accumulation: faster). */
export function eigvalshReference(a: Float64Array, n: number): Float64Array {
  checkInput(a, n);
  const { d, e } = tridiagonalize(a, n);
  splitBlocks(d, e, n); // as eighReference does, so that both return identical eigenvalues
  diagonalizeTridiagonal(d, e, null, n);
  return Float64Array.from(ascendingOrder(d), (k) => d[k]);
}

/**
 * Accuracy that inverse iteration must certify on T, or the QL fallback runs instead. Relative to
 * max|A_ij|; the public guarantee (tested) is ‖AV − VΛ‖ < 1e-10·max|A_ij| and
 * ‖VᵀV − I‖ < 1e-12·n, so these leave room for the back-transform's rounding.
 */
const RESIDUAL_TOL = 1e-11;
const ORTHO_TOL = 2e-13;

/**
 * eighReference plus which path was taken (for tests and benchmarks). forcePath 'ql-rotations'
 * skips inverse iteration; otherwise the path is chosen as described at the top of this file.
 */
export function eighReferenceDetails(a: Float64Array, n: number, forcePath?: EighPath): EighDetails {
  checkInput(a, n);
  const tridiagonalInput = isTridiagonal(a, n);
  let d: Float64Array;
  let e: Float64Array;
  let w: Float64Array | null = null;
  let h: Float64Array | null = null;
  if (tridiagonalInput) {
    d = new Float64Array(n);
    e = new Float64Array(n);
    for (let i = 0; i < n; i++) d[i] = a[i * n + i];
    for (let i = 0; i + 1 < n; i++) e[i] = a[(i + 1) * n + i];
  } else {
    ({ d, e, w, h } = tridiagonalize(a, n));
  }
  const blocks = splitBlocks(d, e, n);
  const rows = Math.ceil(n / 4) * 4; // vector kernels work on 4 rows at a time

  // Eigenvalues: QL on copies; each block's eigenvalues stay in its index range, sorted there.
  const lam = d.slice();
  diagonalizeTridiagonal(lam, e.slice(), null, n);
  for (let b = 0; b + 1 < blocks.length; b++) lam.subarray(blocks[b], blocks[b + 1]).sort();

  let fallbackReason: string | undefined = 'forced';
  const check = { residual: NaN, orthogonality: NaN };
  if (forcePath !== 'ql-rotations') {
    const scale = maxAbsLower(a, n);
    const inv = inverseIteration(d, e, lam, blocks, n, rows, RESIDUAL_TOL * scale, ORTHO_TOL * Math.max(n, 1));
    check.residual = inv.residual / (scale || 1);
    check.orthogonality = inv.orthogonality / Math.max(n, 1);
    if (inv.z !== null) {
      // Row k of z is the eigenvector for lam[k]: back-transform rows, then sort and transpose.
      const z = inv.z;
      if (w !== null && h !== null) applyReflectors(z, w, h, n);
      const order = ascendingOrder(lam);
      const values = Float64Array.from(order, (k) => lam[k]);
      const vectors = new Float64Array(n * n);
      for (let k = 0; k < n; k++) {
        const zk = order[k] * n;
        const sign = z[zk + argMaxAbs(z, zk, n)] < 0 ? -1 : 1;
        for (let i = 0; i < n; i++) vectors[i * n + k] = sign * z[zk + i];
      }
      return { values, vectors, path: 'inverse-iteration', tridiagonalInput, check };
    }
    fallbackReason = inv.failure;
  }

  // Fallback: QL with rotations accumulated into Q (the identity for tridiagonal input).
  let z: Float64Array;
  if (w !== null && h !== null) {
    z = formQ(w, h, n);
  } else {
    z = new Float64Array(rows * n);
    for (let i = 0; i < n; i++) z[i * n + i] = 1;
  }
  diagonalizeTridiagonal(d, e, z, n);
  const order = ascendingOrder(d);
  const values = Float64Array.from(order, (k) => d[k]);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let k = 0; k < n; k++) vectors[row + k] = z[row + order[k]];
  }
  fixSigns(vectors, n);
  return { values, vectors, path: 'ql-rotations', tridiagonalInput, fallbackReason, check };
}

function checkInput(a: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`eigh: invalid size n=${n}`);
  if (a.length < n * n) throw new Error(`eigh: expected ${n * n} elements, got ${a.length}`);
}

/** Whether the lower triangle is zero below the subdiagonal. */
function isTridiagonal(a: Float64Array, n: number): boolean {
  for (let i = 2; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < i - 1; j++) if (a[row + j] !== 0) return false;
  }
  return true;
}

function maxAbsLower(a: Float64Array, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) m = Math.max(m, Math.abs(a[i * n + j]));
  return m;
}

function ascendingOrder(d: Float64Array): Int32Array {
  return Int32Array.from(d, (_, k) => k).sort((p, q) => d[p] - d[q] || p - q);
}

/** First index of the largest |z[o + i]|, i < n. */
function argMaxAbs(z: Float64Array, o: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (Math.abs(z[o + i]) > Math.abs(z[o + best])) best = i;
  return best;
}

/** Make each column's largest-magnitude component positive (first index wins ties). */
function fixSigns(v: Float64Array, n: number): void {
  const best = new Float64Array(n).fill(-1);
  const flip = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const x = v[i * n + k];
      if (Math.abs(x) > best[k]) {
        best[k] = Math.abs(x);
        flip[k] = x < 0 ? 1 : 0;
      }
    }
  }
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) if (flip[k]) v[i * n + k] = -v[i * n + k];
}
