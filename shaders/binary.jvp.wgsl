// Elementwise binary forward with its tangent in one pass: y = f(a, b), ẏ = ȧ·∂f/∂a + ḃ·∂f/∂b, with
// NumPy broadcasting (ȧ and ḃ share their operand's strides). {{GRAD_A}} and {{GRAD_B}} are the op
// table's g·∂f expressions; {{TANGENT}} sums the terms whose tangent is present.

struct Params {
  n: u32,
  rank: u32,
  _pad0: u32,
  _pad1: u32,
  shape: array<vec4<u32>, 2>,
  stride_a: array<vec4<u32>, 2>,
  stride_b: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> as_: array<f32>;
@group(0) @binding(2) var<storage, read> bs: array<f32>;
@group(0) @binding(3) var<storage, read> tas: array<f32>;
@group(0) @binding(4) var<storage, read> tbs: array<f32>;
@group(0) @binding(5) var<storage, read_write> ys: array<f32>;
@group(0) @binding(6) var<storage, read_write> dys: array<f32>;

fn grad_a(a: f32, b: f32, g: f32) -> f32 { return {{GRAD_A}}; }
fn grad_b(a: f32, b: f32, g: f32) -> f32 { return {{GRAD_B}}; }

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let at = {{OFFSETS}};
  let a = as_[at.x];
  let b = bs[at.y];
  ys[i] = {{EXPR}};
  dys[i] = {{TANGENT}};
}
