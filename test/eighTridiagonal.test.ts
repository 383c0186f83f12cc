import { expect, it } from 'vitest';
import { fromArray } from '../src/ops/creation';
import { eighTridiagonal } from '../src/ops/eighTridiagonal/index';
import { diagonalizeTridiagonal } from '../src/linalg/tridiagonalEigen';
import { mulberry32 } from '../src/ops/creation';
import { WebgradError } from '../src/index';
import { forceTridiagonalLaunch } from '../src/ops/eighTridiagonal/gpu';
import { forEachBackend } from './setup/backends';

interface Case {
  name: string;
  d: number[];
  e: number[];
}

function randomCase(n: number, seed: number): Case {
  const r = mulberry32(seed);
  return { name: `random n=${n}`, d: Array.from({ length: n }, () => 2 * r() - 1), e: Array.from({ length: n - 1 }, () => 2 * r() - 1) };
}
/** Entries over 12 decades: d_i = 10^(−6 + 12 i/(n−1)), e_i = √(d_i d_(i+1))/3. */
function gradedCase(n: number): Case {
  const d = Array.from({ length: n }, (_, i) => 10 ** (-6 + (12 * i) / Math.max(n - 1, 1)));
  return { name: `graded n=${n}`, d, e: Array.from({ length: n - 1 }, (_, i) => Math.sqrt(d[i] * d[i + 1]) / 3) };
}
/** Wilkinson's W⁺: d_i = |m − i| (n = 2m + 1), e = 1: its top eigenvalues pair up to ~1e-14. */
function wilkinsonCase(n: number): Case {
  const m = (n - 1) / 2;
  return { name: `Wilkinson n=${n}`, d: Array.from({ length: n }, (_, i) => Math.abs(m - i)), e: new Array(n - 1).fill(1) };
}
/** Two groups of equal diagonals joined by tiny off-diagonals: eigenvalues clustered within ~1e-7. */
function clusteredCase(n: number): Case {
  return {
    name: `clustered n=${n}`,
    d: Array.from({ length: n }, (_, i) => (i < n / 2 ? 1 : 2)),
    e: Array.from({ length: n - 1 }, (_, i) => (i % 3 === 0 ? 1e-7 : 1e-4)),
  };
}

/** Ascending eigenvalues of (d, e) in float64 (QL), after rounding the entries to float32 as the tensors do. */
function referenceValues(c: Case): Float64Array {
  const n = c.d.length;
  const d = Float64Array.from(c.d, Math.fround);
  const e = new Float64Array(n);
  c.e.forEach((x, i) => (e[i] = Math.fround(x)));
  diagonalizeTridiagonal(d, e, null, n);
  return d.sort();
}

/** max |T v − λ v| / ‖T‖ and max |VᵀV − I| over the computed pairs (T from the float32-rounded entries). */
function quality(c: Case, w: Float32Array, v: Float32Array, k: number): { resid: number; orth: number } {
  const n = c.d.length;
  const d = c.d.map(Math.fround);
  const e = c.e.map(Math.fround);
  const norm = Math.max(...d.map((x, i) => Math.abs(x) + (i > 0 ? Math.abs(e[i - 1]) : 0) + (i < n - 1 ? Math.abs(e[i]) : 0)));
  let resid = 0;
  let orth = 0;
  for (let a = 0; a < k; a++) {
    for (let i = 0; i < n; i++) {
      let tv = d[i] * v[i * k + a];
      if (i > 0) tv += e[i - 1] * v[(i - 1) * k + a];
      if (i < n - 1) tv += e[i] * v[(i + 1) * k + a];
      resid = Math.max(resid, Math.abs(tv - w[a] * v[i * k + a]) / norm);
    }
    for (let b = a; b < k; b++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += v[i * k + a] * v[i * k + b];
      orth = Math.max(orth, Math.abs(dot - (a === b ? 1 : 0)));
    }
  }
  return { resid, orth };
}

forEachBackend((backend) => {
  const check = async (c: Case, select?: [number, number]): Promise<void> => {
    const n = c.d.length;
    const [lo, hi] = select ?? [0, n];
    const k = hi - lo;
    const [w, v] = eighTridiagonal(fromArray(c.d, [n]), fromArray(c.e, [n - 1]), { select });
    expect(w.shape).toEqual([k]);
    expect(v.shape).toEqual([n, k]);
    const [ws, vs] = [await w.data(), await v.data()];
    const ref = referenceValues(c);
    const norm = Math.max(Math.abs(ref[0]), Math.abs(ref[n - 1]));
    for (let j = 0; j < k; j++) {
      // float32 output of a float64 / double-float solve: rounding of λ plus ~1e-12‖T‖.
      expect(Math.abs(ws[j] - ref[lo + j]), `${c.name} λ_${lo + j}`).toBeLessThanOrEqual(1.2e-7 * Math.abs(ref[lo + j]) + 1e-11 * norm);
    }
    const { resid, orth } = quality(c, ws, vs, k);
    expect(resid, `${c.name} residual`).toBeLessThan(1e-6);
    expect(orth, `${c.name} orthogonality`).toBeLessThan(1e-5);
  };

  it('matches float64 QL on random matrices, n = 1, 2, 3, 10, 100', async () => {
    for (const n of [1, 2, 3, 10, 100]) await check(randomCase(n, n));
  });

  it('graded (12 decades), clustered and Wilkinson-type matrices', async () => {
    await check(gradedCase(50));
    await check(clusteredCase(40));
    await check(wilkinsonCase(21));
    await check(wilkinsonCase(101));
    // Exactly repeated eigenvalues: three identical blocks with zero off-diagonals between them.
    const block = randomCase(7, 31);
    await check({ name: 'three equal blocks', d: [...block.d, ...block.d, ...block.d], e: [...block.e, 0, ...block.e, 0, ...block.e] });
  });

  it('n = 1000: a selected range of eigenpairs', async () => {
    await check(randomCase(1000, 5), [480, 520]);
    await check(wilkinsonCase(1001), [990, 1001]);
  });

  it('batched [3, 2, n] with select equals the per-matrix results', async () => {
    const n = 30;
    const cases = Array.from({ length: 6 }, (_, b) => randomCase(n, 100 + b));
    const d = fromArray(
      cases.flatMap((c) => c.d),
      [3, 2, n],
    );
    const e = fromArray(
      cases.flatMap((c) => c.e),
      [3, 2, n - 1],
    );
    const [w, v] = eighTridiagonal(d, e, { select: [2, 7] });
    expect(w.shape).toEqual([3, 2, 5]);
    expect(v.shape).toEqual([3, 2, n, 5]);
    const [ws, vs] = [await w.data(), await v.data()];
    for (let b = 0; b < 6; b++) {
      const [w1, v1] = eighTridiagonal(fromArray(cases[b].d, [n]), fromArray(cases[b].e, [n - 1]), { select: [2, 7] });
      expect(Array.from(ws.subarray(b * 5, b * 5 + 5))).toEqual(Array.from(await w1.data()));
      expect(Array.from(vs.subarray(b * n * 5, (b + 1) * n * 5))).toEqual(Array.from(await v1.data()));
    }
  });

  it("the other adapter kind's launch shape (32-wide multisection; guarded double-float on GPUs) gives the same answers", async () => {
    forceTridiagonalLaunch(backend === 'webgpu' ? 'gpu' : null);
    try {
      await check(randomCase(100, 21));
      await check(wilkinsonCase(21));
      await check(gradedCase(30), [3, 9]);
    } finally {
      forceTridiagonalLaunch(null);
    }
  });

  it('eigenvalues only', async () => {
    const c = randomCase(20, 3);
    const w = eighTridiagonal(fromArray(c.d, [20]), fromArray(c.e, [19]), { select: [0, 3], vectors: false });
    const ref = referenceValues(c);
    const ws = await w.data();
    for (let j = 0; j < 3; j++) expect(Math.abs(ws[j] - ref[j])).toBeLessThan(1e-6);
  });

  it('bad input: mismatched lengths, select out of range, non-finite entries', async () => {
    const d = fromArray([1, 2, 3], [3]);
    expect(() => eighTridiagonal(d, fromArray([1, 2, 3], [3]))).toThrow(/e of shape \[2\]/);
    expect(() => eighTridiagonal(d, fromArray([1, 2], [2]), { select: [0, 4] })).toThrow(WebgradError);
    expect(() => eighTridiagonal(d, fromArray([1, 2], [2]), { select: [2, 2] })).toThrow(/select/);
    expect(() => eighTridiagonal(fromArray([1, 2, 3, 4], [2, 2]), fromArray([1, 2], [1, 2]))).toThrow(/e of shape \[2, 1\]/);
    const bad = (): Promise<unknown> => eighTridiagonal(fromArray([1, NaN, 3], [3]), fromArray([1, 2], [2]))[0].data();
    if (backend === 'cpu') expect(bad).toThrow(/NaN or Inf/);
    else await expect(bad()).rejects.toThrow(/NaN or Inf/);
  });
});
