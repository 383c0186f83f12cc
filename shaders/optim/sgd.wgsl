// One SGD step in place, torch.optim.SGD's formulas (weight decay λ, momentum μ, dampening τ, Nesterov):
//   d = g + λ·p;  b = d on the first step, else μ·b + (1 − τ)·d;  d = d + μ·b (Nesterov) or b;  p −= lr·d
// Skipped entirely when the status word holds this step's id (a non-finite gradient somewhere).

struct Params { n: u32, step_id: u32, first: u32, flags: u32, lr: f32, momentum: f32, dampening: f32, weight_decay: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read> status: array<u32>;
@group(0) @binding(3) var<storage, read_write> p: array<f32>;
@group(0) @binding(4) var<storage, read_write> buf: array<f32>; // momentum buffer (unused without momentum)

const USE_MOMENTUM = 1u;
const NESTEROV = 2u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= params.n || status[0] == params.step_id) { return; }
  let w = p[i];
  var d = grad[i];
  if (params.weight_decay != 0.0) { d = d + params.weight_decay * w; }
  if ((params.flags & USE_MOMENTUM) != 0u) {
    var b = d;
    if (params.first == 0u) { b = params.momentum * buf[i] + (1.0 - params.dampening) * d; }
    buf[i] = b;
    if ((params.flags & NESTEROV) != 0u) { d = d + params.momentum * b; } else { d = b; }
  }
  p[i] = w - params.lr * d;
}
