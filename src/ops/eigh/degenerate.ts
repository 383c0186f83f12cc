// The near-degeneracy rule of eigh's eigenvector gradient, shared by the CPU and WebGPU backward.

/** Relative gap below which F_ij = 1/(λ_j − λ_i) is replaced by 0. */
export const DEGENERATE_RTOL = 1e-6;

/**
 * Pairs with |λ_j − λ_i| ≤ tol count as degenerate: tol = 1e-6 · max|λ| (scale-invariant; eigenvalues are
 * sorted, so max|λ| is at one end). A zero matrix makes every pair degenerate (tol = 0, gaps 0).
 */
export function degenerateTol(lamFirst: number, lamLast: number): number {
  return DEGENERATE_RTOL * Math.max(Math.abs(lamFirst), Math.abs(lamLast));
}

let warned = false;

/** Warns once per process that an eigenvector gradient met (near-)degenerate eigenvalues. */
export function warnDegenerate(): void {
  if (warned) return;
  warned = true;
  console.warn(
    `webgrad.eigh: eigenvector gradient met (near-)degenerate eigenvalues (|λ_j − λ_i| ≤ ${DEGENERATE_RTOL}·max|λ|); ` +
      'their F_ij = 1/(λ_j − λ_i) terms were set to 0 (eigenvalue gradients are unaffected). Shown once per process.',
  );
}

/** For tests: forget that the warning was shown. */
export function resetDegenerateWarning(): void {
  warned = false;
}
