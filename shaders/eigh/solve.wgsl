// Blocked Jacobi step, part 1: one invocation per pair block P (two groups of G indices, B = 2G in all)
// of this step's pairing. It sweeps the B(B − 1)/2 pairs of P's B×B block of A once, in registers
// (Rutishauser rotations, the Demmel–Veselić test), writes the block back, stores D = Q − I of the
// accumulated transform for eigh.block, applies Q to V's columns of P in P's rows, and updates the
// weights of P's group pairs.
// The statements are generated (src/ops/eigh/unroll.ts): {{...}} below expand to straight-line code.

@group(0) @binding(0) var<storage, read> pairs: array<vec2<u32>, HK>; // group starts, from eigh.match
@group(0) @binding(1) var<storage, read> ctl: array<u32, 8>; // ctl[3]: the run is over (eigh.match.wgsl)
@group(0) @binding(2) var<storage, read_write> a: array<f32, {{MM}}>;
@group(0) @binding(3) var<storage, read_write> v: array<f32, {{MM}}>;
@group(0) @binding(4) var<storage, read_write> dq: array<f32, {{DQ}}>; // D of each pair block, B×B row-major
@group(0) @binding(5) var<storage, read_write> turning: array<u32, {{HK}}>; // 1 where Q ≠ I
@group(0) @binding(6) var<storage, read_write> w: array<vec2<f32>, {{KK}}>; // weights (eigh.jacobi.wgsl)

@compute @workgroup_size({{WG}}) // small: the few pair blocks must spread over all cores
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k = gid.x;
  if (k >= HK || ctl[3] != 0u) { return; } // after convergence the rest of the encoded steps do nothing
  let pp = pairs[k];
{{LOAD}}
{{DVARS}}
  var moved = false;
{{SWEEP}}
  turning[k] = select(0u, 1u, moved);
{{WEIGHTS}}
  let base = k * {{BB}}u;
  // D is written even when nothing turned (zeros): eigh.block reads both sides' D.
{{STORE_D}}
  if (!moved) { return; }
{{STORE}}
{{V_DIAG}}
}
