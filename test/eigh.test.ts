import { afterEach, expect, it, vi } from 'vitest';
import { eigh, eigvalsh, gradcheck, tensor, Tensor, WebgradError } from '../src/index';
import { getWebGPUBackend } from '../src/diagnostics';
import { eighReference } from '../src/linalg/eighReference';
import { resetDegenerateWarning } from '../src/ops/eigh/degenerate';
import { blockRuns, forceJacobiLaunch, JACOBI_LAUNCH, JACOBI_TOL, jacobiStats, paddedSize, rankKernel } from '../src/ops/eigh/jacobi';
import {
  encodeBackTransform,
  encodePlan,
  encodeTridiagonal,
  forceTridiagonal,
  ON_OFFSET,
  TRIDIAGONAL_LAUNCH,
  tridiagonalWorkspace,
} from '../src/ops/eigh/gpuTridiagonalize';
import { expectClose, forEachBackend } from './setup/backends';
import { mulberry32 as rng } from '../src/ops/creation';
import { decompositionErrors, randomSymmetric as randomSymmetric64, withSpectrum } from './setup/eigen';

/** A seeded random symmetric matrix with entries in [-1, 1], rounded to float32. */
const randomSymmetric = (n: number, seed: number): Float32Array => Float32Array.from(randomSymmetric64(n, seed));

function reference(a: ArrayLike<number>, n: number) {
  return eighReference(Float64Array.from(a), n);
}

const maxAbs = (xs: ArrayLike<number>): number => Array.from(xs).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/** Checks one decomposition of the symmetric `a` (n×n) against the float64 reference with float32-aware bounds. */
function checkDecomposition(a: Float32Array, n: number, w: ArrayLike<number>, v: ArrayLike<number>, backend: string): void {
  const ref = reference(a, n);
  const norm = Math.max(maxAbs(ref.values), 1e-30);
  const eps = 1.2e-7;
  // Eigenvalues: backward-stable float32 solvers are accurate to a few eps·‖A‖·√n.
  const valTol = (backend === 'cpu' ? 4 : 8) * eps * norm * Math.sqrt(n);
  expectClose(w, ref.values, valTol, 0);
  for (let k = 1; k < n; k++) expect(w[k]).toBeGreaterThanOrEqual(w[k - 1]);
  // Eigenvectors up to sign: the error of column k is about eps·‖A‖ / gap_k.
  for (let k = 0; k < n; k++) {
    let gap = Infinity;
    for (let j = 0; j < n; j++) if (j !== k) gap = Math.min(gap, Math.abs(ref.values[j] - ref.values[k]));
    const tol = ((backend === 'cpu' ? 8 : 128) * eps * norm * Math.sqrt(n)) / Math.min(gap, norm) + 1e-6;
    let dotRef = 0;
    for (let i = 0; i < n; i++) dotRef += v[i * n + k] * ref.vectors[i * n + k];
    const s = dotRef < 0 ? -1 : 1;
    let err = 0;
    for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(s * v[i * n + k] - ref.vectors[i * n + k]));
    expect(err, `eigenvector ${k} of ${n}×${n} (gap ${gap})`).toBeLessThan(tol);
  }
  // ‖AV − VΛ‖ and ‖VᵀV − I‖ (max norms), and the sign convention.
  const { resid, orth } = decompositionErrors(a, n, w, v);
  const c = backend === 'cpu' ? 8 : 64;
  expect(resid).toBeLessThan(c * eps * norm * Math.sqrt(n));
  expect(orth).toBeLessThan(c * eps * Math.sqrt(n));
  for (let k = 0; k < n; k++) {
    let best = 0;
    for (let i = 1; i < n; i++) if (Math.abs(v[i * n + k]) > Math.abs(v[best * n + k])) best = i;
    expect(v[best * n + k]).toBeGreaterThan(0);
  }
}

/** The harmonic oscillator's H on n points of [−5, 5] (float32): entries ~1/Δx² that cancel to E0 ≈ 0.5. */
function stiffHamiltonian(n: number): Float32Array {
  const dx = 10 / (n - 1);
  const h = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const x = -5 + i * dx;
    h[i * n + i] = 1 / (dx * dx) + 0.5 * x * x;
    if (i > 0) h[i * n + i - 1] = h[(i - 1) * n + i] = -1 / (2 * dx * dx);
  }
  return h;
}

/** Smallest gap between the eigenvalues of a symmetric matrix (float64 reference). */
function minGap(a: ArrayLike<number>, n: number): number {
  const { values } = reference(a, n);
  let gap = Infinity;
  for (let k = 1; k < n; k++) gap = Math.min(gap, values[k] - values[k - 1]);
  return gap;
}

/** The clustered (two 30-fold eigenvalues) and graded (1e-6 … 1e6) n×n matrices of the spectrum tests. */
function clusteredAndGraded(n: number): Float32Array[] {
  const clustered = Float32Array.from(
    withSpectrum(
      Array.from({ length: n }, (_, k) => (k < n / 2 ? 1 : 2)),
      11,
    ),
  );
  const graded = Float32Array.from(
    withSpectrum(
      Array.from({ length: n }, (_, k) => 10 ** (-6 + (12 * k) / (n - 1))),
      12,
    ),
  );
  return [clustered, graded];
}

/** Runs the GPU tridiagonal reduction and V ← Q·V on the n×n `a` padded to m×m, V = I: returns T (A's
 * buffer after it, lower triangle) and Q, with the padded input and identity they started from. */
async function reduceOnGpu(a: Float32Array, n: number, launch: keyof typeof TRIDIAGONAL_LAUNCH) {
  const gpu = getWebGPUBackend()!;
  const m = paddedSize(n);
  const padded = new Float32Array(m * m);
  for (let i = 0; i < n; i++) padded.set(a.subarray(i * n, (i + 1) * n), i * m);
  const eye = new Float32Array(m * m);
  for (let i = 0; i < m; i++) eye[i * m + i] = 1;
  const [A, V] = [gpu.upload(padded), gpu.upload(eye)];
  const ws = tridiagonalWorkspace(gpu, m, TRIDIAGONAL_LAUNCH[launch], A.payload, V.payload);
  // As eigh does: check and plan, State.on read back, then the reduction and Q only when it is set.
  encodePlan(gpu, ws);
  const staging = gpu.device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  gpu.copy(ws.state, staging, 4, ON_OFFSET, 0);
  gpu.flush();
  await staging.mapAsync(GPUMapMode.READ);
  const reducing = new Uint32Array(staging.getMappedRange())[0] !== 0;
  staging.destroy();
  encodeTridiagonal(gpu, ws, reducing);
  if (reducing) encodeBackTransform(gpu, ws); // V = Q·I
  const [t, q] = [await gpu.read(A, m * m), await gpu.read(V, m * m)];
  for (const b of ws.buffers) b.destroy();
  gpu.free(A);
  gpu.free(V);
  return { m, padded, eye, t, q };
}

afterEach(() => {
  vi.restoreAllMocks();
});

forEachBackend((backend) => {
  for (const n of [1, 2, 3, 7, 16, 33, 64]) {
    it(`random symmetric ${n}×${n} against the float64 reference`, async () => {
      const a = randomSymmetric(n, 100 + n);
      const [w, v] = eigh(tensor(a, { shape: [n, n] }));
      expect(w.shape).toEqual([n]);
      expect(v.shape).toEqual([n, n]);
      checkDecomposition(a, n, await w.data(), await v.data(), backend);
    });
  }

  it('clustered (two 30-fold eigenvalues) and graded (1e-6 … 1e6) spectra converge to the reference', async () => {
    const n = 60;
    for (const a of clusteredAndGraded(n)) {
      const [w, v] = eigh(tensor(a, { shape: [n, n] }));
      checkDecomposition(a, n, await w.data(), await v.data(), backend);
    }
  });

  it('batched [3, 5, 5], and eigvalsh gives the same eigenvalues', async () => {
    const n = 5;
    const mats = [0, 1, 2].map((b) => randomSymmetric(n, 500 + b));
    const flat = new Float32Array(3 * n * n);
    mats.forEach((m, b) => flat.set(m, b * n * n));
    const a = tensor(flat, { shape: [3, n, n] });
    const [w, v] = eigh(a);
    expect(w.shape).toEqual([3, n]);
    expect(v.shape).toEqual([3, n, n]);
    const [ws, vs] = [await w.data(), await v.data()];
    mats.forEach((m, b) => checkDecomposition(m, n, ws.subarray(b * n, (b + 1) * n), vs.subarray(b * n * n, (b + 1) * n * n), backend));
    expectClose(await eigvalsh(a).data(), ws, 0, 0);
    // Batch dims of any rank.
    const [w4] = eigh(a.reshape([3, 1, n, n]));
    expect(w4.shape).toEqual([3, 1, n]);
    expectClose(await w4.data(), ws, 0, 0);
  });

  it('small eigenvalues of a stiff matrix (the 1-D Hamiltonian, ‖H‖ ≈ 650, E0 ≈ 0.5) stay accurate', async () => {
    // Float32 rotations that round c (1 for every small angle) drift E0 by about −1e-4 here (−1e-2 at n = 500).
    const n = 128;
    const h = stiffHamiltonian(n);
    const ref = reference(h, n).values;
    const w = await eigvalsh(tensor(h, { shape: [n, n] })).data();
    expectClose(w.subarray(0, 4), ref.subarray(0, 4), 2e-5, 0);
    expectClose(w, ref, 0, 2e-5);
  });

  it('an asymmetric input is decomposed as its symmetric part (A + Aᵀ)/2', async () => {
    const n = 6;
    const r = rng(3);
    const a = Float32Array.from({ length: n * n }, () => 2 * r() - 1);
    const s = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
    const [wa, va] = eigh(tensor(a, { shape: [n, n] }));
    const [ws, vs] = eigh(tensor(s, { shape: [n, n] }));
    expectClose(await wa.data(), await ws.data(), 1e-6, 1e-6);
    expectClose(await va.data(), await vs.data(), 1e-5, 1e-5);
    checkDecomposition(s, n, await wa.data(), await va.data(), backend);
  });

  it('diagonal, zero and 2×2 closed-form cases', async () => {
    const [w0, v0] = eigh(
      tensor([
        [3, 0, 0],
        [0, -1, 0],
        [0, 0, 2],
      ]),
    );
    expect(Array.from(await w0.data())).toEqual([-1, 2, 3]);
    expect(Array.from(await v0.data())).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    const [wz, vz] = eigh(
      tensor([
        [0, 0],
        [0, 0],
      ]),
    );
    expect(Array.from(await wz.data())).toEqual([0, 0]);
    expect(Array.from(await vz.data())).toEqual([1, 0, 0, 1]);
    // [[2, 1], [1, 2]]: eigenvalues 1 and 3, eigenvectors (1, −1)/√2 → sign-fixed (−1, 1)/√2? the first
    // largest-magnitude component is positive: (1, −1)/√2 and (1, 1)/√2.
    const [w2, v2] = eigh(
      tensor([
        [2, 1],
        [1, 2],
      ]),
    );
    expectClose(await w2.data(), [1, 3], 1e-6, 1e-6);
    const h = Math.SQRT1_2;
    expectClose(await v2.data(), [h, h, -h, h], 1e-6, 1e-6);
  });

  it('gradient of eigenvalue losses matches finite differences', async () => {
    for (const n of [1, 2, 3, 6]) {
      const a = randomSymmetric(n, 40 + n);
      const wts = Array.from({ length: n }, (_, i) => 1 + i);
      const f = (x: Tensor): Tensor => eigh(x)[0].mul(tensor(wts)).sum();
      await gradcheck(f, [tensor(a, { shape: [n, n] })], { atol: 2e-4, rtol: 2e-3 });
      await gradcheck((x: Tensor) => eigvalsh(x), [tensor(a, { shape: [n, n] })], { atol: 2e-4, rtol: 2e-3 });
    }
  });

  it('gradient of eigenvector losses matches finite differences (non-degenerate)', async () => {
    for (const n of [2, 3, 5, 6]) {
      const a = randomSymmetric(n, 60 + n);
      expect(minGap(a, n)).toBeGreaterThan(0.05);
      const r = rng(n);
      const c = Float32Array.from({ length: n * n }, () => 2 * r() - 1);
      // Sign-invariant: sum(V ∘ V ∘ C) (C made inside f, so gradcheck can re-run f on the reference).
      const f = (x: Tensor): Tensor => {
        const [, v] = eigh(x);
        return v
          .mul(v)
          .mul(tensor(c, { shape: [n, n] }))
          .sum();
      };
      await gradcheck(f, [tensor(a, { shape: [n, n] })], { atol: 5e-4, rtol: 5e-3 });
      // V itself (the sign rule is locally constant) and both outputs together.
      await gradcheck((x: Tensor) => eigh(x)[1], [tensor(a, { shape: [n, n] })], { atol: 5e-4, rtol: 5e-3 });
      await gradcheck(
        (x: Tensor) => {
          const [w, v] = eigh(x);
          return v.mul(w.reshape([1, n])).sum({ axis: 0 });
        },
        [tensor(a, { shape: [n, n] })],
        { atol: 5e-4, rtol: 5e-3 },
      );
    }
  });

  it('batched gradients and a symmetric gradient for an asymmetric input', async () => {
    const n = 4;
    const r = rng(9);
    const a = tensor(
      Float32Array.from({ length: 2 * n * n }, () => 2 * r() - 1),
      { shape: [2, n, n] },
    );
    await gradcheck(
      (x: Tensor) => {
        const [w, v] = eigh(x);
        return v.mul(v).sum({ axis: 1 }).mul(w).add(w.square());
      },
      [a],
      { atol: 5e-4, rtol: 5e-3 },
    );
    const x = a.detach().requiresGrad_();
    eigvalsh(x).square().sum().backward();
    const g = await x.grad!.data();
    for (let b = 0; b < 2; b++) {
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(g[b * 16 + i * n + j]).toBeCloseTo(g[b * 16 + j * n + i], 6);
    }
  });

  it('degenerate eigenvalues: exact eigenvalue gradients, finite eigenvector gradients, one warning', async () => {
    resetDegenerateWarning();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // A = diag(1, 1, 2) rotated: the eigenvalue 1 is double.
    const q = reference(randomSymmetric(3, 11), 3).vectors;
    const d = [1, 1, 2];
    const a = new Float32Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) a[i * 3 + j] = d.reduce((s, dk, k) => s + q[i * 3 + k] * dk * q[j * 3 + k], 0);
    // sum(λ) = trace(A): its gradient is the identity, degenerate or not.
    const x = tensor(a, { shape: [3, 3], requiresGrad: true });
    eigvalsh(x).sum().backward();
    expectClose(await x.grad!.data(), [1, 0, 0, 0, 1, 0, 0, 0, 1], 2e-5, 0);
    expect(warn).not.toHaveBeenCalled();
    // An eigenvector loss meets the degenerate pair: finite gradient and exactly one warning per process.
    for (let rep = 0; rep < 2; rep++) {
      const y = tensor(a, { shape: [3, 3], requiresGrad: true });
      const [, v] = eigh(y);
      v.mul(
        tensor([
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
        ]),
      )
        .sum()
        .backward();
      const g = await y.grad!.data();
      expect(g.every(Number.isFinite)).toBe(true);
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/degenerate/);
  });

  it('bad input: rank < 2, non-square, NaN/Inf', async () => {
    expect(() => eigh(tensor([1, 2, 3]))).toThrow(WebgradError);
    expect(() => eigh(tensor([1, 2, 3]))).toThrow(/eigh.*rank >= 2.*\[3\]/);
    expect(() =>
      eigh(
        tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      ),
    ).toThrow(/eigh.*square.*\[2, 3\]/);
    expect(() => eigvalsh(tensor(5))).toThrow(/eigvalsh.*\[\]/);
    const bad = tensor([
      [1, NaN],
      [NaN, 2],
    ]);
    if (backend === 'cpu') {
      expect(() => eigh(bad)).toThrow(/eigh.*NaN or Inf/);
      expect(() =>
        eigvalsh(
          tensor([
            [1, 0],
            [0, Infinity],
          ]),
        ),
      ).toThrow(/eigh.*NaN or Inf/);
    } else {
      // The GPU finds out while solving: the next readback throws.
      const [w] = eigh(bad);
      await expect(w.data()).rejects.toThrow(/eigh.*NaN or Inf/);
      // The error is reported once; later reads work again.
      expect(Array.from(await tensor([1, 2]).data())).toEqual([1, 2]);
      const [wi] = eigh(
        tensor([
          [1, 0],
          [0, Infinity],
        ]),
      );
      const other = tensor([3]);
      await expect(other.data()).rejects.toThrow(/eigh.*NaN or Inf/);
      wi.dispose();
    }
  });

  it('eigvalsh gives the eigenvalues of eigh', async () => {
    const n = 24;
    const a = tensor(randomSymmetric(n, 9), { shape: [n, n] });
    expectClose(await eigvalsh(a).data(), await eigh(a)[0].data(), 1e-6, 1e-6);
  });

  if (backend === 'webgpu') {
    it('WebGPU: eigenvalues are Rayleigh quotients, so a 500-point stiff matrix keeps its small ones', async () => {
      // ‖H‖ ≈ 5000: A's diagonal after the float32 Jacobi is 2–8e-4 off at E0 ≈ 0.5; vᵀHv is not.
      const n = 500;
      const h = stiffHamiltonian(n);
      const ref = reference(h, n).values;
      const w = await eigvalsh(tensor(h, { shape: [n, n] })).data();
      expectClose(w, ref, 5e-5, 2e-6);
    });

    it("WebGPU: the other adapter kind's launch shapes (GPU ones on a CPU driver) give the same decompositions", async () => {
      const gpu = getWebGPUBackend()!;
      forceJacobiLaunch(gpu.cpuDriver ? JACOBI_LAUNCH.gpu : JACOBI_LAUNCH.cpu);
      try {
        for (const n of [7, 64, 100, 136]) {
          // 136: with the tridiagonal reduction
          const a = randomSymmetric(n, 700 + n);
          const [w, v] = eigh(tensor(a, { shape: [n, n] }));
          checkDecomposition(a, n, await w.data(), await v.data(), backend);
        }
        const h = stiffHamiltonian(200);
        expectClose(await eigvalsh(tensor(h, { shape: [200, 200] })).data(), reference(h, 200).values, 5e-5, 2e-6);
      } finally {
        forceJacobiLaunch(null);
      }
    });

    it('WebGPU: eigh returns at once and reads back at most one convergence flag per chunk of steps', async () => {
      const gpu = getWebGPUBackend()!;
      for (const n of [16, 136]) {
        // 136: with the tridiagonal reduction, decided from one more readback
        const a = tensor(randomSymmetric(n, 5), { shape: [n, n] });
        await a.data();
        const [w, v] = eigh(a);
        const later = w.add(1); // recorded after the Jacobi run, whose chunks are still being encoded
        checkDecomposition(randomSymmetric(n, 5), n, await w.data(), await v.data(), backend);
        expect(Array.from(await later.data())).toEqual(Array.from(await w.data()).map((x) => Math.fround(x + 1)));
        expect(jacobiStats.chunks).toBeGreaterThan(0);
        expect(jacobiStats.readbacks).toBeLessThanOrEqual(jacobiStats.chunks + (n >= 128 ? 1 : 0));
        expect(jacobiStats.stepsEncoded).toBeGreaterThanOrEqual(jacobiStats.lastSteps);
        expect(gpu.stats.dispatches).toBeGreaterThan(0);
      }
    });

    it('WebGPU: tridiagonal reduction: T = QᵀAQ (float64), an orthogonal Q from V = I, tridiagonal or non-finite input skipped', async () => {
      const eps = 1.2e-7;
      // 130 has nine panels of 16 columns, the last one short; 3 has one column to reduce. Both adapter
      // kinds' launch shapes.
      for (const [n, launch] of [
        [3, 'cpu'],
        [7, 'gpu'],
        [16, 'cpu'],
        [33, 'gpu'],
        [50, 'cpu'],
        [130, 'cpu'],
        [130, 'gpu'],
      ] as const) {
        const a = randomSymmetric(n, 900 + n);
        const { m, padded, t, q } = await reduceOnGpu(a, n, launch);
        // T: the lower triangle holds only the diagonal and subdiagonal.
        for (let i = 0; i < m; i++) for (let k = 0; k + 2 <= i; k++) expect(t[i * m + k], `T[${i}][${k}] of ${n}×${n}`).toBe(0);
        const T = (i: number, k: number): number => (Math.abs(i - k) > 1 ? 0 : t[Math.max(i, k) * m + Math.min(i, k)]);
        const A64 = (i: number, k: number): number => padded[i * m + k];
        let norm = 0;
        for (let i = 0; i < m; i++) for (let k = 0; k < m; k++) norm = Math.max(norm, Math.abs(A64(i, k)));
        // QᵀAQ − T and QᵀQ − I in float64.
        const aq = new Float64Array(m * m);
        for (let i = 0; i < m; i++)
          for (let k = 0; k < m; k++) {
            let s = 0;
            for (let l = 0; l < m; l++) s += A64(i, l) * q[l * m + k];
            aq[i * m + k] = s;
          }
        let resid = 0;
        let orth = 0;
        for (let i = 0; i < m; i++)
          for (let k = 0; k < m; k++) {
            let s = 0;
            let o = 0;
            for (let l = 0; l < m; l++) {
              s += q[l * m + i] * aq[l * m + k];
              o += q[l * m + i] * q[l * m + k];
            }
            resid = Math.max(resid, Math.abs(s - T(i, k)));
            orth = Math.max(orth, Math.abs(o - (i === k ? 1 : 0)));
          }
        expect(resid, `‖QᵀAQ − T‖ of ${n}×${n}`).toBeLessThan(16 * eps * norm * Math.sqrt(n));
        expect(orth, `‖QᵀQ − I‖ of ${n}×${n}`).toBeLessThan(16 * eps * Math.sqrt(n));
        // The padding stays decoupled: Q is the identity there.
        for (let i = n; i < m; i++) for (let k = 0; k < m; k++) expect(q[i * m + k]).toBe(i === k ? 1 : 0);
        // Its eigenvalues are A's (the float64 reference on T).
        const t64 = new Float64Array(n * n);
        for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) t64[i * n + k] = T(i, k);
        expectClose(eighReference(t64, n).values, reference(a, n).values, 16 * eps * norm * Math.sqrt(n), 0);
      }
      // Already tridiagonal (the stiff Hamiltonian), or with a NaN: A and V are left exactly as they were.
      const n = 40;
      const withNaN = randomSymmetric(n, 3);
      withNaN[5 * n + 30] = withNaN[30 * n + 5] = NaN;
      for (const a of [stiffHamiltonian(n), withNaN]) {
        const { padded, eye, t, q } = await reduceOnGpu(a, n, 'cpu');
        expect(Array.from(t)).toEqual(Array.from(padded));
        expect(Array.from(q)).toEqual(Array.from(eye));
      }
    });

    it('WebGPU: eigh with the tridiagonal reduction at every size (random, clustered, graded, batched, stiff, NaN)', async () => {
      forceTridiagonal(true);
      try {
        for (const n of [2, 3, 7, 16, 33, 64]) {
          const a = randomSymmetric(n, 100 + n);
          const [w, v] = eigh(tensor(a, { shape: [n, n] }));
          checkDecomposition(a, n, await w.data(), await v.data(), backend);
        }
        const n = 60;
        for (const a of clusteredAndGraded(n)) {
          const [w, v] = eigh(tensor(a, { shape: [n, n] }));
          checkDecomposition(a, n, await w.data(), await v.data(), backend);
        }
        const mats = [0, 1, 2].map((b) => randomSymmetric(9, 500 + b));
        const flat = new Float32Array(3 * 81);
        mats.forEach((mat, b) => flat.set(mat, b * 81));
        const [wb, vb] = eigh(tensor(flat, { shape: [3, 9, 9] }));
        const [ws, vs] = [await wb.data(), await vb.data()];
        mats.forEach((mat, b) => checkDecomposition(mat, 9, ws.subarray(b * 9, (b + 1) * 9), vs.subarray(b * 81, (b + 1) * 81), backend));
        // A dense matrix takes fewer Jacobi steps from T; the stiff (tridiagonal) one is not reduced at all.
        const dense = tensor(randomSymmetric(64, 164), { shape: [64, 64] });
        await eigh(dense)[0].data();
        const reduced = jacobiStats.lastSteps;
        forceTridiagonal(false);
        await eigh(dense)[0].data();
        expect(reduced).toBeLessThan(jacobiStats.lastSteps);
        const h = tensor(stiffHamiltonian(64), { shape: [64, 64] });
        const [plainW, plainV] = eigh(h);
        forceTridiagonal(true);
        const [triW, triV] = eigh(h);
        // The same vectors; the quotients vᵀHv summed from H's bands instead of a matrix product agree to rounding.
        expect(Array.from(await triV.data())).toEqual(Array.from(await plainV.data()));
        expectClose(await triW.data(), await plainW.data(), 1e-6, 1e-6);
        const [bad] = eigh(
          tensor([
            [1, 2, NaN],
            [2, 1, 0],
            [NaN, 0, 3],
          ]),
        );
        await expect(bad.data()).rejects.toThrow(/eigh.*NaN or Inf/);
      } finally {
        forceTridiagonal(null);
      }
    });

    it("WebGPU: eigh.rank lists each group's 8 heaviest partners (ties by index) and sums its row", async () => {
      const gpu = getWebGPUBackend()!;
      const NONE = 0xffffffff;
      for (const launch of [JACOBI_LAUNCH.cpu, JACOBI_LAUNCH.gpu]) {
        for (const [m, byS] of [
          [16, true],
          [40, false],
          [40, true],
          [504, true],
        ] as const) {
          const K = m / 4;
          const r = rng(m + (byS ? 1 : 0));
          // (r, s) per group pair, symmetric; a few exact ties and r ≤ tol (key 0 by s); a NaN in the last row.
          const w = new Float32Array(K * K * 2);
          for (let i = 0; i < K; i++) {
            for (let j = 0; j <= i; j++) {
              const rr = r() < 0.2 ? JACOBI_TOL / 2 : Math.round(r() * 8) / 8;
              const ss = Math.round(r() * 8) / 8;
              w.set([rr, ss], (i * K + j) * 2);
              w.set([rr, ss], (j * K + i) * 2);
            }
          }
          if (K > 4) w[((K - 1) * K + 1) * 2] = NaN;
          const ctl = new Uint32Array([0, 0, 0, 0, byS ? 0 : 1, 0, 0, 0]);
          const [wBuf, ctlBuf] = [gpu.upload(w), gpu.upload(new Float32Array(ctl.buffer))];
          const [ranked, rows] = [gpu.alloc(K * 8), gpu.alloc(K * 4)];
          const kernel = rankKernel(m, launch);
          gpu.encode(kernel, gpu.bindGroup(kernel, [wBuf.payload, ctlBuf.payload, ranked.payload, rows.payload]), [Math.ceil(K / launch.rankWg)]);
          const got = new Uint32Array((await gpu.read(ranked, K * 8)).buffer);
          const sums = await gpu.read(rows, K * 4);
          for (let i = 0; i < K; i++) {
            const key = (j: number) => (byS ? (w[(i * K + j) * 2] > JACOBI_TOL ? w[(i * K + j) * 2 + 1] : 0) : w[(i * K + j) * 2]);
            const others = [...Array(K).keys()].filter((j) => j !== i && !Number.isNaN(key(j)));
            const want = others.sort((x, y) => key(y) - key(x) || x - y).slice(0, 8);
            const hasNaN = [...Array(K).keys()].some((j) => Number.isNaN(w[(i * K + j) * 2]));
            if (!hasNaN)
              expect(Array.from(got.subarray(i * 8, i * 8 + 8)), `row ${i} of K = ${K}, keys ${[...Array(K).keys()].map(key).join(',')}`).toEqual([
                ...want,
                ...Array(8 - want.length).fill(NONE),
              ]);
            const row = [...Array(K).keys()].map((j) => [w[(i * K + j) * 2], w[(i * K + j) * 2 + 1]]);
            expectClose([sums[i * 4]], [row.reduce((t, [, ss]) => t + ss, 0)], 1e-5, 1e-6);
            expect(sums[i * 4 + 2]).toBe(hasNaN ? 1 : 0);
            if (!hasNaN) expect(sums[i * 4 + 1]).toBe(Math.fround(Math.max(0, ...row.map(([rr]) => rr))));
          }
          for (const b of [wBuf, ctlBuf, ranked, rows]) gpu.free(b);
        }
      }
    });
  }
});

it('eigh.block runs cover each pair block below the diagonal once, within one block row, longest first', () => {
  for (const [hk, run] of [1, 2, 9, 63].flatMap((hk) => [1, 8].map((run) => [hk, run]))) {
    const runs = blockRuns(hk, run);
    const seen = new Set<string>();
    const lengths: number[] = [];
    for (let t = 0; t < runs.length; t += 2) {
      const [p, first] = [runs[t], runs[t + 1]];
      const end = Math.min(first + run, p);
      expect(end).toBeGreaterThan(first);
      lengths.push(end - first);
      for (let r = first; r < end; r++) seen.add(`${p},${r}`);
    }
    expect(seen.size).toBe((hk * (hk - 1)) / 2);
    expect(lengths.reduce((s, l) => s + l, 0)).toBe(seen.size);
    expect(lengths).toEqual([...lengths].sort((x, y) => y - x));
  }
});
