// Jacobi step, part 2: for each 2×2 block (I, J), J < I, of A in this step's pairing, apply
// the rotations of its row pair and column pair (from eigh.rotate) from both sides, X ← R_Iᵀ X R_J, and
// write it back in place to the lower triangle (each entry has one owner);
// then rotate the matching off-diagonal blocks of V (V ← V·P) in place. Blocks whose two rotations are
// both inactive have nothing to do.

@group(0) @binding(1) var<storage, read> rots: array<vec2<f32>, {{H}}>; // (s, τ) per pair; s = 0: none
@group(0) @binding(2) var<storage, read_write> a: array<f32, {{MM}}>;
@group(0) @binding(3) var<storage, read_write> v: array<f32, {{MM}}>;

const VECTORS: bool = {{VECTORS}};

// (x, y) rotated by (s, τ) in Rutishauser's form: (c·x − s·y, s·x + c·y) without rounding c.
fn rot_p(x: f32, y: f32, r: vec2<f32>) -> f32 {
  return x - r.x * (y + r.y * x);
}
fn rot_q(x: f32, y: f32, r: vec2<f32>) -> f32 {
  return y + r.x * (x - r.y * y);
}

// Rotates columns (p, q) of V in rows x0 and x1.
fn rotate_v(x0: u32, x1: u32, p: u32, q: u32, r: vec2<f32>) {
  let v0p = v[x0 * M + p];
  let v0q = v[x0 * M + q];
  let v1p = v[x1 * M + p];
  let v1q = v[x1 * M + q];
  v[x0 * M + p] = rot_p(v0p, v0q, r);
  v[x0 * M + q] = rot_q(v0p, v0q, r);
  v[x1 * M + p] = rot_p(v1p, v1q, r);
  v[x1 * M + q] = rot_q(v1p, v1q, r);
}

// Rotates the 2×2 block (I, J) of A from both sides and the matching V blocks.
fn update_block(pi: vec2<u32>, ri: vec2<f32>, pj: vec2<u32>, rj: vec2<f32>) {
  let i00 = at(pi.x, pj.x);
  let i01 = at(pi.x, pj.y);
  let i10 = at(pi.y, pj.x);
  let i11 = at(pi.y, pj.y);
  let x00 = a[i00];
  let x01 = a[i01];
  let x10 = a[i10];
  let x11 = a[i11];
  // Rows by R_I, then columns by R_J.
  let y00 = rot_p(x00, x10, ri);
  let y10 = rot_q(x00, x10, ri);
  let y01 = rot_p(x01, x11, ri);
  let y11 = rot_q(x01, x11, ri);
  let z00 = rot_p(y00, y01, rj);
  let z01 = rot_q(y00, y01, rj);
  let z10 = rot_p(y10, y11, rj);
  let z11 = rot_q(y10, y11, rj);
  a[i00] = z00;
  a[i01] = z01;
  a[i10] = z10;
  a[i11] = z11;
  if (VECTORS) {
    if (rj.x != 0.0) { rotate_v(pi.x, pi.y, pj.x, pj.y, rj); }
    if (ri.x != 0.0) { rotate_v(pj.x, pj.y, pi.x, pi.y, ri); }
  }
}

// Each invocation walks RUN consecutive blocks of the strictly lower block triangle in row order
// (t = I(I − 1)/2 + J, J < I): fewer, longer invocations amortise the per-invocation cost and reuse row I.
const RUN: u32 = {{RUN}}u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t0 = (gid.x + gid.y * nwg.x * 64u) * RUN;
  if (t0 >= params.blocks) { return; }
  let end = min(t0 + RUN, params.blocks);
  var bi = u32((1.0 + sqrt(8.0 * f32(t0) + 1.0)) * 0.5);
  if (bi * (bi - 1u) / 2u > t0) { bi -= 1u; }
  if ((bi + 1u) * bi / 2u <= t0) { bi += 1u; }
  var bj = t0 - bi * (bi - 1u) / 2u;
  let r = params.step;
  var ri = rots[bi];
  var pi = pair_of(r, bi);
  for (var t = t0; t < end; t++) {
    let rj = rots[bj];
    if (ri.x != 0.0 || rj.x != 0.0) {
      update_block(pi, ri, pair_of(r, bj), rj);
    }
    bj += 1u;
    if (bj == bi) {
      bi += 1u;
      bj = 0u;
      if (bi < H) {
        ri = rots[bi];
        pi = pair_of(r, bi);
      }
    }
  }
}
