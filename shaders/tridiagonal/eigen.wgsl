// Selected eigenpairs of B symmetric tridiagonal matrices (diagonal d, off-diagonal e), in double-float
// (df64.wgsl is prepended). Eigenvalues lo .. lo+K−1 (ascending index) of each matrix:
//   prepare  one workgroup per matrix: e², Gershgorin bounds, ‖T‖₁, the pivot floor; flags non-finite input.
//   bisect   one workgroup per (eigenvalue, matrix): multisection with Sturm counts, WG shifts per round.
//   vectors  one invocation per (eigenvalue, matrix): inverse iteration (LAPACK's dlagtf/dlagts pivoted LU
//            of T − λI); an eigenvalue within CLUSTER_RTOL·‖T‖ of its predecessor belongs to its cluster,
//            whose first member's invocation computes the whole cluster in order, each vector
//            reorthogonalised against the earlier ones (as LAPACK's dstein).
// The df diagonal and off-diagonal are in the workspace: `widen` copies f32 input there, or another kernel
// (the Hamiltonian's) writes them in df.

const N: u32 = {{N}}u;
const K: u32 = {{K}}u;
const WG: u32 = {{WG}}u;
const VWG: u32 = {{VWG}}u;
const ITERATIONS: u32 = {{ITERATIONS}}u; // inverse-iteration solves per vector
const MAX_ROUNDS: u32 = 160u;        // multisection rounds (each narrows the interval (WG + 1)-fold)
const EPS_DF: f32 = 1.4210855e-14;   // 2⁻⁴⁶: what double-float arithmetic here resolves
const CLUSTER_RTOL: f32 = {{CLUSTER_RTOL}};

// Workspace layout (vec2f units).
//   [B][N] diagonal at 0, then [B][N] off-diagonal (N − 1 used), [B][N] e², [B][2] info: (lower, upper)
//   Gershgorin bound and (‖T‖₁, pivot floor), [B][K] eigenvalues, [B][K][N][4] each vector's U (u0,
//   u1, u2) and iterate. The offsets come in the uniform (B is not compiled in).
const OFF_D: u32 = 0u;

struct Params {
  lo: u32,     // first eigenvalue index
  batch: u32,  // B
  off_e: u32,
  off_e2: u32,
  off_info: u32,
  off_lam: u32,
  off_slot: u32,
  one: f32,    // 1.0, unknown to the compiler (df64.wgsl)
}
@group(0) @binding(0) var<uniform> params: Params;

fn df_one() -> f32 {
  return params.one;
}
@group(0) @binding(1) var<storage, read> d_in: array<f32>;
@group(0) @binding(2) var<storage, read> e_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> w_out: array<f32>;
@group(0) @binding(4) var<storage, read_write> v_out: array<f32>;
@group(0) @binding(5) var<storage, read_write> ws: array<vec2f>;
@group(0) @binding(6) var<storage, read_write> flags: array<atomic<u32>>;

// f32 input → df workspace (one invocation per entry of d).
@compute @workgroup_size(64)
fn widen(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= params.batch * N) { return; }
  let b = t / N;
  let i = t % N;
  ws[OFF_D + t] = df(d_in[t]);
  if (i + 1u < N) { ws[params.off_e + t] = df(e_in[b * (N - 1u) + i]); } else { ws[params.off_e + t] = vec2f(0.0); }
}

var<workgroup> red_lo: array<f32, WG>;
var<workgroup> red_hi: array<f32, WG>;
var<workgroup> red_nrm: array<f32, WG>;
var<workgroup> red_e2: array<f32, WG>;
var<workgroup> red_bad: array<u32, WG>;

fn finite(x: f32) -> bool {
  return abs(x) <= 0x1.fffffep+127f; // false for ±Inf and NaN
}

@compute @workgroup_size(WG)
fn prepare(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let b = wid.x;
  let l = lid.x;
  var glo = 0x1.fffffep+127f;
  var ghi = -0x1.fffffep+127f;
  var nrm = 0.0;
  var e2max = 0.0;
  var bad = 0u;
  for (var i = l; i < N; i += WG) {
    let di = ws[OFF_D + b * N + i];
    var r = 0.0;
    if (i > 0u) { r += abs(ws[params.off_e + b * N + i - 1u].x); }
    if (i + 1u < N) {
      let ei = ws[params.off_e + b * N + i];
      r += abs(ei.x);
      ws[params.off_e2 + b * N + i] = df_mul(ei, ei);
      e2max = max(e2max, ei.x * ei.x);
      if (!finite(ei.x)) { bad = 1u; }
    }
    if (!finite(di.x)) { bad = 1u; }
    glo = min(glo, di.x - r);
    ghi = max(ghi, di.x + r);
    nrm = max(nrm, abs(di.x) + r);
  }
  red_lo[l] = glo;
  red_hi[l] = ghi;
  red_nrm[l] = nrm;
  red_e2[l] = e2max;
  red_bad[l] = bad;
  workgroupBarrier();
  if (l != 0u) { return; }
  for (var k = 1u; k < WG; k++) {
    glo = min(glo, red_lo[k]);
    ghi = max(ghi, red_hi[k]);
    nrm = max(nrm, red_nrm[k]);
    e2max = max(e2max, red_e2[k]);
    bad |= red_bad[k];
  }
  if (bad != 0u || !finite(nrm)) {
    atomicOr(&flags[0], 1u);
    glo = 0.0;
    ghi = 0.0;
    nrm = 1.0;
  }
  nrm = max(nrm, 1.1754944e-38);
  // Pivots of the Sturm sequence stay at least this far from 0, so e²/q cannot overflow (LAPACK's pivmin).
  let pivmin = max(1.0, e2max) * 1e-36;
  let margin = 1e-5 * nrm + 2.0 * pivmin; // the bounds are f32 sums: widen them safely
  ws[params.off_info + 2u * b] = vec2f(glo - margin, ghi + margin);
  ws[params.off_info + 2u * b + 1u] = vec2f(nrm, pivmin);
}

// Eigenvalues below σ: negative pivots of the LDLᵀ factorisation of T − σI (Sturm count).
fn sturm_count(b: u32, sigma: vec2f, pivmin: f32) -> u32 {
  var count = 0u;
  var q = df_sub(ws[OFF_D + b * N], sigma);
  if (abs(q.x) < pivmin) { q = vec2f(-pivmin, 0.0); }
  count += select(0u, 1u, q.x < 0.0);
  for (var i = 1u; i < N; i++) {
    q = df_sub(df_sub(ws[OFF_D + b * N + i], sigma), df_div(ws[params.off_e2 + b * N + i - 1u], q));
    if (abs(q.x) < pivmin) { q = vec2f(-pivmin, 0.0); }
    count += select(0u, 1u, q.x < 0.0);
  }
  return count;
}

// The same count in f32 (hi parts only): exact for a T perturbed by a few ε₃₂·‖T‖, so only shifts that close
// to an eigenvalue can be misjudged.
fn sturm_count32(b: u32, sigma: f32, pivmin: f32) -> u32 {
  var count = 0u;
  var q = ws[OFF_D + b * N].x - sigma;
  if (abs(q) < pivmin) { q = -pivmin; }
  count += select(0u, 1u, q < 0.0);
  for (var i = 1u; i < N; i++) {
    q = (ws[OFF_D + b * N + i].x - sigma) - ws[params.off_e2 + b * N + i - 1u].x / q;
    if (abs(q) < pivmin) { q = -pivmin; }
    count += select(0u, 1u, q < 0.0);
  }
  return count;
}

var<workgroup> interval: array<vec2f, 2>;
var<workgroup> shifts: array<vec2f, WG>;
var<workgroup> counts: array<u32, WG>;
var<workgroup> in_df: u32;    // 0: f32 counts, 1: double-float counts
var<workgroup> done: u32;

// Multisection for λ_k: each round, WG shifts split the interval into WG + 1 parts and the part holding λ_k
// is kept. First with f32 counts (cheap) down to a width of 64 ε₃₂·‖T‖, then — widened by 16 ε₃₂·‖T‖ on each
// side, which covers what the f32 counts could have misjudged — with df counts to ~2⁻⁴⁶.
@compute @workgroup_size(WG)
fn bisect(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let j = wid.x;       // eigenvalue lo + j
  let b = wid.y;
  let l = lid.x;
  let k = params.lo + j;
  let bounds = ws[params.off_info + 2u * b];
  let info = ws[params.off_info + 2u * b + 1u];
  let pivmin = info.y;
  let margin = 16.0 * 1.1920929e-7 * info.x + pivmin;
  if (l == 0u) {
    interval[0] = df(bounds.x);
    interval[1] = df(bounds.y);
  }
  for (var round = 0u; round < MAX_ROUNDS; round++) {
    let a = workgroupUniformLoad(&interval[0]);
    let c = interval[1];
    if (workgroupUniformLoad(&done) != 0u) { break; }
    let inDf = workgroupUniformLoad(&in_df) != 0u;
    let width = df_sub(c, a);
    let tol = max(2.0 * EPS_DF * max(abs(a.x), abs(c.x)), max(0.25 * EPS_DF * info.x, pivmin));
    let frac = f32(l + 1u) / f32(WG + 1u);
    if (inDf) {
      let sigma = df_add(a, df_mul_f(width, frac)); // strictly inside [a, c] while width > tol
      shifts[l] = sigma;
      counts[l] = sturm_count(b, sigma, pivmin);
    } else {
      let sigma = a.x + width.x * frac;
      shifts[l] = df(sigma);
      counts[l] = sturm_count32(b, sigma, pivmin);
    }
    workgroupBarrier();
    if (l == 0u) {
      // The first shift with more than k eigenvalues below it bounds λ_k from above.
      var t = 0u;
      while (t < WG && counts[t] <= k) { t++; }
      if (t < WG) { interval[1] = shifts[t]; }
      if (t > 0u) { interval[0] = shifts[t - 1u]; }
      let nw = df_sub(interval[1], interval[0]);
      if (inDf) {
        done = select(0u, 1u, nw.x <= tol || width.x <= tol);
      } else if (nw.x <= 4.0 * margin) {
        interval[0] = df(max(interval[0].x - margin, bounds.x));
        interval[1] = df(min(interval[1].x + margin, bounds.y));
        in_df = 1u;
      }
    }
  }
  if (l == 0u) {
    let lam = df_mul_f(df_add(interval[0], interval[1]), 0.5);
    ws[params.off_lam + b * K + j] = lam;
    w_out[b * K + j] = df_round(lam);
  }
}

// Deterministic start vector entries in [−1, 1) (an integer hash of the vector and the row).
fn start_entry(j: u32, i: u32) -> f32 {
  var h = (j * 0x9e3779b9u) ^ (i * 0x85ebca6bu) ^ 0x2545f491u;
  h ^= h >> 16u;
  h *= 0x7feb352du;
  h ^= h >> 15u;
  h *= 0x846ca68bu;
  h ^= h >> 16u;
  return f32(h >> 8u) / 8388608.0 - 1.0;
}

fn slot(b: u32, j: u32, i: u32) -> u32 {
  return params.off_slot + ((b * K + j) * N + i) * 4u;
}

// y ← (T − xI)⁻¹ y for the iterate in slot (b, s): the pivoted LU factorisation (dlagtf; pivots below tol
// become ±tol) is formed and applied to y in one forward pass, U kept for the back substitution.
fn lu_solve(b: u32, s: u32, x: vec2f, tol: f32, scale: f32) -> f32 {
  let base = b * N;
  var piv = df_sub(ws[OFF_D + base], x);
  var sup = select(vec2f(0.0), ws[params.off_e + base], N > 1u);
  var cur = df_mul_f(ws[slot(b, s, 0u) + 3u], scale);
  for (var k = 0u; k + 1u < N; k++) {
    let sub = ws[params.off_e + base + k];
    let next = df_sub(ws[OFF_D + base + k + 1u], x);
    let next2 = select(vec2f(0.0), ws[params.off_e + base + k + 1u], k + 2u < N);
    let ynext = df_mul_f(ws[slot(b, s, k + 1u) + 3u], scale);
    var u0: vec2f;
    var u1: vec2f;
    var u2 = vec2f(0.0);
    var top: vec2f;
    var bottom: vec2f;
    var mult: vec2f;
    if (abs(piv.x) >= abs(sub.x)) {
      mult = select(vec2f(0.0), df_div(sub, piv), piv.x != 0.0);
      u0 = piv;
      u1 = sup;
      piv = df_sub(next, df_mul(mult, sup));
      sup = next2;
      top = cur;
      bottom = ynext;
    } else {
      mult = df_div(piv, sub);
      u0 = sub;
      u1 = next;
      u2 = next2;
      piv = df_sub(sup, df_mul(mult, next));
      sup = df_neg(df_mul(mult, next2));
      top = ynext;
      bottom = cur;
    }
    if (abs(u0.x) < tol) { u0 = vec2f(select(tol, -tol, u0.x < 0.0), 0.0); }
    let o = slot(b, s, k);
    ws[o] = u0;
    ws[o + 1u] = u1;
    ws[o + 2u] = u2;
    ws[o + 3u] = top;
    cur = df_sub(bottom, df_mul(mult, top));
  }
  if (abs(piv.x) < tol) { piv = vec2f(select(tol, -tol, piv.x < 0.0), 0.0); }
  // Back substitution with U, dividing by its diagonal (not multiplying by stored reciprocals: SwiftShader
  // folded b·(1/b) to 1 inside df_div(1, b), leaving 1/b only float32-accurate).
  var y2 = df_div(cur, piv);
  ws[slot(b, s, N - 1u) + 3u] = y2;
  var big = abs(y2.x);
  if (N == 1u) { return big; }
  let o = slot(b, s, N - 2u);
  var y1 = df_div(df_sub(ws[o + 3u], df_mul(ws[o + 1u], y2)), ws[o]);
  ws[o + 3u] = y1;
  big = max(big, abs(y1.x));
  for (var k = i32(N) - 3; k >= 0; k--) {
    let p = slot(b, s, u32(k));
    let yk = df_div(df_sub(df_sub(ws[p + 3u], df_mul(ws[p + 2u], y2)), df_mul(ws[p + 1u], y1)), ws[p]);
    ws[p + 3u] = yk;
    big = max(big, abs(yk.x));
    y2 = y1;
    y1 = yk;
  }
  return big;
}

// y ← y − Σ (vᵀy) v over the cluster's finished vectors (slots c0 .. c1−1, unit length in df): modified
// Gram–Schmidt in df (against f32-rounded vectors, a dominant component would leave ~1e-7 of itself behind).
fn orthogonalize(b: u32, s: u32, c0: u32, c1: u32) {
  for (var c = c0; c < c1; c++) {
    var dot = vec2f(0.0);
    for (var i = 0u; i < N; i++) {
      dot = df_add(dot, df_mul(ws[slot(b, s, i) + 3u], ws[slot(b, c, i) + 3u]));
    }
    for (var i = 0u; i < N; i++) {
      let o = slot(b, s, i) + 3u;
      ws[o] = df_sub(ws[o], df_mul(dot, ws[slot(b, c, i) + 3u]));
    }
  }
}

@compute @workgroup_size(VWG)
fn vectors(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * VWG;
  if (t >= params.batch * K) { return; }
  let b = t / K;
  let j = t % K;
  let nrm = ws[params.off_info + 2u * b + 1u].x;
  let ortol = CLUSTER_RTOL * nrm;
  let lamAt = lam_of(b, j);
  // Only a cluster's first member works; it takes the members after it in order.
  if (j > 0u && df_sub(lamAt, lam_of(b, j - 1u)).x <= ortol) { return; }
  let tol = EPS_DF * nrm;
  var xPrev = lamAt;
  var end = j;
  while (end < K && (end == j || df_sub(lam_of(b, end), lam_of(b, end - 1u)).x <= ortol)) {
    var x = lam_of(b, end);
    if (end > j) {
      // Separate (nearly) equal eigenvalues so that the solves differ (dstein's 10·ε·|λ|, floored).
      let pertol = 10.0 * EPS_DF * max(abs(x.x), 1e-3 * nrm);
      if (df_sub(x, xPrev).x < pertol) { x = df_add(xPrev, df(pertol)); }
    }
    for (var i = 0u; i < N; i++) { ws[slot(b, end, i) + 3u] = df(start_entry(params.lo + end, i)); }
    // Each solve's right-hand side is the last iterate scaled by 1/(its largest entry), applied as it is read.
    var scale = 1.0;
    for (var it = 0u; it < ITERATIONS; it++) {
      let big = lu_solve(b, end, x, tol, scale);
      if (!(big > 0.0) || !finite(big)) { atomicOr(&flags[0], 2u); }
      scale = 1.0 / big;
      orthogonalize(b, end, j, end);
    }
    // Unit length, the largest-magnitude entry positive (the first on ties), as eigh.
    var norm2 = vec2f(0.0);
    var big = 0.0;
    var bigSign = 1.0;
    for (var i = 0u; i < N; i++) {
      let y = df_mul_f(ws[slot(b, end, i) + 3u], scale); // entries ≤ ~1: the squares cannot overflow
      norm2 = df_add(norm2, df_mul(y, y));
      if (abs(y.x) > big) { big = abs(y.x); bigSign = select(1.0, -1.0, y.x < 0.0); }
    }
    let norm = df_mul_f(df_sqrt(norm2), bigSign);
    for (var i = 0u; i < N; i++) {
      let o = slot(b, end, i) + 3u;
      let unit = df_div(df_mul_f(ws[o], scale), norm);
      ws[o] = unit; // the cluster's later members are orthogonalised against it
      v_out[(b * N + i) * K + end] = df_round(unit);
    }
    xPrev = x;
    end++;
  }
}

fn lam_of(b: u32, j: u32) -> vec2f {
  return ws[params.off_lam + b * K + j];
}
