// Shared by the block Jacobi kernels of eigh (prepended to eigh.solve/block/check.wgsl): the sizes as
// constants (storage arrays of constant size index faster than runtime-sized ones on SwiftShader), the
// pairing, the per-dispatch parameters, the stopping test and the rotation. A keeps only its lower triangle.

const M: u32 = {{M}}u;   // padded size: a multiple of 2·G (dummy indices beyond n stay decoupled)
const G: u32 = {{G}}u;   // indices per group
const K: u32 = {{K}}u;   // M / G groups
const HK: u32 = {{HK}}u; // K / 2 group pairs per step

// Round-robin (circle method) pairing of the K groups: step r in [0, K − 1) pairs group r with K − 1 and
// r + k with r − k (mod K − 1) for k ≥ 1, so every two groups meet once per sweep. Returns the first
// indices of the two groups, ascending.
fn pair_of(r: u32, k: u32) -> vec2<u32> {
  let big = K - 1u;
  if (k == 0u) {
    return vec2<u32>(r, big) * G;
  }
  var p = r + k;
  if (p >= big) { p -= big; }
  var q = r + big - k;
  if (q >= big) { q -= big; }
  return vec2<u32>(min(p, q), max(p, q)) * G;
}

// One 256-byte slot per dispatch kind and step, chosen by a dynamic offset (the slots never change for a
// given padded size m, so they are written once).
struct Params {
  m: u32,          // M
  pairs: u32,      // HK: pair blocks per step
  blocks: u32,     // HK·(HK − 1)/2: pair blocks strictly below the block diagonal
  step: u32,       // step r in [0, K − 1) of a sweep (see pair_of)
  tol: f32,        // relative threshold: a_pq is negligible when |a_pq| ≤ tol·√|a_pp|·√|a_qq|
  max_sweeps: u32,
  solve_groups: u32, // workgroups of a solve dispatch and of a block dispatch (x, y): the checks write them
  blk_groups_x: u32,
  blk_groups_y: u32,
  first: u32,      // check: 1 for the check before the first sweep
  _pad0: u32,
  _pad1: u32,
}
@group(0) @binding(0) var<uniform> params: Params;

// Demmel–Veselić: the pair needs no rotation (also true for a_pq = 0 and for NaN, which the check flags).
fn negligible(app: f32, aqq: f32, apq: f32) -> bool {
  return !(abs(apq) > params.tol * sqrt(abs(app)) * sqrt(abs(aqq)));
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
