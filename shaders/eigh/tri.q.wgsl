// After the Jacobi run on T (bindings in eigh.tri.wgsl): the Rayleigh quotients vᵀTv of its eigenvectors,
// then V ← Q·V, panel by panel (last first): each panel's block reflector I − Y·T·Yᵀ acts on V's rows from
// r0 = p0 + 1 on, V[r0..] −= (Y·T)·(Yᵀ·V[r0..]), in three dispatches.

// λ_k = Σ_i v_ik·(T·v_k)_i with T from bands (part), into w[k]: one invocation per column. Each (T·v)_i is
// summed first, where its ~1/Δx²-sized terms cancel (the 1-D Hamiltonian), as in a matrix product.
@compute @workgroup_size(64)
fn rayleigh(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k = gid.x;
  if (k >= M) { return; }
  var sum = 0.0;
  var lost = 0.0; // Kahan's compensation: a plain float32 sum of the n terms lost ~1e-6·max|λ|
  var below = 0.0; // v_(i−1)k
  var here = q[k];
  for (var i = 0u; i < M; i++) {
    let above = select(0.0, q[(i + 1u) * M + k], i + 1u < M);
    let tv = part[i] * here + part[M + i] * above + select(0.0, part[M + i - 1u], i > 0u) * below;
    let term = here * tv - lost;
    let next = sum + term;
    lost = (next - sum) - term;
    sum = next;
    below = here;
    here = above;
  }
  w[k] = sum;
}

// Z = Y·T (rows ≥ r0) into w: one invocation per row.
@compute @workgroup_size(64)
fn qz(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = params.p0 + 1u + gid.x;
  if (i >= M) { return; }
  let nb = params.nb;
  let yb = params.p * M * NB;
  let tb = params.p * NB * NB;
  for (var t = 0u; t < nb; t++) {
    var z = 0.0;
    for (var r = 0u; r <= t; r++) { z += y[yb + i * NB + r] * tt[tb + r * NB + t]; }
    w[i * NB + t] = z;
  }
}

// U = Yᵀ·V[r0..] into part (NB×M, row t = reflector t): one invocation per 4 columns (x) and 8 reflectors (y).
@compute @workgroup_size(TILE_WG)
fn qx(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r0 = params.p0 + 1u;
  let c0 = gid.x * 4u;
  let t0 = gid.y * 8u;
  if (c0 >= M) { return; }
  let nb = params.nb;
  let yb = params.p * M * NB;
  var u0 = vec4<f32>(0.0);
  var u1 = vec4<f32>(0.0);
  var u2 = vec4<f32>(0.0);
  var u3 = vec4<f32>(0.0);
  var u4 = vec4<f32>(0.0);
  var u5 = vec4<f32>(0.0);
  var u6 = vec4<f32>(0.0);
  var u7 = vec4<f32>(0.0);
  for (var i = r0; i < M; i++) {
    let row = i * M + c0;
    let v = vec4<f32>(q[row], q[row + 1u], q[row + 2u], q[row + 3u]);
    let yr = yb + i * NB + t0;
    u0 += y[yr] * v;
    u1 += y[yr + 1u] * v;
    u2 += y[yr + 2u] * v;
    u3 += y[yr + 3u] * v;
    u4 += y[yr + 4u] * v;
    u5 += y[yr + 5u] * v;
    u6 += y[yr + 6u] * v;
    u7 += y[yr + 7u] * v;
  }
  let u = array<vec4<f32>, 8>(u0, u1, u2, u3, u4, u5, u6, u7);
  for (var k = 0u; k < 8u; k++) {
    if (t0 + k < nb) {
      let at = (t0 + k) * M + c0;
      part[at] = u[k].x;
      part[at + 1u] = u[k].y;
      part[at + 2u] = u[k].z;
      part[at + 3u] = u[k].w;
    }
  }
}

// V[r0..] −= Z·U, a 4×4 tile per invocation (x: column quad, y: row quad from r0).
@compute @workgroup_size(TILE_WG)
fn qupdate(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r0 = params.p0 + 1u;
  let c0 = gid.x * 4u;
  let i0 = (r0 / 4u + gid.y) * 4u;
  if (c0 >= M || i0 >= M) { return; }
  let nb = params.nb;
  var d0 = vec4<f32>(0.0);
  var d1 = vec4<f32>(0.0);
  var d2 = vec4<f32>(0.0);
  var d3 = vec4<f32>(0.0);
  for (var t = 0u; t < nb; t++) {
    let ut = t * M + c0;
    let u = vec4<f32>(part[ut], part[ut + 1u], part[ut + 2u], part[ut + 3u]);
    d0 += w[i0 * NB + t] * u;
    d1 += w[(i0 + 1u) * NB + t] * u;
    d2 += w[(i0 + 2u) * NB + t] * u;
    d3 += w[(i0 + 3u) * NB + t] * u;
  }
  let d = array<vec4<f32>, 4>(d0, d1, d2, d3);
  for (var r = 0u; r < 4u; r++) {
    let i = i0 + r;
    if (i >= r0) {
      let row = i * M + c0;
      q[row] -= d[r].x;
      q[row + 1u] -= d[r].y;
      q[row + 2u] -= d[r].z;
      q[row + 3u] -= d[r].w;
    }
  }
}
