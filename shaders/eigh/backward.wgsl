// The middle step of eigh's backward: M = diag(λ̄) + sym(F ∘ W) with W = Vᵀ V̄, F_ij = 1/(λ_j − λ_i), so
// M_ij = (W_ij − W_ji) / (2(λ_j − λ_i)) off the diagonal. Near-degenerate pairs (|λ_j − λ_i| ≤
// rtol·max|λ|, eigenvalues sorted so max|λ| is at an end) get 0 and raise flag[0] when that drops a
// non-zero term (the host warns once at the next readback).

struct Params {
  n: u32,
  total: u32, // batch · n · n
  has_gw: u32,
  _pad: u32,
  rtol: f32,
  _pad1: u32,
  _pad2: u32,
  _pad3: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;   // W = Vᵀ V̄, [..., n, n]
@group(0) @binding(2) var<storage, read> lam: array<f32>; // λ, [..., n]
@group(0) @binding(3) var<storage, read> glam: array<f32>; // λ̄, [..., n] (unused when has_gw = 0)
@group(0) @binding(4) var<storage, read_write> mid: array<f32>;
@group(0) @binding(5) var<storage, read_write> flag: array<atomic<u32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = flat_index(gid, nwg);
  if (idx >= params.total) { return; }
  let n = params.n;
  let b = idx / (n * n);
  let r = idx % (n * n);
  let i = r / n;
  let j = r % n;
  let base = b * n;
  if (i == j) {
    mid[idx] = select(0.0, glam[base + i], params.has_gw != 0u);
    return;
  }
  let gap = lam[base + j] - lam[base + i];
  let skew = w[idx] - w[b * n * n + j * n + i];
  let tol = params.rtol * max(abs(lam[base]), abs(lam[base + n - 1u]));
  if (abs(gap) <= tol) {
    mid[idx] = 0.0;
    if (skew != 0.0) { atomicOr(&flag[0], 1u); }
    return;
  }
  mid[idx] = skew / (2.0 * gap);
}
