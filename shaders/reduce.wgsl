// Parallel reduction: one workgroup per (output element, chunk of the reduced range). Each of the 256
// invocations folds a strided slice of the chunk, then the workgroup combines the 256 partials as a tree
// in workgroup memory. Inputs arrive as kept dims (k_*) and reduced dims (r_*), both collapsed.
// {{INIT}}, {{COMBINE}} (in acc and v) and {{FINISH}} (in acc, n and params.scale) define the reduction.

struct Params {
  n_out: u32,
  n_red: u32,
  chunks: u32,
  chunk_len: u32,
  k_rank: u32,
  r_rank: u32,
  scale: f32,
  _pad: u32,
  k_shape: array<vec4<u32>, 2>,
  k_stride: array<vec4<u32>, 2>,
  r_shape: array<vec4<u32>, 2>,
  r_stride: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read_write> ys: array<f32>;

var<workgroup> partial: array<f32, 256>;

fn combine(acc: f32, v: f32) -> f32 {
  return {{COMBINE}};
}

fn kept_offset(o: u32) -> u32 {
  var rest = o;
  var off = 0u;
  for (var d = params.k_rank; d > 0u; d--) {
    let size = dim_at(params.k_shape, d - 1u);
    off += (rest % size) * dim_at(params.k_stride, d - 1u);
    rest = rest / size;
  }
  return off;
}

fn reduced_offset(r: u32) -> u32 {
  var rest = r;
  var off = 0u;
  for (var d = params.r_rank; d > 0u; d--) {
    let size = dim_at(params.r_shape, d - 1u);
    off += (rest % size) * dim_at(params.r_stride, d - 1u);
    rest = rest / size;
  }
  return off;
}

fn finish(acc: f32, n: u32) -> f32 {
  return {{FINISH}};
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let job = wid.x + wid.y * nwg.x;
  if (job >= params.n_out * params.chunks) { return; } // whole workgroup: uniform
  let o = job / params.chunks;
  let c = job % params.chunks;
  let base = kept_offset(o);
  let start = c * params.chunk_len;
  let end = min(start + params.chunk_len, params.n_red);
  var acc = {{INIT}};
  for (var r = start + lid; r < end; r += 256u) {
    acc = combine(acc, xs[base + reduced_offset(r)]);
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      partial[lid] = combine(partial[lid], partial[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    ys[job] = finish(partial[0], params.n_red);
  }
}

// Few reduced elements per output: one invocation per output loops over them (no idle lanes).
@compute @workgroup_size(256)
fn small(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = flat_index(gid, nwg);
  if (o >= params.n_out) { return; }
  let base = kept_offset(o);
  var acc = {{INIT}};
  for (var r = 0u; r < params.n_red; r++) {
    acc = combine(acc, xs[base + reduced_offset(r)]);
  }
  ys[o] = finish(acc, params.n_red);
}
