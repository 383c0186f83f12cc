/**
 * Symmetric tridiagonal eigenproblems in float64 (standalone, no project imports).
 * The tridiagonal T has diagonal d[0..n) and off-diagonal e[0..n-1) (e[i] = T[i+1][i]; e[n-1] unused).
 *
 * - diagonalizeTridiagonal: implicit QL, eigenvalues only or with accumulated rotations.
 * - splitBlocks: zero negligible off-diagonals and list the unreduced blocks.
 * - inverseIteration: eigenvectors for known eigenvalues (LAPACK dstein style), with its own
 *   residual/orthogonality check so that callers can fall back to QL with rotations.
 */

export const EPS = 2 ** -52;

/**
 * Implicit QL on the tridiagonal (d, e); d becomes the eigenvalues (each stays within its
 * unreduced block, unsorted). If z is given, every Givens rotation G is also applied as z ← z G,
 * so z's columns become the eigenvectors; z must have a multiple of 4 rows of length n.
 * The rotations never depend on z, so a whole sweep is recorded and applied in one pass.
 */
export function diagonalizeTridiagonal(d: Float64Array, e: Float64Array, z: Float64Array | null, n: number): void {
  const cs = new Float64Array(n);
  const sn = new Float64Array(n);
  const maxSweeps = 60 * Math.max(n, 1);
  let sweeps = 0;
  for (let l = 0; l < n; l++) {
    for (;;) {
      // T[l..m] is the unreduced block: e[m] is the first negligible off-diagonal from l on.
      let m = l;
      while (m < n - 1 && Math.abs(e[m]) > EPS * (Math.abs(d[m]) + Math.abs(d[m + 1]))) m++;
      if (m === l) break; // d[l] has converged
      if (++sweeps > maxSweeps) throw new Error(`eigh: QL iteration did not converge (n=${n})`);

      // Shift: the eigenvalue of the top 2×2 block [d[l] e[l]; e[l] d[l+1]] closer to d[l].
      const t = (d[l + 1] - d[l]) / (2 * e[l]);
      const root = hypot(t, 1);
      const shift = d[l] - e[l] / (t + (t >= 0 ? root : -root));

      // Chase the bulge from the bottom (row m) up to l. `x` is the entry the next rotation
      // annihilates against, `carry` the shift-free change moved from d[i+1] upwards.
      let x = d[m] - shift;
      let c = 1;
      let s = 1;
      let carry = 0;
      let split = false;
      let i = m - 1;
      for (; i >= l; i--) {
        const y = s * e[i];
        const b = c * e[i];
        const r = hypot(x, y);
        e[i + 1] = r;
        if (r === 0) {
          // Underflow: T splits at i+1. Undo the pending update and rescan.
          d[i + 1] -= carry;
          e[m] = 0;
          split = true;
          break;
        }
        s = y / r;
        c = x / r;
        const di1 = d[i + 1] - carry;
        const q = (d[i] - di1) * s + 2 * c * b;
        carry = s * q;
        d[i + 1] = di1 + carry;
        x = c * q - b;
        cs[i] = c;
        sn[i] = s;
      }
      if (z !== null && i < m - 1) applyRotations(z, n, i + 1, m, cs, sn);
      if (split) continue;
      d[l] -= carry;
      e[l] = x;
      e[m] = 0;
    }
  }
}

/** √(x² + y²): Math.hypot costs ~10× more, so use it only where the squares could over/underflow. */
function hypot(x: number, y: number): number {
  const q = x * x + y * y;
  return q > 1e-290 && q < 1e290 ? Math.sqrt(q) : Math.hypot(x, y);
}

/**
 * Apply rotations i = hi-1 down to lo (each mixing columns i and i+1) to every row of z.
 * One contiguous pass per row with the running column in a register; four rows at a time
 * so their dependency chains overlap (z has a multiple of 4 rows).
 */
function applyRotations(z: Float64Array, n: number, lo: number, hi: number, cs: Float64Array, sn: Float64Array): void {
  for (let r0 = 0; r0 < z.length; r0 += 4 * n) {
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    let x0 = z[r0 + hi];
    let x1 = z[r1 + hi];
    let x2 = z[r2 + hi];
    let x3 = z[r3 + hi];
    for (let i = hi - 1; i >= lo; i--) {
      const c = cs[i];
      const s = sn[i];
      const y0 = z[r0 + i];
      const y1 = z[r1 + i];
      const y2 = z[r2 + i];
      const y3 = z[r3 + i];
      z[r0 + i + 1] = s * y0 + c * x0;
      z[r1 + i + 1] = s * y1 + c * x1;
      z[r2 + i + 1] = s * y2 + c * x2;
      z[r3 + i + 1] = s * y3 + c * x3;
      x0 = c * y0 - s * x0;
      x1 = c * y1 - s * x1;
      x2 = c * y2 - s * x2;
      x3 = c * y3 - s * x3;
    }
    z[r0 + lo] = x0;
    z[r1 + lo] = x1;
    z[r2 + lo] = x2;
    z[r3 + lo] = x3;
  }
}

/**
 * Set negligible off-diagonals (|e[i]| <= EPS (|d[i]| + |d[i+1]|), the QL deflation test) to
 * zero and return the unreduced blocks as starts followed by n: block b is [s[b], s[b+1])
 * (just [0] for n = 0).
 * Zeroing is a backward-stable perturbation, and it pins every eigenvalue (and its QL result
 * position) to one block, so QL's eigenvalues and inverse iteration agree on the blocks.
 */
export function splitBlocks(d: Float64Array, e: Float64Array, n: number): Int32Array {
  const starts = [0];
  for (let i = 0; i + 1 < n; i++) {
    if (Math.abs(e[i]) <= EPS * (Math.abs(d[i]) + Math.abs(d[i + 1]))) {
      e[i] = 0;
      starts.push(i + 1);
    }
  }
  if (n > 0) {
    e[n - 1] = 0;
    starts.push(n);
  }
  return Int32Array.from(starts);
}

const MAX_ITS = 5; // dstein: at most 5 solves per vector,
const EXTRA = 2; // the last 2 after the growth test first passes
const CLUSTER_GAP = 1e-3; // eigenvalues closer than this times ‖T_block‖₁ are reorthogonalised

export interface InverseIterationResult {
  /** Row k (length n) is the unit eigenvector for lam[k]; null when the method failed. */
  z: Float64Array | null;
  /** Largest ‖T z_k − lam[k] z_k‖₂ (plus rounding allowance). */
  residual: number;
  /** Bound on max |z_jᵀ z_k| (j ≠ k): computed within clusters, residual/gap bound across. */
  orthogonality: number;
  /** Why z is null. */
  failure?: string;
}

/**
 * Eigenvectors of the split tridiagonal (d, e) (see splitBlocks) by inverse iteration, as in
 * LAPACK's dstein: for each eigenvalue, a pivoted LU of T − λI and a few solves from a random
 * start. Within a block, eigenvalues closer than CLUSTER_GAP·‖T_block‖₁ to their predecessor form
 * a cluster: λ is nudged apart from its predecessor if (nearly) equal, and every iterate is
 * reorthogonalised by modified Gram-Schmidt against the cluster's earlier vectors.
 *
 * lam[s..t) must hold the eigenvalues of block [s, t), ascending. The result has `rows` ≥ n
 * rows of length n (extra rows stay zero); row k is zero outside the block of k. It is accepted
 * only if every residual is at most `residualTol` and the orthogonality bound at most
 * `orthoTol`; clusters costing more than n²/4 vector pairs in all are refused up front.
 */
export function inverseIteration(
  d: Float64Array,
  e: Float64Array,
  lam: Float64Array,
  blocks: Int32Array,
  n: number,
  rows: number,
  residualTol: number,
  orthoTol: number,
): InverseIterationResult {
  const fail = (failure: string, residual = NaN, orthogonality = NaN): InverseIterationResult => ({
    z: null,
    residual,
    orthogonality,
    failure,
  });
  // Up-front cost check: reorthogonalisation is O(k² m) per cluster of k vectors.
  let pairWork = 0;
  for (let b = 0; b + 1 < blocks.length; b++) {
    const s = blocks[b];
    const t = blocks[b + 1];
    const ortol = CLUSTER_GAP * blockNorm(d, e, s, t);
    for (let j = s + 1, start = s; j < t; j++) {
      if (lam[j] - lam[j - 1] > ortol) start = j;
      pairWork += j - start;
    }
  }
  if (pairWork > (n * n) / 4) return fail('clusters too large');

  const z = new Float64Array(rows * n);
  const y = new Float64Array(n);
  const lu = new TridiagonalLU(n);
  const random = uniformMinus1To1(0x2545f491);
  let residual = 0;
  let orthogonality = 0;

  for (let b = 0; b + 1 < blocks.length; b++) {
    const s = blocks[b];
    const m = blocks[b + 1] - s;
    if (m === 1) {
      z[s * n + s] = 1;
      continue;
    }
    const onenrm = blockNorm(d, e, s, s + m);
    const ortol = CLUSTER_GAP * onenrm;
    const growth = Math.sqrt(0.1 / m); // dstein's stopping test on ‖iterate‖∞
    let blockResidual = 0;
    let minGap = Infinity; // smallest eigenvalue gap between neighbouring clusters
    let xPrev = 0;
    let start = s; // first eigenvalue index of the current cluster
    for (let j = s; j < s + m; j++) {
      let x = lam[j];
      if (j > s) {
        // dstein's separation 10·EPS·|λ|, floored so that repeated zero eigenvalues also move.
        const pertol = 10 * EPS * Math.max(Math.abs(x), onenrm * 1e-3);
        if (x - xPrev < pertol) x = xPrev + pertol;
        if (x - xPrev > ortol) {
          // Cluster boundary: check the finished cluster, then start a new one.
          orthogonality = Math.max(orthogonality, clusterOrthogonality(z, n, start, j, s, m));
          minGap = Math.min(minGap, lam[j] - lam[j - 1]);
          start = j;
        }
      }
      lu.factor(d, e, s, m, x, EPS * onenrm);
      for (let k = 0; k < m; k++) y[k] = random();
      let ymax = maxAbs(y, m);
      let converged = false;
      for (let its = 0, passed = 0; its < MAX_ITS; its++) {
        // Scale the right-hand side as dstein does (made scale-invariant: dstein's
        // m·‖T‖·max(EPS, |u_mm|) assumes ‖T‖ ≈ 1), then solve (T − xI) y_new = y.
        if (!(ymax > 0 && ymax < Infinity)) break;
        const scl = (m * Math.max(EPS * onenrm, Math.abs(lu.lastPivot))) / ymax;
        for (let k = 0; k < m; k++) y[k] *= scl;
        lu.solve(y);
        if (start < j) orthogonalize(y, z, n, s, m, start, j);
        ymax = maxAbs(y, m);
        if (!(ymax >= growth && ymax < Infinity)) continue; // non-finite: fails at the next pass
        if (++passed > EXTRA) {
          converged = true;
          break;
        }
      }
      if (!converged) return fail(`no convergence for eigenvalue ${j}`);
      const unit = 1 / ymax; // ‖y / ymax‖₂: the squares can neither overflow nor all underflow
      let norm2 = 0;
      for (let k = 0; k < m; k++) {
        const t = y[k] * unit;
        norm2 += t * t;
      }
      const inv = unit / Math.sqrt(norm2);
      const zj = j * n + s;
      for (let k = 0; k < m; k++) z[zj + k] = y[k] * inv;
      blockResidual = Math.max(blockResidual, tridiagonalResidual(d, e, s, m, lam[j], z, zj, onenrm));
      xPrev = x;
    }
    orthogonality = Math.max(orthogonality, clusterOrthogonality(z, n, start, s + m, s, m));
    // Across clusters |z_jᵀ z_k| <= (r_j + r_k) / |λ_j − λ_k| (r: residual norms, unit z).
    blockResidual += 8 * EPS * onenrm; // allowance for rounding in the computed residuals
    if (minGap < Infinity) orthogonality = Math.max(orthogonality, (2 * blockResidual) / minGap);
    residual = Math.max(residual, blockResidual);
    if (!(residual <= residualTol)) return fail('residual check', residual, orthogonality);
    if (!(orthogonality <= orthoTol)) return fail('orthogonality check', residual, orthogonality);
  }
  return { z, residual, orthogonality };
}

/**
 * Modified Gram-Schmidt of y against the unit vectors in rows from..to-1 of z (block offset s,
 * size m). Each subtraction pass also accumulates the next dot product, on the already updated
 * entries: the same arithmetic as plain MGS in half the passes.
 */
function orthogonalize(y: Float64Array, z: Float64Array, n: number, s: number, m: number, from: number, to: number): void {
  let zi = from * n + s;
  let dot = 0;
  for (let k = 0; k < m; k++) dot += y[k] * z[zi + k];
  for (let i = from + 1; i < to; i++) {
    const zn = zi + n;
    let next = 0;
    for (let k = 0; k < m; k++) {
      const yk = y[k] - dot * z[zi + k];
      y[k] = yk;
      next += yk * z[zn + k];
    }
    dot = next;
    zi = zn;
  }
  for (let k = 0; k < m; k++) y[k] -= dot * z[zi + k];
}

/** ‖T[s..t)‖₁ (= ‖·‖∞ for symmetric T); never zero so that tolerances stay meaningful. */
function blockNorm(d: Float64Array, e: Float64Array, s: number, t: number): number {
  let norm = 0;
  for (let k = s; k < t; k++) {
    const left = k > s ? Math.abs(e[k - 1]) : 0;
    const right = k + 1 < t ? Math.abs(e[k]) : 0;
    norm = Math.max(norm, Math.abs(d[k]) + left + right);
  }
  return norm > 0 ? norm : Number.MIN_VALUE;
}

/** max |y[k]|, k < m (NaN if any is NaN). */
function maxAbs(y: Float64Array, m: number): number {
  let best = 0;
  for (let k = 0; k < m; k++) best = Math.max(best, Math.abs(y[k]));
  return best;
}

/** ‖T z − λ z‖₂ on block [s, s+m), z stored at z[zo .. zo+m); summed in units of `unit` (‖T‖)
 *  so that squares neither overflow nor underflow. */
function tridiagonalResidual(d: Float64Array, e: Float64Array, s: number, m: number, lam: number, z: Float64Array, zo: number, unit: number): number {
  let sum = 0;
  for (let k = 0; k < m; k++) {
    let r = (d[s + k] - lam) * z[zo + k];
    if (k > 0) r += e[s + k - 1] * z[zo + k - 1];
    if (k + 1 < m) r += e[s + k] * z[zo + k + 1];
    r /= unit;
    sum += r * r;
  }
  return Math.sqrt(sum) * unit;
}

/** max |z_iᵀ z_j| over i ≠ j in the cluster [from, to) of the block at offset s, size m. */
function clusterOrthogonality(z: Float64Array, n: number, from: number, to: number, s: number, m: number): number {
  let worst = 0;
  for (let i = from; i < to; i++) {
    for (let j = i + 1; j < to; j++) {
      const zi = i * n + s;
      const zj = j * n + s;
      let dot = 0;
      for (let k = 0; k < m; k++) dot += z[zi + k] * z[zj + k];
      worst = Math.max(worst, Math.abs(dot));
    }
  }
  return worst;
}

/**
 * LU factorisation with partial pivoting of one block of T − λI, as in LAPACK's dlagtf/dlagts:
 * P (T − λI) = L U with U upper triangular with three diagonals and L unit lower bidiagonal
 * (multipliers l, row swaps in swap). Pivots smaller than tol are replaced by ±tol, which is
 * what inverse iteration wants near an eigenvalue (LAPACK: tol = EPS·max|U|; here EPS·‖T‖).
 * U is stored for the back substitution as r = 1/diag, u1 = superdiagonal·r, u2 = second
 * superdiagonal·r.
 */
export class TridiagonalLU {
  readonly r: Float64Array;
  readonly u1: Float64Array;
  readonly u2: Float64Array;
  readonly l: Float64Array;
  readonly swap: Uint8Array;
  m = 0;
  /** U's last diagonal entry (after the tol adjustment). */
  lastPivot = 0;

  constructor(n: number) {
    this.r = new Float64Array(n);
    this.u1 = new Float64Array(n);
    this.u2 = new Float64Array(n);
    this.l = new Float64Array(n);
    this.swap = new Uint8Array(n);
  }

  factor(d: Float64Array, e: Float64Array, s: number, m: number, lam: number, tol: number): void {
    const { r, u1, u2, l, swap } = this;
    this.m = m;
    let piv = d[s] - lam; // current pivot row: (piv, sup) in columns k, k+1
    let sup = m > 1 ? e[s] : 0;
    for (let k = 0; k + 1 < m; k++) {
      const sub = e[s + k]; // T[k+1][k]
      const next = d[s + k + 1] - lam;
      const next2 = k + 2 < m ? e[s + k + 1] : 0;
      let u0: number;
      if (Math.abs(piv) >= Math.abs(sub)) {
        const mult = piv !== 0 ? sub / piv : 0;
        u0 = piv;
        u1[k] = sup;
        u2[k] = 0;
        l[k] = mult;
        swap[k] = 0;
        piv = next - mult * sup;
        sup = next2;
      } else {
        const mult = piv / sub;
        u0 = sub;
        u1[k] = next;
        u2[k] = next2;
        l[k] = mult;
        swap[k] = 1;
        piv = sup - mult * next;
        sup = -mult * next2;
      }
      if (Math.abs(u0) < tol) u0 = u0 < 0 ? -tol : tol;
      const rk = 1 / u0;
      r[k] = rk;
      u1[k] *= rk;
      u2[k] *= rk;
    }
    if (Math.abs(piv) < tol) piv = piv < 0 ? -tol : tol;
    r[m - 1] = 1 / piv;
    this.lastPivot = piv;
  }

  /** y ← (T − λI)⁻¹ y (with the adjusted pivots). */
  solve(y: Float64Array): void {
    const { r, u1, u2, l, swap, m } = this;
    // y ← L⁻¹ P y, carrying the running entry; selects instead of branches (the swap
    // pattern is data-dependent and mispredicts).
    let cur = y[0];
    for (let k = 0; k + 1 < m; k++) {
      const next = y[k + 1];
      const swapped = swap[k] !== 0;
      const top = swapped ? next : cur;
      const bottom = swapped ? cur : next;
      y[k] = top;
      cur = bottom - l[k] * top;
    }
    // y ← U⁻¹ y.
    let y2 = (y[m - 1] = cur * r[m - 1]);
    if (m === 1) return;
    let y1 = (y[m - 2] = y[m - 2] * r[m - 2] - u1[m - 2] * y2);
    for (let k = m - 3; k >= 0; k--) {
      const yk = y[k] * r[k] - u2[k] * y2 - u1[k] * y1;
      y[k] = yk;
      y2 = y1;
      y1 = yk;
    }
  }
}

/** Deterministic uniform [−1, 1) generator (xorshift32 on an int32), so results do not vary between calls. */
function uniformMinus1To1(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s / 2147483648;
  };
}
