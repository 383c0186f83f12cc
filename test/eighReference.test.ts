import { describe, it, expect } from 'vitest';
import { eighReference, eighReferenceDetails, eigvalshReference } from '../src/linalg/eighReference';
import { diagonalizeTridiagonal, inverseIteration, splitBlocks } from '../src/linalg/tridiagonalEigen';
import { mulberry32 as rng } from '../src/ops/creation';
import { decompositionErrors, randomSymmetric, withSpectrum } from './setup/eigen';

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const x of a) m = Math.max(m, Math.abs(x));
  return m;
}

/** Checks A V = V Λ, VᵀV = I, ascending order and the sign convention for a full symmetric A. */
function checkDecomposition(a: Float64Array, n: number): void {
  checkResult(a, n, eighReference(a, n));
}

function checkResult(a: Float64Array, n: number, result: { values: Float64Array; vectors: Float64Array }): void {
  const { values, vectors: v } = result;
  expect(values.length).toBe(n);
  expect(v.length).toBe(n * n);
  const scale = Math.max(maxAbs(a), 1e-300);
  const { resid, orth } = decompositionErrors(a, n, values, v);
  expect(resid).toBeLessThan(1e-10 * scale);
  expect(orth).toBeLessThan(1e-12 * Math.max(n, 1));
  for (let k = 1; k < n; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]);
  for (let k = 0; k < n; k++) {
    let best = 0;
    for (let i = 1; i < n; i++) if (Math.abs(v[i * n + k]) > Math.abs(v[best * n + k])) best = i;
    expect(v[best * n + k]).toBeGreaterThan(0);
  }
}

/** 1-D harmonic oscillator on linspace(-5, 5, n), plus an optional κ·exp(-x²/2) bump. */
function hamiltonian(n: number, kappa: number): Float64Array {
  const dx = 10 / (n - 1);
  const h = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const x = -5 + i * dx;
    h[i * n + i] = 1 / (dx * dx) + 0.5 * x * x + kappa * Math.exp(-0.5 * x * x);
    if (i > 0) h[i * n + i - 1] = h[(i - 1) * n + i] = -1 / (2 * dx * dx);
  }
  return h;
}

/** Symmetric tridiagonal matrix with diagonal d and off-diagonal e, as a full n×n array. */
function tridiagonal(d: number[], e: number[]): Float64Array {
  const n = d.length;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = d[i];
    if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = e[i - 1];
  }
  return a;
}

/** Wilkinson W_{2m+1}^+: diagonal |m - i|, off-diagonal 1; its top eigenvalues come in near-pairs. */
function wilkinson(m: number): { d: number[]; e: number[] } {
  return { d: Array.from({ length: 2 * m + 1 }, (_, i) => Math.abs(m - i)), e: Array(2 * m).fill(1) };
}

/** Q diag(blocks) Qᵀ for Q the eigenvectors of a random symmetric matrix: dense, with the blocks' spectra. */
function rotatedBlockDiagonal(blocks: Float64Array[], sizes: number[], seed: number): Float64Array {
  const n = sizes.reduce((x, y) => x + y, 0);
  const b = new Float64Array(n * n);
  let o = 0;
  blocks.forEach((blk, t) => {
    const m = sizes[t];
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) b[(o + i) * n + o + j] = blk[i * m + j];
    o += m;
  });
  const q = eighReference(randomSymmetric(n, seed), n).vectors;
  const qb = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k] * b[k * n + j];
      qb[i * n + j] = s;
    }
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += qb[i * n + k] * q[j * n + k];
      a[i * n + j] = a[j * n + i] = s;
    }
  return a;
}

describe('eighReference', () => {
  for (const n of [1, 2, 3, 7, 16, 33, 64, 128]) {
    it(`decomposes a random symmetric ${n}×${n} matrix`, () => {
      checkDecomposition(randomSymmetric(n, 1000 + n), n);
    });
  }

  it('ignores the upper triangle', () => {
    const n = 33;
    const a = randomSymmetric(n, 7);
    const g = a.slice();
    const r = rng(99);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) g[i * n + j] = 1e6 * (r() - 0.5);
    const ref = eighReference(a, n);
    const got = eighReference(g, n);
    expect(got.values).toEqual(ref.values);
    expect(got.vectors).toEqual(ref.vectors);
    expect(eigvalshReference(g, n)).toEqual(eigvalshReference(a, n));
  });

  it('handles n = 0 and n = 1', () => {
    const e0 = eighReference(new Float64Array(0), 0);
    expect(e0.values.length).toBe(0);
    expect(e0.vectors.length).toBe(0);
    const e1 = eighReference(Float64Array.of(-3), 1);
    expect(Array.from(e1.values)).toEqual([-3]);
    expect(Array.from(e1.vectors)).toEqual([1]);
  });

  it('handles zero, identity and repeated eigenvalues', () => {
    const z = eighReference(new Float64Array(16), 4);
    expect(Array.from(z.values)).toEqual([0, 0, 0, 0]);
    checkDecomposition(new Float64Array(16), 4);

    const n = 5;
    const eye = new Float64Array(n * n);
    for (let i = 0; i < n; i++) eye[i * n + i] = 1;
    const ei = eighReference(eye, n);
    expect(Array.from(ei.values)).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(ei.vectors)).toEqual(Array.from(eye));

    const d = Float64Array.of(2, 0, 0, 0, 1, 0, 0, 0, 1);
    const ed = eighReference(d, 3);
    expect(Array.from(ed.values)).toEqual([1, 1, 2]);
    checkDecomposition(d, 3);

    // Dense matrix with a repeated eigenvalue: Q diag(1,1,1,2,2,5) Qᵀ for a random orthogonal Q.
    const m = 6;
    const lam = [1, 1, 1, 2, 2, 5];
    const a = withSpectrum(lam, 3);
    const ea = eighReference(a, m);
    ea.values.forEach((x, k) => expect(x).toBeCloseTo(lam[k], 12));
    checkDecomposition(a, m);
  });

  it('handles diagonal and tridiagonal inputs', () => {
    const diag = new Float64Array(9);
    diag[0] = 3;
    diag[4] = -1;
    diag[8] = 2;
    expect(Array.from(eighReference(diag, 3).values)).toEqual([-1, 2, 3]);
    checkDecomposition(diag, 3);
    checkDecomposition(hamiltonian(40, 0.5), 40);
  });

  it('handles split tridiagonals, close eigenvalue pairs and extreme scales', () => {
    // Tridiagonal with zero off-diagonals (pre-split blocks).
    const n = 12;
    const t = hamiltonian(n, 0);
    for (const k of [3, 4, 9]) t[k * n + k - 1] = t[(k - 1) * n + k] = 0;
    checkDecomposition(t, n);
    // Wilkinson W21+: pairs of eigenvalues agreeing to ~1e-14 relative.
    const m = 21;
    const wk = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      wk[i * m + i] = Math.abs(10 - i);
      if (i > 0) wk[i * m + i - 1] = wk[(i - 1) * m + i] = 1;
    }
    checkDecomposition(wk, m);
    expect(eighReference(wk, m).values[m - 1]).toBeCloseTo(10.746194182903393, 12);
    for (const scale of [1e-150, 1e150]) {
      const a = randomSymmetric(17, 5).map((x) => x * scale);
      checkDecomposition(a, 17);
    }
  });

  it('reproduces the 1-D Hamiltonian spectrum (n = 500)', () => {
    const cases: [number, number, number][] = [
      [0, 0.4999874496, 0.9999497999],
      [1, 1.2933102842, 0.7228945139],
      [5, 3.4223626261, 0.0387268167],
    ];
    for (const [kappa, e0, gap] of cases) {
      const h = hamiltonian(500, kappa);
      const { values } = eighReference(h, 500);
      expect(Math.abs(values[0] - e0)).toBeLessThan(1e-9);
      expect(Math.abs(values[1] - values[0] - gap)).toBeLessThan(1e-9);
      const w = eigvalshReference(h, 500);
      expect(Math.abs(w[0] - e0)).toBeLessThan(1e-9);
      expect(Math.abs(w[1] - w[0] - gap)).toBeLessThan(1e-9);
    }
  });

  it('eigvalshReference agrees with eighReference', () => {
    for (const n of [2, 5, 33, 100]) {
      const a = randomSymmetric(n, 500 + n);
      const full = eighReference(a, n).values;
      const only = eigvalshReference(a, n);
      for (let k = 0; k < n; k++) expect(Math.abs(only[k] - full[k])).toBeLessThan(1e-12 * n);
    }
  });

  it('takes the inverse-iteration path for random matrices, without loss of accuracy', () => {
    for (const n of [5, 33, 64, 130]) {
      const a = randomSymmetric(n, 2000 + n);
      const details = eighReferenceDetails(a, n);
      expect(details.path).toBe('inverse-iteration');
      expect(details.tridiagonalInput).toBe(false);
      checkResult(a, n, details);
      // Same eigenvalues as eigvalshReference, and the same vectors as the QL fallback (well separated here).
      const ql = eighReferenceDetails(a, n, 'ql-rotations');
      expect(ql.path).toBe('ql-rotations');
      checkResult(a, n, ql);
      for (let k = 0; k < n; k++) expect(Math.abs(details.values[k] - ql.values[k])).toBeLessThan(1e-13 * n);
      for (let i = 0; i < n * n; i++) expect(Math.abs(details.vectors[i] - ql.vectors[i])).toBeLessThan(1e-9);
    }
  });

  it('resolves clustered eigenvalues of tridiagonal matrices (Wilkinson, glued Wilkinson)', () => {
    // W21+: its top eigenvalues agree pairwise to ~1e-14 relative, W101+ to machine precision.
    for (const m of [10, 50]) {
      const { d, e } = wilkinson(m);
      const a = tridiagonal(d, e);
      const details = eighReferenceDetails(a, 2 * m + 1);
      expect(details.path).toBe('inverse-iteration');
      expect(details.tridiagonalInput).toBe(true);
      checkResult(a, 2 * m + 1, details);
    }
    // Five copies of W21+ coupled by tiny off-diagonals: clusters of five eigenvalues within ~1e-10.
    for (const delta of [1e-4, 1e-10, 1e-15]) {
      const d: number[] = [];
      const e: number[] = [];
      for (let b = 0; b < 5; b++) {
        const w = wilkinson(10);
        d.push(...w.d);
        e.push(...w.e);
        if (b < 4) e.push(delta);
      }
      const a = tridiagonal(d, e);
      const details = eighReferenceDetails(a, d.length);
      expect(details.path).toBe('inverse-iteration');
      checkResult(a, d.length, details);
    }
  });

  it('handles exactly repeated eigenvalues from block-diagonal matrices', () => {
    // Tridiagonal, split into identical blocks by zero off-diagonals: each eigenvalue 4-fold.
    const d: number[] = [];
    const e: number[] = [];
    for (let b = 0; b < 4; b++) {
      const w = wilkinson(3);
      d.push(...w.d);
      e.push(...w.e);
      if (b < 3) e.push(0);
    }
    const t = tridiagonal(d, e);
    const dt = eighReferenceDetails(t, d.length);
    expect(dt.path).toBe('inverse-iteration');
    checkResult(t, d.length, dt);
    for (let k = 0; k < d.length; k += 4) for (let j = 1; j < 4; j++) expect(dt.values[k + j]).toBe(dt.values[k]);

    // Dense: four identical random 10×10 blocks, rotated by a random orthogonal matrix.
    const blk = randomSymmetric(10, 11);
    const a = rotatedBlockDiagonal([blk, blk, blk, blk], [10, 10, 10, 10], 12);
    const da = eighReferenceDetails(a, 40);
    expect(da.path).toBe('inverse-iteration');
    checkResult(a, 40, da);
    const ref = eigvalshReference(blk, 10);
    for (let k = 0; k < 40; k++) expect(Math.abs(da.values[k] - ref[Math.floor(k / 4)])).toBeLessThan(1e-13);
  });

  it('decomposes the 1-D Hamiltonian (n = 500) via tridiagonal inverse iteration', () => {
    const n = 500;
    const cases: [number, number, number][] = [
      [0, 0.4999874496, 0.9999497999],
      [5, 3.4223626261, 0.0387268167],
    ];
    for (const [kappa, e0, gap] of cases) {
      const h = hamiltonian(n, kappa);
      const details = eighReferenceDetails(h, n);
      expect(details.path).toBe('inverse-iteration');
      expect(details.tridiagonalInput).toBe(true);
      expect(Math.abs(details.values[0] - e0)).toBeLessThan(1e-9);
      expect(Math.abs(details.values[1] - details.values[0] - gap)).toBeLessThan(1e-9);
      checkResult(h, n, details);
      // Agrees with the QL fallback up to sign (odd states have two extreme components of equal
      // size, so the sign convention's tie-break is rounding-dependent), within eps·‖H‖/gap.
      const ql = eighReferenceDetails(h, n, 'ql-rotations');
      const norm = 4 * Math.abs(h[1]) + 13 + kappa; // ≥ ‖H‖₁
      for (let k = 0; k < n; k++) {
        let minus = 0;
        let plus = 0;
        for (let i = 0; i < n; i++) {
          minus = Math.max(minus, Math.abs(details.vectors[i * n + k] - ql.vectors[i * n + k]));
          plus = Math.max(plus, Math.abs(details.vectors[i * n + k] + ql.vectors[i * n + k]));
        }
        const below = k > 0 ? details.values[k] - details.values[k - 1] : Infinity;
        const above = k < n - 1 ? details.values[k + 1] - details.values[k] : Infinity;
        expect(Math.min(minus, plus)).toBeLessThan((1e-13 * norm) / Math.min(below, above) + 1e-14);
      }
    }
  });

  it('falls back to QL with rotations when a cluster is too large for inverse iteration', () => {
    // I + 1e-9 R: all 60 eigenvalues in one cluster.
    const n = 60;
    const a = randomSymmetric(n, 9).map((x) => x * 1e-9);
    for (let i = 0; i < n; i++) a[i * n + i] += 1;
    const details = eighReferenceDetails(a, n);
    expect(details.path).toBe('ql-rotations');
    expect(details.fallbackReason).toMatch(/cluster/);
    checkResult(a, n, details);
  });

  it('inverseIteration certifies its result or returns null', () => {
    const n = 40;
    const h = hamiltonian(n, 1);
    const d = Float64Array.from({ length: n }, (_, i) => h[i * n + i]);
    const e = Float64Array.from({ length: n }, (_, i) => (i + 1 < n ? h[(i + 1) * n + i] : 0));
    const blocks = splitBlocks(d, e, n);
    expect(Array.from(blocks)).toEqual([0, n]);
    const lam = d.slice();
    diagonalizeTridiagonal(lam, e.slice(), null, n);
    lam.sort();
    const ok = inverseIteration(d, e, lam, blocks, n, n, 1e-9, 1e-10);
    expect(ok.z).not.toBeNull();
    expect(ok.residual).toBeLessThan(1e-9);
    expect(ok.orthogonality).toBeLessThan(1e-10);
    const strict = inverseIteration(d, e, lam, blocks, n, n, 0, 1e-10);
    expect(strict.z).toBeNull();
    expect(strict.failure).toMatch(/residual/);
    // splitBlocks zeroes negligible couplings and reports the blocks.
    const e2 = Float64Array.of(1, 1e-30, 1, 0);
    expect(Array.from(splitBlocks(Float64Array.of(1, 2, 3, 4), e2, 4))).toEqual([0, 2, 4]);
    expect(e2[1]).toBe(0);
  });

  it('throws on bad input sizes', () => {
    expect(() => eighReference(new Float64Array(3), 2)).toThrow(/eigh/);
    expect(() => eigvalshReference(new Float64Array(4), -1)).toThrow(/eigh/);
  });
});
