// Gradient of the fused cross-entropy, one invocation per logit (r, j):
//   dx_rj = g_r · (softmax_rj − q_rj),  softmax_rj = exp(x_rj − lse_r),  q_rj = (1 − ε)·[j = t_r] + ε / C

struct Params { n: u32, classes: u32, _pad0: u32, _pad1: u32, smoothing: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read> g: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let r = i / params.classes;
  let j = i % params.classes;
  let eps = params.smoothing;
  let q = select(0.0, 1.0 - eps, f32(j) == labels[r]) + eps / f32(params.classes);
  dx[i] = g[r] * (exp(logits[i] - lse[r]) - q);
}
