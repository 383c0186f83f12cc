// Starts a Jacobi run on one matrix of the batch: A ← (X + Xᵀ)/2 padded to m×m with zeros, V ← I.

struct Params {
  n: u32,
  m: u32,
  offset: u32, // first element of this matrix in xs
  _pad: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read_write> a: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = flat_index(gid, nwg);
  let m = params.m;
  if (idx >= m * m) { return; }
  let i = idx / m;
  let j = idx % m;
  let n = params.n;
  var x = 0.0;
  if (i < n && j < n) {
    // Halves first: (x + y)/2 could overflow where both are huge.
    x = 0.5 * xs[params.offset + i * n + j] + 0.5 * xs[params.offset + j * n + i];
  }
  a[idx] = x;
  v[idx] = select(0.0, 1.0, i == j);
}
