// The Hamiltonian's bands in double-float, into eigen.wgsl's workspace: d = base + κ·bump (base = 1/Δx² + ½x²
// and bump = e^{−x²/2} built in float64 on the host, κ a float32 per matrix), e = −1/(2Δx²).

struct Params {
  n: u32,
  batch: u32,
  off_e: u32,
  one: f32, // 1.0, unknown to the compiler (df64.wgsl)
}
@group(0) @binding(0) var<uniform> params: Params;

fn df_one() -> f32 {
  return params.one;
}
@group(0) @binding(1) var<storage, read> base: array<vec2f>;
@group(0) @binding(2) var<storage, read> bump: array<vec2f>;
@group(0) @binding(3) var<storage, read> kappa: array<f32>;
@group(0) @binding(4) var<storage, read> off: array<vec2f>; // [1]: the off-diagonal value
@group(0) @binding(5) var<storage, read_write> ws: array<vec2f>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  let n = params.n;
  if (t >= params.batch * n) { return; }
  let b = t / n;
  let i = t % n;
  ws[t] = df_add(base[i], df_mul_f(bump[i], kappa[b]));
  ws[params.off_e + t] = select(vec2f(0.0), off[0], i + 1u < n);
}
