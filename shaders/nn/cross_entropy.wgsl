// Fused log-softmax + NLL with label smoothing ε, one invocation per row r of logits [rows, classes]:
//   lse_r  = m + log Σ_j exp(x_rj − m)          (m the running max, merged online: never overflows)
//   loss_r = lse_r − (1 − ε)·x_rt − (ε / C)·Σ_j x_rj      (t = target_r)
// A label that is not an integer in [0, C) gives NaN and raises the status word (call id, value, row),
// checked at the next readback. lse is saved for the backward kernel (cross_entropy.backward.wgsl).

struct Params { rows: u32, classes: u32, call: u32, _pad: u32, smoothing: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
@group(0) @binding(4) var<storage, read_write> lse: array<f32>;
@group(0) @binding(5) var<storage, read_write> status: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= params.rows) { return; }
  let c = params.classes;
  let t = labels[r];
  if (!(t >= 0.0 && t < f32(c) && t == floor(t))) {
    loss[r] = nan_f();
    lse[r] = nan_f();
    status[0] = params.call;
    status[1] = bitcast<u32>(t);
    status[2] = r;
    return;
  }
  let base = r * c;
  var m = -inf_f();
  var s = 0.0;
  var total = 0.0;
  for (var j = 0u; j < c; j++) {
    let x = logits[base + j];
    if (x > m) {
      s = s * exp(m - x) + 1.0;
      m = x;
    } else {
      s += exp(x - m);
    }
    total += x;
  }
  let l = m + log(s);
  let eps = params.smoothing;
  lse[r] = l;
  loss[r] = l - (1.0 - eps) * logits[base + u32(t)] - eps / f32(c) * total;
}
