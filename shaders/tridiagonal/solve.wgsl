// x_k = (T − s_k I)⁻¹ b_k for the columns k of b [B][N][K], one invocation per (matrix, column): the pivoted
// LU of LAPACK's dlagtf/dlagts in f32 (pivots below ε·‖T‖₁ become ±ε·‖T‖₁, so (nearly) singular shifts
// stay finite), formed and applied in one forward pass; U in the workspace for the back substitution.

const N: u32 = {{N}}u;
const K: u32 = {{K}}u;

struct Params {
  batch: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> d: array<f32>;
@group(0) @binding(2) var<storage, read> e: array<f32>;
@group(0) @binding(3) var<storage, read> shift: array<f32>;
@group(0) @binding(4) var<storage, read> rhs: array<f32>;
@group(0) @binding(5) var<storage, read_write> x: array<f32>;
@group(0) @binding(6) var<storage, read_write> ws: array<vec4f>; // [B][K][N]: 1/u0, u1/u0, u2/u0

@compute @workgroup_size({{WG}})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * {{WG}}u;
  if (t >= params.batch * K) { return; }
  let b = t / K;
  let c = t % K;
  let db = b * N;
  let eb = b * (N - 1u);
  let s = shift[b * K + c];
  var nrm = 0.0;
  for (var i = 0u; i < N; i++) {
    var r = abs(d[db + i]);
    if (i > 0u) { r += abs(e[eb + i - 1u]); }
    if (i + 1u < N) { r += abs(e[eb + i]); }
    nrm = max(nrm, r);
  }
  let tol = max(1.1920929e-7 * nrm, 1.1754944e-38);
  let wsb = (b * K + c) * N;
  var piv = d[db] - s;
  var sup = 0.0;
  if (N > 1u) { sup = e[eb]; }
  var cur = rhs[db * K + c];
  for (var k = 0u; k + 1u < N; k++) {
    let sub = e[eb + k];
    let next = d[db + k + 1u] - s;
    var next2 = 0.0;
    if (k + 2u < N) { next2 = e[eb + k + 1u]; }
    let ynext = rhs[(db + k + 1u) * K + c];
    var u0: f32;
    var u1: f32;
    var u2 = 0.0;
    var top: f32;
    var bottom: f32;
    var mult: f32;
    if (abs(piv) >= abs(sub)) {
      mult = select(0.0, sub / piv, piv != 0.0);
      u0 = piv;
      u1 = sup;
      piv = next - mult * sup;
      sup = next2;
      top = cur;
      bottom = ynext;
    } else {
      mult = piv / sub;
      u0 = sub;
      u1 = next;
      u2 = next2;
      piv = sup - mult * next;
      sup = -mult * next2;
      top = ynext;
      bottom = cur;
    }
    if (abs(u0) < tol) { u0 = select(tol, -tol, u0 < 0.0); }
    let r = 1.0 / u0;
    ws[wsb + k] = vec4f(r, u1 * r, u2 * r, 0.0);
    x[(db + k) * K + c] = top;
    cur = bottom - mult * top;
  }
  if (abs(piv) < tol) { piv = select(tol, -tol, piv < 0.0); }
  var y2 = cur / piv;
  x[(db + N - 1u) * K + c] = y2;
  if (N == 1u) { return; }
  let u = ws[wsb + N - 2u];
  var y1 = x[(db + N - 2u) * K + c] * u.x - u.y * y2;
  x[(db + N - 2u) * K + c] = y1;
  for (var k = i32(N) - 3; k >= 0; k--) {
    let uk = ws[wsb + u32(k)];
    let o = (db + u32(k)) * K + c;
    let yk = x[o] * uk.x - uk.z * y2 - uk.y * y1;
    x[o] = yk;
    y2 = y1;
    y1 = yk;
  }
}
