// eighTridiagonal's VJP for eigenvalue cotangents only, fused (first-order backward without a graph):
// d̄_i = Σ_k λ̄_k v_ik², ē_i = 2 Σ_k λ̄_k v_ik v_(i+1)k, for the [B][N][K] eigenvectors v.

const N: u32 = {{N}}u;
const K: u32 = {{K}}u;

struct Params {
  batch: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> v: array<f32>;
@group(0) @binding(2) var<storage, read> gw: array<f32>;
@group(0) @binding(3) var<storage, read_write> gd: array<f32>;
@group(0) @binding(4) var<storage, read_write> ge: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= params.batch * N) { return; }
  let b = t / N;
  let i = t % N;
  var sd = 0.0;
  var se = 0.0;
  for (var k = 0u; k < K; k++) {
    let g = gw[b * K + k];
    let x = v[(b * N + i) * K + k];
    sd += g * x * x;
    if (i + 1u < N) { se += g * x * v[(b * N + i + 1u) * K + k]; }
  }
  gd[t] = sd;
  if (i + 1u < N) { ge[b * (N - 1u) + i] = 2.0 * se; }
}
