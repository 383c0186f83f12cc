// Strided copy: walks `shape` (collapsed, see collapseDims) and copies
//   ys[dst_offset + Σ c·dst_stride] = xs[src_offset + Σ c·src_stride].
// With a contiguous destination it is a gather (permute, slice, select, diag of a matrix); with a contiguous
// source it is a scatter (cat, and the backward of the gathers). Positions a view addresses are distinct, so
// the scatter needs no accumulation.

struct Params {
  n: u32,
  rank: u32,
  src_offset: u32,
  dst_offset: u32,
  shape: array<vec4<u32>, 2>,
  src_stride: array<vec4<u32>, 2>,
  dst_stride: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read_write> ys: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let at = strided_offsets(i, params.rank, params.shape, params.src_stride, params.dst_stride);
  ys[params.dst_offset + at.y] = xs[params.src_offset + at.x];
}
