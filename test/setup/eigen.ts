// Shared by the eigensolver tests: seeded test matrices, and the max-norm residual ‖AV − VΛ‖ and
// orthogonality ‖VᵀV − I‖ of a decomposition with eigenvectors as columns of a row-major n×n V.
import { eighReference } from '../../src/linalg/eighReference';
import { mulberry32 } from '../../src/ops/creation';

/** A seeded random symmetric n×n matrix with entries uniform in [-1, 1]. */
export function randomSymmetric(n: number, seed: number): Float64Array {
  const r = mulberry32(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = 2 * r() - 1;
  return a;
}

/** Q·diag(λ)·Qᵀ for Q the eigenvectors of a seeded random symmetric matrix: dense, with spectrum λ. */
export function withSpectrum(lambda: readonly number[], seed: number): Float64Array {
  const n = lambda.length;
  const q = eighReference(randomSymmetric(n, seed), n).vectors;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k] * lambda[k] * q[j * n + k];
      a[i * n + j] = a[j * n + i] = s;
    }
  }
  return a;
}

export function decompositionErrors(a: ArrayLike<number>, n: number, w: ArrayLike<number>, v: ArrayLike<number>): { resid: number; orth: number } {
  let resid = 0;
  let orth = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      let av = 0;
      let vtv = 0;
      for (let j = 0; j < n; j++) {
        av += a[i * n + j] * v[j * n + k];
        vtv += v[j * n + i] * v[j * n + k];
      }
      resid = Math.max(resid, Math.abs(av - v[i * n + k] * w[k]));
      orth = Math.max(orth, Math.abs(vtv - (i === k ? 1 : 0)));
    }
  }
  return { resid, orth };
}
