// Backward of a reduction, one invocation per input element: dx = {{GRAD}}, an expression in x (the input
// element), g (the incoming gradient of its output) and a, b (per-output values saved by the forward, e.g.
// the max and the count of elements equal to it). `stride` maps the input's dims to its output (0 on the
// reduced dims), so g, a and b are read through the same output index.

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
@group(0) @binding(2) var<storage, read> gs: array<f32>;
@group(0) @binding(3) var<storage, read> as_: array<f32>;
@group(0) @binding(4) var<storage, read> bs: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let o = strided_offsets(i, params.rank, params.shape, params.stride, params.stride).x;
  let x = xs[i];
  let g = gs[o];
  let a = as_[o];
  let b = bs[o];
  dx[i] = {{GRAD}};
}
