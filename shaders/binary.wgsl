// Elementwise binary forward with NumPy broadcasting, y = f(a, b). Shapes arrive collapsed (see
// collapseDims); a broadcast dim has stride 0. {{EXPR}} is the op's WGSL expression in a and b.

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
@group(0) @binding(3) var<storage, read_write> ys: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let at = {{OFFSETS}};
  let a = as_[at.x];
  let b = bs[at.y];
  ys[i] = {{EXPR}};
}
