// Starts a run's weights (see eigh.jacobi.wgsl) from the initial A: one invocation per group pair (i, j),
// i ≥ j, reading A's lower triangle. A group pair with a NaN or ±Inf entry gets a NaN weight, which
// eigh.match reports. Invocation 0 also clears the run's status words.

@group(0) @binding(0) var<storage, read> a: array<f32, {{MM}}>;
@group(0) @binding(1) var<storage, read_write> w: array<vec2<f32>, {{KK}}>;
@group(0) @binding(2) var<storage, read_write> ctl: array<u32, 8>;

const F32_MAX: f32 = 0x1.fffffep+127f; // |x| <= F32_MAX is false exactly for NaN and ±Inf

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t == 0u) {
    ctl = array<u32, 8>(0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u);
  }
  if (t >= K * K) { return; }
  let gi = t / K;
  let gj = t % K;
  if (gi < gj) { return; }
  var most = 0.0;
  var squares = 0.0;
  var bad = false;
  for (var p = 0u; p < G; p++) {
    let i = gi * G + p;
    let aii = a[i * M + i];
    if (!(abs(aii) <= F32_MAX)) { bad = true; }
    let si = inv_sqrt_abs(aii);
    // Inside one group only the pairs below the diagonal.
    let cols = select(G, p, gi == gj);
    for (var q = 0u; q < cols; q++) {
      let j = gj * G + q;
      let aij = a[i * M + j];
      if (!(abs(aij) <= F32_MAX)) { bad = true; }
      most = max(most, abs(aij) * si * inv_sqrt_abs(a[j * M + j]));
      squares += aij * aij;
    }
  }
  let weight = vec2<f32>(select(most, nan_f(), bad), squares);
  w[gi * K + gj] = weight;
  w[gj * K + gi] = weight;
}
