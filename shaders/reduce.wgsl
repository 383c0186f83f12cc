// Parallel reduction template. A workgroup of 256 invocations works on 256 / lanes jobs, one job being an
// (output element, chunk of its reduced range) pair: the `lanes` invocations of a job fold strided slices
// of the chunk, then combine their partials as a tree in workgroup memory (entry `main`). With lanes = 1
// an invocation owns a job (entry `solo`: no tree, no barrier): for short ranges; for column reductions,
// where jobs are numbered chunk-major (c * n_out + o) so neighbouring invocations read neighbouring
// outputs; and for long ranges, whose chunks interleave in groups (`interleave` chunks share a contiguous
// block, chunk c taking every interleave-th element) so neighbouring invocations read neighbouring
// elements. Otherwise jobs are output-major (o * chunks + c). Inputs arrive as kept dims (k_*) and
// reduced dims (r_*), both collapsed.
// A reduction is defined by:
//   {{ACC}}      the accumulator type: f32, or vec2<f32> for pairs ((value, index), (max, Σ exp))
//   {{INIT}}     its identity
//   {{LOAD}}     the accumulator of one input element, in xs, i (its offset in xs) and r (its index in the range)
//   {{COMBINE}}  two accumulators, acc and v, into one (associative; the tree reorders freely)
//   {{FINISH}}   the output value, in acc and params.scale
// A pass either finishes outputs or stores raw accumulators for the next pass (a pair as two floats,
// {{STORE_RAW}} and {{LOAD_RAW}}); these switches are uniforms, so each entry's pipeline serves every pass.

struct Params {
  n_out: u32,
  n_red: u32,
  chunks: u32,
  chunk_len: u32,
  k_rank: u32,
  r_rank: u32,
  scale: f32,
  lanes: u32,
  chunk_major: u32,
  interleave: u32,
  from_raw: u32,
  to_raw: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
  _pad3: u32,
  k_shape: array<vec4<u32>, 2>,
  k_stride: array<vec4<u32>, 2>,
  r_shape: array<vec4<u32>, 2>,
  r_stride: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read_write> ys: array<f32>;

alias Acc = {{ACC}};

var<workgroup> partial: array<Acc, 256>;

fn load(i: u32, r: u32) -> Acc {
  return {{LOAD}};
}

fn load_raw(i: u32) -> Acc {
  return {{LOAD_RAW}};
}

fn combine(acc: Acc, v: Acc) -> Acc {
  return {{COMBINE}};
}

fn store(job: u32, acc: Acc) {
  if (params.to_raw == 1u) {
    {{STORE_RAW}}
  } else {
    ys[job] = {{FINISH}};
  }
}

// (value, index) pairs: the extreme value wins, the first index on ties.
fn arg_max(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return select(b, a, a.x > b.x || (a.x == b.x && a.y < b.y));
}

fn arg_min(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return select(b, a, a.x < b.x || (a.x == b.x && a.y < b.y));
}

// (m, s) with s = Σ exp(x − m): merging rescales the smaller side's sum, so no exp ever overflows.
// Equal maxima (both −inf, both +inf) add the sums without the exp(m − m) that would be NaN there.
fn lse_merge(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  if (a.x == b.x) { return vec2<f32>(a.x, a.y + b.y); }
  if (a.x > b.x) { return vec2<f32>(a.x, a.y + b.y * exp(b.x - a.x)); }
  return vec2<f32>(b.x, b.y + a.y * exp(a.x - b.x));
}

fn kept_offset(o: u32) -> u32 {
  return strided_offsets(o, params.k_rank, params.k_shape, params.k_stride, params.k_stride).x;
}

// The outermost reduced dim needs no modulo (r < n_red), so a contiguous reduction is one multiply.
fn reduced_offset(r: u32) -> u32 {
  var rest = r;
  var off = 0u;
  for (var d = params.r_rank - 1u; d > 0u; d--) {
    let size = dim_at(params.r_shape, d);
    off += (rest % size) * dim_at(params.r_stride, d);
    rest = rest / size;
  }
  return off + rest * dim_at(params.r_stride, 0u);
}

// The accumulator of one job: `lanes` invocations each fold every lanes-th element of its chunk.
fn fold_job(job: u32, lane: u32, lanes: u32) -> Acc {
  var o = job / params.chunks;
  var c = job % params.chunks;
  if (params.chunk_major == 1u) {
    o = job % params.n_out;
    c = job / params.n_out;
  }
  let base = kept_offset(o);
  var first = c * params.chunk_len;
  var step = 1u;
  var end = min(first + params.chunk_len, params.n_red);
  if (params.interleave > 1u) {
    // Chunks interleave in groups of `interleave`: a group covers one contiguous block.
    let width = params.interleave;
    let block = (c / width) * width * params.chunk_len;
    first = block + c % width;
    step = width;
    end = min(block + width * params.chunk_len, params.n_red);
  }
  let hop = lanes * step;
  var acc: Acc = {{INIT}};
  if (params.from_raw == 1u) {
    for (var r = first + lane * step; r < end; r += hop) {
      acc = combine(acc, load_raw(base + reduced_offset(r)));
    }
  } else if (params.r_rank == 1u) {
    // One reduced dim of the input (the hot case): no index arithmetic, no branch per element.
    let stride = params.r_stride[0].x;
    for (var r = first + lane * step; r < end; r += hop) {
      acc = combine(acc, load(base + r * stride, r));
    }
  } else {
    for (var r = first + lane * step; r < end; r += hop) {
      acc = combine(acc, load(base + reduced_offset(r), r));
    }
  }
  return acc;
}

// lanes > 1: 256 / lanes jobs per workgroup, each job's lanes combined as a tree in workgroup memory.
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let lanes = params.lanes; // uniform, so every invocation reaches every barrier
  let lane = lid % lanes;
  let job = (wid.x + wid.y * nwg.x) * (256u / lanes) + lid / lanes;
  let has_job = job < params.n_out * params.chunks;
  var acc: Acc = {{INIT}};
  if (has_job) {
    acc = fold_job(job, lane, lanes);
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var s = lanes >> 1u; s > 0u; s = s >> 1u) {
    if (lane < s) {
      partial[lid] = combine(partial[lid], partial[lid + s]);
    }
    workgroupBarrier();
  }
  if (has_job && lane == 0u) {
    store(job, partial[lid]);
  }
}

// lanes = 1: one invocation per job, no workgroup memory and no barrier (CPU implementations of WebGPU
// run a workgroup with barriers as one coroutine per invocation, costly at 64K invocations).
@compute @workgroup_size(256)
fn solo(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let job = flat_index(gid, nwg);
  if (job >= params.n_out * params.chunks) { return; }
  store(job, fold_job(job, 0u, 1u));
}
