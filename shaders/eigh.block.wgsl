// Blocked Jacobi step, part 2: for each pair block (P, R), R < P, of this step, A's B×B block ←
// Qpᵀ·A·Qr (in place, each entry in the lower triangle has one owner) with the weights of its four group
// pairs, and V's blocks (rows P, columns R) ← ·Qr and (rows R, columns P) ← ·Qp, with Q = I + D from
// eigh.solve. Blocks whose two transforms are both the identity are skipped (their weights stand). The
// statements are generated (src/ops/eigh/unroll.ts).

@group(0) @binding(0) var<storage, read> pairs: array<vec2<u32>, HK>; // group starts, from eigh.match
@group(0) @binding(1) var<storage, read> dq: array<f32, {{DQ}}>;
@group(0) @binding(2) var<storage, read> turning: array<u32, {{HK}}>;
@group(0) @binding(3) var<storage, read_write> a: array<f32, {{MM}}>;
@group(0) @binding(4) var<storage, read_write> v: array<f32, {{MM}}>;
@group(0) @binding(5) var<storage, read_write> w: array<f32, {{KK}}>; // weights (eigh.jacobi.wgsl)

// Each invocation walks RUN consecutive blocks of the strictly lower block triangle in row order
// (t = P(P − 1)/2 + R, R < P), so Dp is loaded once per row it touches.
const RUN: u32 = {{RUN}}u;

@compute @workgroup_size({{WG}})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t0 = (gid.x + gid.y * nwg.x * {{WG}}u) * RUN;
  if (t0 >= BLOCKS) { return; }
  let end = min(t0 + RUN, BLOCKS);
  var bi = u32((1.0 + sqrt(8.0 * f32(t0) + 1.0)) * 0.5);
  if (bi * (bi - 1u) / 2u > t0) { bi -= 1u; }
  if ((bi + 1u) * bi / 2u <= t0) { bi += 1u; }
  var bj = t0 - bi * (bi - 1u) / 2u;
  var pp = pairs[bi];
  var pbase = bi * {{BB}}u;
  var act_p = turning[bi] != 0u;
  {{LOAD_DP}}
  {{SCALE_P}}
  for (var t = t0; t < end; t++) {
    let act_r = turning[bj] != 0u;
    if (act_p || act_r) {
      let rp = pairs[bj];
      let rbase = bj * {{BB}}u;
      {{LOAD_DR}}
      {{SCALE_R}}
      {{ORIENT}}
      {{A_BLOCK}}
      if (act_r) {
{{V_PR}}
      }
      if (act_p) {
{{V_RP}}
      }
    }
    bj += 1u;
    if (bj == bi) {
      bi += 1u;
      bj = 0u;
      if (bi < HK) {
        pp = pairs[bi];
        pbase = bi * {{BB}}u;
        act_p = turning[bi] != 0u;
        {{RELOAD_DP}}
        {{RESCALE_P}}
      }
    }
  }
}
