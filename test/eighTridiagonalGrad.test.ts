// Derivatives of eighTridiagonal and tridiagonalSolve: the VJP through the tape (gradcheck: backward on the
// tensors' backend against central differences on the float64 reference) and the JVP rules called directly
// against central differences.
import { expect, it } from 'vitest';
import { cpu64Backend } from '../src/backend/cpu';
import { fromArray, mulberry32 } from '../src/ops/creation';
import { eighTridiagonal } from '../src/ops/eighTridiagonal/index';
import { eighTridiagonalJvp, eighTridiagonalVjp } from '../src/ops/eighTridiagonal/rules';
import { eigenvalueVjpFused } from '../src/ops/eighTridiagonal/fusedVjp';
import { tridiagonalSolve, tridiagonalSolveJvp } from '../src/ops/eighTridiagonal/solve';
import { gradcheck, noGrad, Tensor, withBackend } from '../src/index';
import { expectClose, forEachBackend } from './setup/backends';

const random = (count: number, seed: number, scale = 1, offset = 0): number[] => {
  const r = mulberry32(seed);
  return Array.from({ length: count }, () => offset + scale * (2 * r() - 1));
};

/** Central difference of f along the tangents, on the float64 reference. */
function centralDifference(f: (...xs: Tensor[]) => Tensor, xs: number[][], shapes: number[][], tangents: number[][], h = 1e-6): Float64Array {
  const at = (sign: number): Float64Array =>
    noGrad(() =>
      withBackend(cpu64Backend, () => {
        const ts = xs.map(
          (x, i) =>
            new Tensor(cpu64Backend.upload(Float64Array.from(x, (v, j) => v + sign * h * tangents[i][j]) as unknown as Float32Array), shapes[i]),
        );
        const y = f(...ts);
        return Float64Array.from(y.storageFor('test').payload as Float64Array);
      }),
    );
  const [p, m] = [at(1), at(-1)];
  return p.map((v, i) => (v - m[i]) / (2 * h));
}

forEachBackend(() => {
  const n = 8;
  // A well-separated spectrum (diagonal spread over [−4, 4]) so finite differences of eigenvectors are clean.
  const d = random(n, 1, 0.5).map((v, i) => v + i - 4);
  const e = random(n - 1, 2, 0.5);
  const tol = { atol: 2e-3, rtol: 2e-3, eps: 1e-6 };

  it('eigenvalue VJP: ∂λ/∂d = v², ∂λ/∂e = 2 v_i v_(i+1) (batched, selected)', async () => {
    const d2 = [...d, ...random(n, 3, 1)];
    const e2 = [...e, ...random(n - 1, 4, 1)];
    await gradcheck(
      (dd: Tensor, ee: Tensor) => eighTridiagonal(dd, ee, { select: [1, 5] })[0],
      [fromArray(d2, [2, n]), fromArray(e2, [2, n - 1])],
      tol,
    );
    await gradcheck(
      (dd: Tensor, ee: Tensor) => eighTridiagonal(dd, ee, { select: [0, 2], vectors: false }),
      [fromArray(d, [n]), fromArray(e, [n - 1])],
      tol,
    );
  });

  it('eigenvector VJP through one tridiagonal solve per pair (no other eigenpairs)', async () => {
    await gradcheck((dd: Tensor, ee: Tensor) => eighTridiagonal(dd, ee, { select: [2, 5] })[1], [fromArray(d, [n]), fromArray(e, [n - 1])], tol);
    // Batched, eigenvalues and eigenvectors together (the rule's full form).
    const d2 = [...d, ...d.map((x, i) => x + 0.3 * Math.sin(i))];
    const e2 = [...e, ...e.map((x) => -x)];
    await gradcheck(
      (dd: Tensor, ee: Tensor) => {
        const [w, v] = eighTridiagonal(dd, ee, { select: [0, 3] });
        return v.mul(w.reshape([2, 1, 3]));
      },
      [fromArray(d2, [2, n]), fromArray(e2, [2, n - 1])],
      tol,
    );
  });

  it('tridiagonalSolve VJP in all four inputs', async () => {
    const s = [0.3, -1.7];
    const b = random(2 * n, 5);
    await gradcheck(
      (dd: Tensor, ee: Tensor, ss: Tensor, bb: Tensor) => tridiagonalSolve(dd, ee, ss, bb),
      [fromArray(d, [n]), fromArray(e, [n - 1]), fromArray(s, [2]), fromArray(b, [n, 2])],
      tol,
    );
  });

  it('JVP rules against central differences', async () => {
    const [dd, de] = [random(n, 6), random(n - 1, 7)];
    const D = fromArray(d, [n]);
    const E = fromArray(e, [n - 1]);
    const [w, v] = eighTridiagonal(D, E, { select: [1, 4] });
    const [dw, dv] = eighTridiagonalJvp([D, E], [w, v], [fromArray(dd, [n]), fromArray(de, [n - 1])]);
    const fdW = centralDifference((x, y) => eighTridiagonal(x, y, { select: [1, 4] })[0], [d, e], [[n], [n - 1]], [dd, de]);
    const fdV = centralDifference((x, y) => eighTridiagonal(x, y, { select: [1, 4] })[1], [d, e], [[n], [n - 1]], [dd, de]);
    expectClose(await dw.data(), fdW, 1e-3, 1e-3);
    expectClose(await dv.data(), fdV, 1e-3, 1e-3);

    const s = [0.3, -1.7];
    const b = random(2 * n, 5);
    const tangents = [random(n, 8), random(n - 1, 9), random(2, 10), random(2 * n, 11)];
    const ins = [D, E, fromArray(s, [2]), fromArray(b, [n, 2])];
    const x = tridiagonalSolve(ins[0], ins[1], ins[2], ins[3]);
    const [dx] = tridiagonalSolveJvp(
      ins,
      [x],
      tangents.map((t, i) => fromArray(t, ins[i].shape)),
    );
    const fdX = centralDifference(
      tridiagonalSolve,
      [d, e, s, b],
      ins.map((t) => [...t.shape]),
      tangents,
    );
    expectClose(await dx.data(), fdX, 1e-3, 1e-3);
  });

  it('the fused eigenvalue VJP (first-order fast path) equals the composable rule, batched', async () => {
    const [B, k] = [3, 4];
    const D = fromArray(random(B * n, 12), [B, n]);
    const E = fromArray(random(B * (n - 1), 13), [B, n - 1]);
    const [w, v] = eighTridiagonal(D, E, { select: [2, 2 + k] });
    const gw = fromArray(random(B * k, 14), [B, k]);
    const [fd, fe] = eigenvalueVjpFused(v, gw);
    const [rd, re] = noGrad(() => eighTridiagonalVjp([D, E], [w, v], [gw, null]));
    expectClose(await fd.data(), await rd.data(), 1e-6, 1e-5);
    expectClose(await fe.data(), await re.data(), 1e-6, 1e-5);
  });

  it('degenerate selected pairs: eigenvector gradient finite, as eigh', async () => {
    // Two decoupled identical blocks: every eigenvalue is double.
    const dd = fromArray([1, 2, 1, 2], [4]).requiresGrad_();
    const ee = fromArray([0.5, 0, 0.5], [3]).requiresGrad_();
    const [, v] = eighTridiagonal(dd, ee, { select: [0, 2] });
    v.sum().backward();
    for (const g of [await dd.grad!.data(), await ee.grad!.data()]) for (const x of g) expect(Number.isFinite(x)).toBe(true);
  });
});
