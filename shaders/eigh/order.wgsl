// Orders a batch of eigenpairs: eigenvalue k of matrix b goes to its ascending rank among the n values of
// b (found by counting; ties broken by index, so ranks are distinct) and eigenvector column k with it.

struct Params {
  n: u32,
  total: u32, // batch · n
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> w_in: array<f32>;
@group(0) @binding(2) var<storage, read> v_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> w_out: array<f32>;
@group(0) @binding(4) var<storage, read_write> v_out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = flat_index(gid, nwg);
  if (idx >= params.total) { return; }
  let n = params.n;
  let b = idx / n;
  let k = idx % n;
  let lk = w_in[idx];
  var rank = 0u;
  for (var j = 0u; j < n; j++) {
    let lj = w_in[b * n + j];
    if (lj < lk || (lj == lk && j < k)) { rank += 1u; }
  }
  w_out[b * n + rank] = lk;
  let base = b * n * n;
  for (var i = 0u; i < n; i++) {
    v_out[base + i * n + rank] = v_in[base + i * n + k];
  }
}
