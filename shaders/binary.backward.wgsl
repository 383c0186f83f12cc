// Elementwise binary backward for one operand: d{{SIDE}} = g · ∂f/∂{{SIDE}}, written at the output's
// (broadcast) shape; the autograd engine then sums it down to the operand's shape. {{GRAD}} is the op's
// WGSL expression in a, b and the incoming gradient g.

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
@group(0) @binding(3) var<storage, read> gs: array<f32>;
@group(0) @binding(4) var<storage, read_write> ds: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let at = {{OFFSETS}};
  let a = as_[at.x];
  let b = bs[at.y];
  let g = gs[i];
  ds[i] = {{GRAD}};
}
