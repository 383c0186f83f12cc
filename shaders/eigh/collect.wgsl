// Ends a Jacobi run: copies eigenvector column k (k < n) of the padded V out to the op's [n, n] matrix at
// this batch entry, with its sign fixed (largest-magnitude component positive, the first on ties).
// Invocation 0 also folds the run's status into the op's status words (flags OR-ed, steps maxed over the
// batch). eigh.order then ranks the columns by their Rayleigh quotients.

struct Params {
  n: u32,
  m: u32,
  v_offset: u32,
  batch: u32, // index in the batch: 0 initialises the status words
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> v: array<f32>;
@group(0) @binding(2) var<storage, read> ctl: array<u32>;
@group(0) @binding(3) var<storage, read_write> v_out: array<f32>;
@group(0) @binding(4) var<storage, read_write> status: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k = gid.x;
  let n = params.n;
  if (k >= n) { return; }
  if (k == 0u) {
    if (params.batch == 0u) {
      status[0] = ctl[0];
      status[1] = ctl[1];
    } else {
      status[0] = status[0] | ctl[0];
      status[1] = max(status[1], ctl[1]);
    }
  }
  var best = -1.0;
  var sgn = 1.0;
  for (var i = 0u; i < n; i++) {
    let x = v[i * params.m + k];
    if (abs(x) > best) {
      best = abs(x);
      sgn = select(1.0, -1.0, x < 0.0);
    }
  }
  for (var i = 0u; i < n; i++) {
    v_out[params.v_offset + i * n + k] = sgn * v[i * params.m + k];
  }
}
