// Finishes a Jacobi run: eigenvalue k (the diagonal of the converged A) goes to its ascending rank, found
// by counting (ties broken by index, so ranks are distinct); its eigenvector column is gathered there with
// its sign fixed (largest-magnitude component positive, the first on ties). Invocation 0 also folds the
// run's status into the op's status words (flags OR-ed, sweeps maxed over the batch).

struct Params {
  n: u32,
  m: u32,
  w_offset: u32,
  v_offset: u32,
  batch: u32, // index in the batch: 0 initialises the status words
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> ctl: array<u32>;
@group(0) @binding(4) var<storage, read_write> w_out: array<f32>;
@group(0) @binding(5) var<storage, read_write> status: array<u32>;
{{V_OUT}}

fn diag(k: u32) -> f32 {
  return a[k * params.m + k];
}

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
  let lk = diag(k);
  var rank = 0u;
  for (var j = 0u; j < n; j++) {
    let lj = diag(j);
    if (lj < lk || (lj == lk && j < k)) { rank += 1u; }
  }
  w_out[params.w_offset + rank] = lk;
  {{WRITE_V}}
}
