// Raises the optimizer's status word (writes this step's id) when any gradient element is NaN or ±inf.
// Runs for every parameter before the updates, which skip the whole step when the word holds their id.

struct Params { n: u32, step_id: u32, _pad0: u32, _pad1: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> status: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let g = grad[i];
  // NaN fails every comparison; |±inf| exceeds the largest float.
  if (!(abs(g) <= 3.4028234663852886e38)) { status[0] = params.step_id; }
}
