// Index gather (gather, indexSelect) and its adjoint, a deterministic scatter-add.
// Forward, one invocation per output element c (shape out_shape):
//   y[c] = x[c with c[dim] := idx[Σ c·idx_stride]]
// indexSelect is the case idx_stride = 0 except on `dim`. Index entries that are not integers in
// [0, x_shape[dim]) read as NaN (the GPU cannot raise; the CPU reference throws instead).
// Backward, one invocation per element of dx (shape x_shape), looping over the indexed dim of g:
//   dx[c] = Σ_k [idx[c with c[dim] := k] == c[dim]] · g[c with c[dim] := k]
// No atomics: every dx element sums its own contributions in a fixed order, so repeated indices accumulate
// and results are reproducible.

struct Params {
  n: u32,
  rank: u32,
  dim: u32,
  _pad: u32,
  x_shape: array<vec4<u32>, 2>,
  out_shape: array<vec4<u32>, 2>,
  x_stride: array<vec4<u32>, 2>,
  idx_stride: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>; // forward: x; backward: g (contiguous over out_shape)
@group(0) @binding(2) var<storage, read> idx: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(256)
fn gather(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  var rest = i;
  var x_off = 0u;
  var i_off = 0u;
  for (var d = params.rank; d > 0u; d--) {
    let a = d - 1u;
    let size = dim_at(params.out_shape, a);
    let c = rest % size;
    rest = rest / size;
    i_off += c * dim_at(params.idx_stride, a);
    if (a != params.dim) { x_off += c * dim_at(params.x_stride, a); }
  }
  let v = idx[i_off];
  let valid = v >= 0.0 && v < f32(dim_at(params.x_shape, params.dim)) && v == floor(v);
  if (!valid) {
    dst[i] = nan_f();
    return;
  }
  dst[i] = src[x_off + u32(v) * dim_at(params.x_stride, params.dim)];
}

@compute @workgroup_size(256)
fn scatter_add(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  var rest = i;
  var g_off = 0u;
  var i_off = 0u;
  var g_stride = 1u;
  var g_dim_stride = 1u;
  var want = 0u;
  var inside = true; // gather's index may be smaller than x on the other dims: the rest gets no gradient
  for (var d = params.rank; d > 0u; d--) {
    let a = d - 1u;
    let size = dim_at(params.x_shape, a);
    let c = rest % size;
    rest = rest / size;
    let out_size = dim_at(params.out_shape, a);
    if (a == params.dim) {
      want = c;
      g_dim_stride = g_stride;
    } else {
      inside = inside && c < out_size;
      g_off += c * g_stride;
      i_off += c * dim_at(params.idx_stride, a);
    }
    g_stride *= out_size;
  }
  var acc = 0.0;
  if (inside) {
    let t = f32(want);
    let i_step = dim_at(params.idx_stride, params.dim);
    let count = dim_at(params.out_shape, params.dim);
    for (var k = 0u; k < count; k++) {
      if (idx[i_off + k * i_step] == t) { acc += src[g_off + k * g_dim_stride]; }
    }
  }
  dst[i] = acc;
}
