// triu / tril over the last two dims (batched over the rest): keeps x where col − row ≥ k (upper) or
// col − row ≤ k (lower), else 0. The backward is the same mask applied to the gradient.

struct Params { n: u32, rows: u32, cols: u32, upper: u32, k: i32, _pad0: u32, _pad1: u32, _pad2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read_write> ys: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let col = i % params.cols;
  let row = (i / params.cols) % params.rows;
  let d = i32(col) - i32(row);
  let keep = select(d <= params.k, d >= params.k, params.upper == 1u);
  ys[i] = select(0.0, xs[i], keep);
}
