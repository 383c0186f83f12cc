// One Adam / AdamW step in place, torch.optim.Adam's and AdamW's formulas:
//   AdamW: p ← p·(1 − lr·λ)            Adam: g ← g + λ·p
//   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  (AMSGrad: v̂ ← max(v̂, v), used in place of v)
//   p ← p − (lr / bc1) · m / (√v / √bc2 + ε),   bc_k = 1 − β_k^t computed on the host
// Skipped entirely when the status word holds this step's id (a non-finite gradient somewhere).

struct Params {
  n: u32, step_id: u32, flags: u32, _pad: u32,
  lr: f32, beta1: f32, beta2: f32, eps: f32,
  weight_decay: f32, step_size: f32, bc2_sqrt: f32, _pad2: f32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read> status: array<u32>;
@group(0) @binding(3) var<storage, read_write> p: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;
@group(0) @binding(6) var<storage, read_write> vmax: array<f32>; // AMSGrad's running max (unused otherwise)

const DECOUPLED = 1u;
const AMSGRAD = 2u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= params.n || status[0] == params.step_id) { return; }
  var w = p[i];
  var g = grad[i];
  let wd = params.weight_decay;
  if ((params.flags & DECOUPLED) != 0u) { w = w * (1.0 - params.lr * wd); } else if (wd != 0.0) { g = g + wd * w; }
  let mi = params.beta1 * m[i] + (1.0 - params.beta1) * g;
  var vi = params.beta2 * v[i] + (1.0 - params.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  if ((params.flags & AMSGRAD) != 0u) {
    vi = max(vmax[i], vi);
    vmax[i] = vi;
  }
  p[i] = w - params.step_size * (mi / (sqrt(vi) / params.bc2_sqrt + params.eps));
}
