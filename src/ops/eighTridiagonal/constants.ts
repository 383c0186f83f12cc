// Shared by the CPU reference and the WebGPU kernels of eighTridiagonal.

/**
 * Eigenvalues closer than this times ‖T‖₁ to their predecessor form a cluster whose eigenvectors are
 * computed in order and reorthogonalised (LAPACK's dstein uses 1e-3). Independently computed vectors are
 * orthogonal to ~(rounding·‖T‖)/gap: with double-float's ~1e-14 that is ≤ 1e-8 outside clusters.
 */
export const CLUSTER_RTOL = 1e-6;

/** Inverse-iteration solves per eigenvector, from a fixed pseudo-random start: with the shift accurate to ~2⁻⁴⁶·‖T‖
 * the first solve already leaves only ~(shift error)/gap of the other eigenvectors; the second cleans up
 * (and, in a cluster, follows a reorthogonalisation). LAPACK's dstein iterates to a growth test instead. */
export const ITERATIONS = 2;
