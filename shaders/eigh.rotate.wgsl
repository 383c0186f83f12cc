// Jacobi step, part 1: one invocation per pair (p, q) of this step (the round-robin pairing, so the M/2
// pairs are disjoint). It derives Rutishauser's rotation from the current a_pp, a_qq, a_pq, stores (s, τ)
// for the block kernel (s = 0: no rotation), and updates its own diagonal block of A and the matching 2×2
// block of V (V ← V·P, rows p, q). With P_pp = P_qq = c, P_pq = s, P_qp = −s, A' = Pᵀ A P has
// a'_pp = a_pp − t·a_pq, a'_qq = a_qq + t·a_pq and a'_pq = 0.
//
// Everything else is rotated in Rutishauser's form x' = x − s(y + τx), y' = y + s(x − τy), τ = s/(1 + c):
// it never rounds c (which is 1 in float32 for every small angle, making c² + s² = 1 + t² and inflating
// the off-diagonal part by a little at every rotation). With c·x − s·y instead, the lowest eigenvalue of
// the 500-point Hamiltonian drifted by −1e-2; with this form it is within 2e-5.

@group(0) @binding(1) var<storage, read_write> a: array<f32, {{MM}}>;
@group(0) @binding(2) var<storage, read_write> v: array<f32, {{MM}}>;
@group(0) @binding(3) var<storage, read_write> rots: array<vec2<f32>, {{H}}>; // (s, τ)

const VECTORS: bool = {{VECTORS}};

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k = gid.x;
  if (k >= H) { return; }
  let pq = pair_of(params.step, k);
  let p = pq.x;
  let q = pq.y;
  let app = a[p * M + p];
  let aqq = a[q * M + q];
  let apq = a[at(p, q)];
  if (negligible(app, aqq, apq)) {
    rots[k] = vec2<f32>(0.0, 0.0);
    return;
  }
  let theta = (aqq - app) / (2.0 * apq);
  var t: f32;
  if (abs(theta) > 1e18) {
    t = 0.5 / theta; // θ² would overflow; t ≈ 1/(2θ)
  } else {
    t = select(1.0, -1.0, theta < 0.0) / (abs(theta) + sqrt(theta * theta + 1.0));
  }
  let c = 1.0 / sqrt(t * t + 1.0);
  let s = t * c;
  let tau = s / (1.0 + c);
  rots[k] = vec2<f32>(s, tau);
  a[p * M + p] = app - t * apq;
  a[q * M + q] = aqq + t * apq;
  a[at(p, q)] = 0.0;
  if (VECTORS) {
    for (var r = 0u; r < 2u; r++) {
      let x = select(p, q, r == 1u);
      let vp = v[x * M + p];
      let vq = v[x * M + q];
      v[x * M + p] = vp - s * (vq + tau * vp);
      v[x * M + q] = vq + s * (vp - tau * vq);
    }
  }
}
