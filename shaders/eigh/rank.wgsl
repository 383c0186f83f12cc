// Before each step of a run, part 1 of the pairing: one invocation per group i ranks i's partners by their
// weights (see eigh.jacobi.wgsl), heaviest first (by s in the bulk phase, then by r), keeping the best
// RANKED, and sums up its row: Σ s, the largest r, and whether a weight is NaN. eigh.match (one workgroup)
// then pairs the groups from these lists. Ranking in its own many-workgroup dispatch spreads the K² weight
// reads over every core, and 8 ranked partners (rather than 4) spare most of match's row rescans: on
// SwiftShader, pairing 126 groups costs 0.24–0.36 ms of ranking plus 0.3 ms of matching per step, against
// 1.6 ms when one workgroup did both (development microbenchmark, uniform random weights).
// Reads ctl (eigh.match.wgsl): nothing to do once the run is over.

const_assert RANKED == 8u; // the two vec4s below

@group(0) @binding(0) var<storage, read> w: array<vec2<f32>, {{KK}}>;
@group(0) @binding(1) var<storage, read> ctl: array<u32, 8>;
@group(0) @binding(2) var<storage, read_write> ranked: array<u32, K * RANKED>; // RANKED partners per group
@group(0) @binding(3) var<storage, read_write> rows: array<vec4<f32>, K>; // (Σ s, largest r, NaN?, 0)

@compute @workgroup_size({{WG}})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= K || ctl[3] != 0u) { return; }
  let by_s = ctl[4] == 0u;
  // The best 8 so far, heaviest first, in two vec4s (registers; a runtime-indexed array is a per-lane
  // gather on CPU drivers); -1 marks an empty place (every key is ≥ 0).
  var hi = vec4<f32>(-1.0);
  var lo = vec4<f32>(-1.0);
  var hi_j = vec4<u32>(NONE);
  var lo_j = vec4<u32>(NONE);
  var row_max = 0.0;
  var row_bad = false;
  var row_mass = 0.0;
  for (var j = 0u; j < K; j++) {
    let rs = w[i * K + j];
    let x = select(rs.x, key_s(rs), by_s);
    row_mass += rs.y;
    row_bad = row_bad || (bitcast<u32>(rs.x) & 0x7fffffffu) > 0x7f800000u; // NaN (r != r may fold away)
    row_max = max(row_max, rs.x);
    if (j != i && x > lo.w) {
      // Insert x: the places it beats shift down by one, the first of them takes x; hi's last moves to lo.
      let up = vec4<f32>(x) > hi;
      let was_hi = hi;
      let was_hi_j = hi_j;
      let hi_first = vec4<bool>(true, !up.x, !up.y, !up.z);
      hi = select(hi, select(vec4<f32>(hi.w, was_hi.xyz), vec4<f32>(x), hi_first), up);
      hi_j = select(hi_j, select(vec4<u32>(hi_j.w, was_hi_j.xyz), vec4<u32>(j), hi_first), up);
      let y = select(x, was_hi.w, up.w);
      let y_j = select(j, was_hi_j.w, up.w);
      let down = (vec4<f32>(y) > lo) | vec4<bool>(up.w); // hi's last goes first: it ranked ahead of its ties
      let lo_first = vec4<bool>(true, !down.x, !down.y, !down.z);
      lo = select(lo, select(vec4<f32>(lo.w, lo.xyz), vec4<f32>(y), lo_first), down);
      lo_j = select(lo_j, select(vec4<u32>(lo_j.w, lo_j.xyz), vec4<u32>(y_j), lo_first), down);
    }
  }
  let base = i * RANKED;
  for (var k = 0u; k < 4u; k++) {
    ranked[base + k] = hi_j[k];
    ranked[base + 4u + k] = lo_j[k];
  }
  rows[i] = vec4<f32>(row_mass, row_max, select(0.0, 1.0, row_bad), 0.0);
}
