// Blocked Jacobi step, part 2: for each pair block (P, R), R < P, of this step, A's B×B block ←
// Qpᵀ·A·Qr (in place, each entry in the lower triangle has one owner), and V's blocks (rows P, columns R)
// ← ·Qr and (rows R, columns P) ← ·Qp, with Q = I + D from eigh.solve. Blocks whose two transforms are
// both the identity are skipped. The statements are generated (src/ops/eigh/unroll.ts).

@group(0) @binding(1) var<storage, read> dq: array<f32, {{DQ}}>;
@group(0) @binding(2) var<storage, read> turning: array<u32, {{HK}}>;
@group(0) @binding(3) var<storage, read_write> a: array<f32, {{MM}}>;
@group(0) @binding(4) var<storage, read_write> v: array<f32, {{MM}}>;

// Each invocation walks RUN consecutive blocks of the strictly lower block triangle in row order
// (t = P(P − 1)/2 + R, R < P), so Dp is loaded once per row it touches.
const RUN: u32 = {{RUN}}u;

@compute @workgroup_size({{WG}})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t0 = (gid.x + gid.y * nwg.x * {{WG}}u) * RUN;
  if (t0 >= params.blocks) { return; }
  let end = min(t0 + RUN, params.blocks);
  var bi = u32((1.0 + sqrt(8.0 * f32(t0) + 1.0)) * 0.5);
  if (bi * (bi - 1u) / 2u > t0) { bi -= 1u; }
  if ((bi + 1u) * bi / 2u <= t0) { bi += 1u; }
  var bj = t0 - bi * (bi - 1u) / 2u;
  let r = params.step;
  var pp = pair_of(r, bi);
  var pbase = bi * {{BB}}u;
  var act_p = turning[bi] != 0u;
  {{LOAD_DP}}
  for (var t = t0; t < end; t++) {
    let act_r = turning[bj] != 0u;
    if (act_p || act_r) {
      let rp = pair_of(r, bj);
      let rbase = bj * {{BB}}u;
      {{LOAD_DR}}
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
        pp = pair_of(r, bi);
        pbase = bi * {{BB}}u;
        act_p = turning[bi] != 0u;
        {{RELOAD_DP}}
      }
    }
  }
}
