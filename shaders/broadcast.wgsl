// Broadcast copy: ys (contiguous, shape `shape`) reads xs through strides that are 0 on broadcast dims.
// The forward of expand, and the backward of every reduction (the gradient spread back over the input).

struct Params {
  n: u32,
  rank: u32,
  _pad0: u32,
  _pad1: u32,
  shape: array<vec4<u32>, 2>,
  stride: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read_write> ys: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  ys[i] = xs[strided_offsets(i, params.rank, params.shape, params.stride, params.stride).x];
}
