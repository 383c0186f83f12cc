// Shared by the eigensolver tests: max-norm residual ‖AV − VΛ‖ and orthogonality ‖VᵀV − I‖ of a
// decomposition with eigenvectors as columns of a row-major n×n V.
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
