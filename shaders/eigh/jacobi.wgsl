// Shared by the block Jacobi kernels of eigh (prepended to eigh.solve/block/weights/match.wgsl): the sizes
// as constants (storage arrays of constant size index faster than runtime-sized ones on SwiftShader), the
// pairing, the rotation test and the rotation (all fixed per padded size: the kernels take no uniform).
// A keeps only its lower triangle.
//
// Weights: w[i·K + j] = (r, s) over the pairs p in group i, q in group j (i ≠ j; w[i·K + i] over the pairs
// inside group i): r the largest relative size |a_pq|/√|a_pp·a_qq|, s the sum of a_pq². eigh.solve and
// eigh.block keep them up to date for the blocks they change. eigh.match pairs the groups by s in the bulk
// of a run, while the off-diagonal norm is above BULK_UNTIL times its first value (the blocks heaviest in
// absolute terms hold the most mass a step can remove: a random 500×500 matrix converges in 13 % fewer
// steps than when paired by r throughout), then by r (what the relative threshold is about), and stops the
// run when every r is ≤ tol.

const M: u32 = {{M}}u;   // padded size: a multiple of 2·G (dummy indices beyond n stay decoupled)
const G: u32 = {{G}}u;   // indices per group
const K: u32 = {{K}}u;   // M / G groups
const HK: u32 = {{HK}}u; // K / 2 group pairs per step

const BLOCKS: u32 = HK * (HK - 1u) / 2u; // pair blocks strictly below the block diagonal
const TOL: f32 = {{TOL}}; // relative threshold: a_pq is negligible when |a_pq| ≤ TOL·√|a_pp|·√|a_qq|
const BULK_UNTIL: f32 = 1e-2; // pairing by s ends when ‖off(A)‖ falls below this times its first value
const MAX_STEPS: u32 = {{MAX_STEPS}}u;
const RANKED: u32 = {{RANKED}}u; // partners ranked per group before each pairing (eigh.rank.wgsl)
const NONE: u32 = 0xffffffffu;

// 1/√|x|, with |x| kept above the smallest normal: the weight |a_pq|·s_p·s_q of a pair is finite, and zero
// only where a_pq is.
fn inv_sqrt_abs(x: f32) -> f32 {
  return inverseSqrt(max(abs(x), 1.17549435e-38));
}

// Demmel–Veselić: the pair needs no rotation (also true for a_pq = 0 and for NaN, which eigh.match flags).
fn negligible(app: f32, aqq: f32, apq: f32) -> bool {
  return !(abs(apq) > TOL * sqrt(abs(app)) * sqrt(abs(aqq)));
}

// Rutishauser's rotation annihilating a_pq (P_pp = P_qq = c, P_pq = s, P_qp = −s, A' = Pᵀ A P):
// t = tan θ, and τ = s/(1 + c) for the updates x' = x − s(y + τx), y' = y + s(x − τy). They never round
// c, which is 1 in float32 for every small angle: with c·x − s·y instead, c² + s² = 1 + t² inflates A a
// little at every rotation (the lowest eigenvalue of the 500-point Hamiltonian drifted by −1e-2).
struct Rotation {
  t: f32,
  s: f32,
  tau: f32,
}
fn rotation(app: f32, aqq: f32, apq: f32) -> Rotation {
  let theta = (aqq - app) / (2.0 * apq);
  var t: f32;
  if (abs(theta) > 1e18) {
    t = 0.5 / theta; // θ² would overflow; t ≈ 1/(2θ)
  } else {
    t = select(1.0, -1.0, theta < 0.0) / (abs(theta) + sqrt(theta * theta + 1.0));
  }
  let c = 1.0 / sqrt(t * t + 1.0);
  let s = t * c;
  return Rotation(t, s, s / (1.0 + c));
}

// A group pair's key in the bulk phase: s, or 0 where every pair is negligible already (r ≤ tol). Without
// that, a graded matrix (eigenvalues 1e-6 … 1e6) kept pairing the large, converged groups by their rounding
// noise while its small groups waited.
fn key_s(rs: vec2<f32>) -> f32 {
  return select(0.0, rs.y, rs.x > TOL);
}
