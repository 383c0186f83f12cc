// Blocked Jacobi step, part 2: for each pair block (P, R), R < P, of this step, A's B×B block ←
// Qpᵀ·A·Qr (in place, each entry in the lower triangle has one owner) with the weights of its four group
// pairs, and V's blocks (rows P, columns R) ← ·Qr and (rows R, columns P) ← ·Qp, with Q = I + D from
// eigh.solve. Blocks whose two transforms are both the identity are skipped (their weights stand). The
// statements are generated (src/ops/eigh/unroll.ts).

@group(0) @binding(0) var<storage, read> pairs: array<vec2<u32>, HK>; // group starts, from eigh.match
@group(0) @binding(1) var<storage, read> dq: array<f32, {{DQ}}>;
@group(0) @binding(2) var<storage, read> turning: array<u32, {{HK}}>;
@group(0) @binding(3) var<storage, read> runs: array<vec2<u32>, {{RUNS}}>; // (P, first R) of each run
@group(0) @binding(4) var<storage, read> ctl: array<u32, 8>; // ctl[3]: the run is over (eigh.match.wgsl)
@group(0) @binding(5) var<storage, read_write> a: array<f32, {{MM}}>;
@group(0) @binding(6) var<storage, read_write> v: array<f32, {{MM}}>;
@group(0) @binding(7) var<storage, read_write> w: array<vec2<f32>, {{KK}}>; // weights (eigh.jacobi.wgsl)

// Each invocation takes one run of up to RUN consecutive blocks of one block row (runs[t] = its row P and
// first R), so Dp is loaded once: reloading it where a run crossed into the next row cost ~15 % on
// SwiftShader, whose lanes then diverge. The runs are sorted longest first, so neighbours match.
const RUN: u32 = {{RUN}}u;
const RUNS: u32 = {{RUNS}}u;

@compute @workgroup_size({{WG}})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * {{WG}}u;
  if (t >= RUNS || ctl[3] != 0u) { return; } // after convergence the rest of the encoded steps do nothing
  let bi = runs[t].x;
  let first = runs[t].y;
  let end = min(first + RUN, bi);
  let pp = pairs[bi];
  let pbase = bi * {{BB}}u;
  let act_p = turning[bi] != 0u;
  {{LOAD_DP}}
  {{SCALE_P}}
  for (var bj = first; bj < end; bj++) {
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
  }
}
