// Shared by the parallel Jacobi kernels of eigh (prepended to eigh.rotate/step/check.wgsl): the padded
// size as constants (storage arrays of constant size index faster than runtime-sized ones on SwiftShader),
// the per-dispatch parameters and the stopping test. A keeps only its lower triangle up to date.

const M: u32 = {{M}}u;  // padded even size (n, or n + 1 with a dummy index whose rotations are the identity)
const H: u32 = {{H}}u;  // M / 2: rotations per step

// Round-robin (circle method) pairing: step r in [0, M − 1) pairs r with M − 1 and r + k with r − k
// (mod M − 1) for k ≥ 1, so every pair meets once per sweep. Returns (p, q), p < q.
fn pair_of(r: u32, k: u32) -> vec2<u32> {
  let big = M - 1u;
  if (k == 0u) {
    return vec2<u32>(r, big);
  }
  var p = r + k;
  if (p >= big) { p -= big; }
  var q = r + big - k;
  if (q >= big) { q -= big; }
  return vec2<u32>(min(p, q), max(p, q));
}

// Entry (i, j) of the symmetric A, stored in the lower triangle.
fn at(i: u32, j: u32) -> u32 {
  return select(j * M + i, i * M + j, i >= j);
}

// One 256-byte slot per dispatch kind and step, chosen by a dynamic offset (the slots never change for a
// given padded size m, so they are written once).
struct Params {
  m: u32,          // padded even size (n, or n + 1 with a dummy index whose rotations are the identity)
  half: u32,       // m / 2: rotations per step
  blocks: u32,     // half·(half − 1)/2: 2×2 blocks strictly below the block diagonal
  step: u32,       // step r in [0, m − 1) of a sweep (see pair_of)
  tol: f32,        // relative threshold: a_pq is negligible when |a_pq| ≤ tol·√|a_pp|·√|a_qq|
  max_sweeps: u32,
  rot_groups: u32, // workgroups of a rotate dispatch and of a step dispatch (x, y): the checks write them
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
