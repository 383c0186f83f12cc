// eigh's tridiagonal reduction, in dispatch order (eigh.tri.wgsl has the bindings and the outline):
// check and plan decide whether it runs and scale A; per column of each panel: column (finish the last
// column's W, bring this column up to date, partial sums for its reflector), reflect (the reflector and T's
// column), symv (p = A₂₂·v minus the panel's corrections); per panel: column once more (the last W), then
// update (A₂₂ −= V·Wᵀ + W·Vᵀ); finally finish (T = diagonal and subdiagonal, unscaled, the rest zeroed)
// and bands (T's two bands kept aside).

const F32_MAX: f32 = 0x1.fffffep+127f;

// One invocation per row of A's lower triangle: is it tridiagonal, finite, and how large?
@compute @workgroup_size(64)
fn check(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= M) { return; }
  var flags = 0u;
  var largest = 0.0;
  for (var k = 0u; k <= i; k++) {
    let x = abs(a[i * M + k]);
    if (!(x <= F32_MAX)) { flags |= 2u; }
    if (k + 2u <= i && x != 0.0) { flags |= 1u; }
    largest = max(largest, x);
  }
  if (flags != 0u) { atomicOr(&st.flags, flags); }
  atomicMax(&st.largest, bitcast<u32>(largest));
}

// One invocation: reduce only a finite matrix with something below its subdiagonal; clear the flags for
// the next matrix.
@compute @workgroup_size(1)
fn plan() {
  let flags = atomicLoad(&st.flags);
  let largest = bitcast<f32>(atomicLoad(&st.largest));
  atomicStore(&st.flags, 0u);
  atomicStore(&st.largest, 0u);
  let on = select(0u, 1u, flags == 1u);
  st.on = on;
  // 2^-e with largest = f·2^e, f in [0.5, 1): the scaled entries are at most 1 and Σx² cannot overflow
  // (e kept within ±126 so that s and 1/s are normal floats).
  st.s = ldexp(1.0, -clamp(frexp(max(largest, 1e-30)).exp, -126, 126));
  st.tau = 0.0;
}

// A ← s·A (lower triangle), one invocation per row; finish scales back.
@compute @workgroup_size(64)
fn prescale(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= M) { return; }
  let s = st.s;
  for (var k = 0u; k <= i; k++) { a[i * M + k] *= s; }
}

var<workgroup> red: array<f32, PARTS * COLUMN_WG>;

// Column c = p0 + j of a panel, COLUMN_ROWS rows per invocation over all M rows:
// 1. j > 0: W's column j − 1 from the last symv: w = τ·p + α·v, α = −½·τ²·pᵀv (LAPACK's latrd).
// 2. j < nb: A's column c (rows ≥ c) −= V·W[c]ᵀ + W·V[c]ᵀ over the panel's columns so far; V's column j
//    ← x = A[c+1.., c] unscaled (symv scales it once the reflector is known); per-workgroup partial sums
//    of Σx², Vᵀx and Wᵀx over the rows below c + 1 for reflect.
@compute @workgroup_size(COLUMN_WG)
fn column(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
          @builtin(workgroup_id) wid: vec3<u32>) {
  let c = params.c;
  let j = c - params.p0;
  let nb = params.nb;
  let yb = params.p * M * NB;
  var tau = 0.0;
  var alpha = 0.0;
  var w_c = 0.0; // W[c][j − 1], which every row's update needs
  if (j > 0u) {
    tau = st.tau;
    if (tau != 0.0) {
      var pvs = 0.0;
      for (var g = 0u; g < symv_groups(c - 1u); g++) { pvs += part[SYMV_BASE + g]; }
      alpha = -0.5 * tau * tau * pvs;
      if (c < M) { w_c = tau * part[PV + c] + alpha * y[yb + c * NB + j - 1u]; }
    }
  }
  var acc: array<f32, PARTS>;
  for (var r = 0u; r < COLUMN_ROWS; r++) {
    let i = gid.x + r * COLUMN_GROUPS * COLUMN_WG;
    if (i < M) {
      var w_i = 0.0;
      if (j > 0u) {
        if (i >= c && tau != 0.0) { w_i = tau * part[PV + i] + alpha * y[yb + i * NB + j - 1u]; }
        w[i * NB + j - 1u] = w_i;
      }
      if (j < nb) {
        var x = 0.0;
        if (i >= c) {
          var d = 0.0;
          for (var t = 0u; t + 1u < j; t++) {
            d += y[yb + i * NB + t] * w[c * NB + t] + w[i * NB + t] * y[yb + c * NB + t];
          }
          if (j > 0u) { d += y[yb + i * NB + j - 1u] * w_c + w_i * y[yb + c * NB + j - 1u]; }
          x = a[i * M + c] - d;
          a[i * M + c] = x;
        }
        let below = i >= c + 2u;
        y[yb + i * NB + j] = select(select(0.0, 1.0, i == c + 1u), x, below);
        if (below) {
          acc[0] += x * x;
          for (var t = 0u; t < j; t++) {
            acc[1u + t] += y[yb + i * NB + t] * x;
            acc[1u + NB + t] += w[i * NB + t] * x;
          }
        }
      }
    }
  }
  if (j >= nb) { return; } // uniform: the panel's last call only finishes W
  red[lid] = acc[0];
  for (var t = 0u; t < j; t++) {
    red[(1u + t) * COLUMN_WG + lid] = acc[1u + t];
    red[(1u + NB + t) * COLUMN_WG + lid] = acc[1u + NB + t];
  }
  workgroupBarrier();
  for (var k = lid; k < PARTS; k += COLUMN_WG) {
    let t = (k - 1u) % NB;
    if (k == 0u || t < j) {
      var s = 0.0;
      for (var l = 0u; l < COLUMN_WG; l++) { s += red[k * COLUMN_WG + l]; }
      part[wid.x * PARTS + k] = s;
    }
  }
}

var<workgroup> sums: array<f32, PARTS>;
var<workgroup> coef: vec2<f32>;
var<workgroup> on: u32;

// One workgroup: the reflector H = I − τ·v·vᵀ with H·x = β·e₁ for x = A[c+1.., c] (LAPACK's larfg, β of
// the opposite sign to x₀), Vᵀv and Wᵀv for symv's corrections, and T's column j (larft:
// T[0..j, j] = −τ·T[0..j, 0..j]·Vᵀv, T[j, j] = τ).
@compute @workgroup_size(REFLECT_WG)
fn reflect(@builtin(local_invocation_index) lid: u32) {
  if (lid == 0u) { on = st.on; }
  if (workgroupUniformLoad(&on) == 0u) { return; }
  let c = params.c;
  let j = c - params.p0;
  let yb = params.p * M * NB;
  let tb = params.p * NB * NB;
  for (var k = lid; k < PARTS; k += REFLECT_WG) {
    var s = 0.0;
    let t = (k - 1u) % NB;
    if (k == 0u || t < j) {
      for (var g = 0u; g < COLUMN_GROUPS; g++) { s += part[g * PARTS + k]; }
    }
    sums[k] = s;
  }
  workgroupBarrier();
  if (lid == 0u) {
    let x0 = a[(c + 1u) * M + c];
    let sigma = sums[0];
    var tau = 0.0;
    var beta = x0;
    var scale = 0.0;
    if (sigma != 0.0) {
      beta = -sign_of(x0) * sqrt(x0 * x0 + sigma);
      tau = (beta - x0) / beta;
      scale = 1.0 / (x0 - beta);
    }
    a[(c + 1u) * M + c] = beta;
    st.tau = tau;
    st.scale = scale;
    coef = vec2<f32>(tau, scale);
  }
  workgroupBarrier();
  let tau = coef.x;
  let scale = coef.y;
  for (var t = lid; t < j; t += REFLECT_WG) {
    // v = (1, scale·x₁, …): its row c + 1 is 1.
    let yv = y[yb + (c + 1u) * NB + t] + scale * sums[1u + t];
    let wv = w[(c + 1u) * NB + t] + scale * sums[1u + NB + t];
    st.yv[t] = yv;
    st.wv[t] = wv;
    sums[1u + t] = yv;
  }
  workgroupBarrier();
  for (var r = lid; r < j; r += REFLECT_WG) {
    var d = 0.0;
    for (var t = r; t < j; t++) { d += tt[tb + r * NB + t] * sums[1u + t]; }
    tt[tb + r * NB + j] = -tau * d;
  }
  if (lid == 0u) { tt[tb + j * NB + j] = tau; }
}

// 1 for x ≥ 0 (+0 included), −1 below.
fn sign_of(x: f32) -> f32 {
  return select(1.0, -1.0, x < 0.0);
}

var<workgroup> red_symv: array<f32, SYMV_WG>;
var<workgroup> sum_lo: array<vec4<f32>, SYMV_WG>;
var<workgroup> sum_hi: array<vec4<f32>, SYMV_WG>;
var<workgroup> skip: u32;

// p = A₂₂·v − W·(Vᵀv) − V·(Wᵀv) over rows ≥ c + 1 (A₂₂ as the panel started, read from its lower
// triangle), in blocks of eight rows (each v_k loaded once for eight products). SYMV_SPLIT invocations
// share a block: invocation s takes every SYMV_SPLIT-th k from c + 1 + s on and the corrections' terms
// t ≡ s, and the block's sums are added up in workgroup memory. One invocation per block on CPU drivers
// (one long loop per invocation ran fastest on SwiftShader); one workgroup per block on GPUs, whose
// neighbouring lanes then read neighbouring addresses (a row of A left of the block, eight contiguous
// entries of a row below it). V's column j ← v; a partial pᵀv per workgroup.
@compute @workgroup_size(SYMV_WG)
fn symv(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(workgroup_id) wid: vec3<u32>) {
  if (lid == 0u) { skip = select(0u, 1u, st.tau == 0.0); }
  if (workgroupUniformLoad(&skip) != 0u) { return; } // x needed no reflector: no product
  let c = params.c;
  let j = c - params.p0;
  let yb = params.p * M * NB;
  let scale = st.scale;
  let s = lid % SYMV_SPLIT; // this invocation's share of its block
  let i0 = ((c + 1u) / 8u + gid.x / SYMV_SPLIT) * 8u;
  var lo = vec4<f32>(0.0); // rows i0 … i0 + 3
  var hi = vec4<f32>(0.0); // rows i0 + 4 … i0 + 7
  if (i0 < M) {
    var k = c + 1u + s;
    for (; k < i0; k += SYMV_SPLIT) {
      let vk = v_at(k, c, scale);
      lo += vk * vec4<f32>(a[i0 * M + k], a[(i0 + 1u) * M + k], a[(i0 + 2u) * M + k], a[(i0 + 3u) * M + k]);
      hi += vk * vec4<f32>(a[(i0 + 4u) * M + k], a[(i0 + 5u) * M + k], a[(i0 + 6u) * M + k], a[(i0 + 7u) * M + k]);
    }
    for (; k < i0 + 8u; k += SYMV_SPLIT) {
      let vk = v_at(k, c, scale);
      lo += vk * vec4<f32>(lower(i0, k), lower(i0 + 1u, k), lower(i0 + 2u, k), lower(i0 + 3u, k));
      hi += vk * vec4<f32>(lower(i0 + 4u, k), lower(i0 + 5u, k), lower(i0 + 6u, k), lower(i0 + 7u, k));
    }
    for (; k < M; k += SYMV_SPLIT) {
      let vk = v_at(k, c, scale);
      let row = k * M + i0;
      lo += vk * vec4<f32>(a[row], a[row + 1u], a[row + 2u], a[row + 3u]);
      hi += vk * vec4<f32>(a[row + 4u], a[row + 5u], a[row + 6u], a[row + 7u]);
    }
    // −W·(Vᵀv) − V·(Wᵀv), term t of the panel's columns so far (rows above c + 1 get them too, unused).
    for (var t = s; t < j; t += SYMV_SPLIT) {
      let yv = st.yv[t];
      let wv = st.wv[t];
      var e = i0 * NB + t; // W[i0][t], then V[i0][t] at yb + e
      lo -= vec4<f32>(w[e] * yv + y[yb + e] * wv, w[e + NB] * yv + y[yb + e + NB] * wv,
                      w[e + 2u * NB] * yv + y[yb + e + 2u * NB] * wv, w[e + 3u * NB] * yv + y[yb + e + 3u * NB] * wv);
      e += 4u * NB;
      hi -= vec4<f32>(w[e] * yv + y[yb + e] * wv, w[e + NB] * yv + y[yb + e + NB] * wv,
                      w[e + 2u * NB] * yv + y[yb + e + 2u * NB] * wv, w[e + 3u * NB] * yv + y[yb + e + 3u * NB] * wv);
    }
  }
  if (SYMV_SPLIT > 1u) {
    // The block's invocations add up their sums pairwise; all take the total from the first one's slot.
    sum_lo[lid] = lo;
    sum_hi[lid] = hi;
    for (var half = SYMV_SPLIT / 2u; half > 0u; half /= 2u) {
      workgroupBarrier();
      if (s < half) {
        sum_lo[lid] += sum_lo[lid + half];
        sum_hi[lid] += sum_hi[lid + half];
      }
    }
    workgroupBarrier();
    lo = sum_lo[lid - s];
    hi = sum_hi[lid - s];
  }
  var partial = 0.0;
  if (i0 < M) {
    for (var r = s; r < 8u; r += SYMV_SPLIT) {
      let i = i0 + r;
      if (i >= c + 1u) {
        let p = select(hi[r % 4u], lo[r % 4u], r < 4u);
        let v = v_at(i, c, scale);
        part[PV + i] = p;
        if (i >= c + 2u) { y[yb + i * NB + j] = v; }
        partial += p * v;
      }
    }
  }
  red_symv[lid] = partial;
  workgroupBarrier();
  if (lid == 0u) {
    var total = 0.0; // over the invocations that finished rows: each block's first min(8, SYMV_SPLIT)
    for (var b = 0u; b < SYMV_WG; b += SYMV_SPLIT) {
      for (var r = 0u; r < min(8u, SYMV_SPLIT); r++) { total += red_symv[b + r]; }
    }
    part[SYMV_BASE + wid.x] = total;
  }
}

// Entry k of the reflector of column c: 1 at c + 1, then A's column scaled.
fn v_at(k: u32, c: u32, scale: f32) -> f32 {
  return select(a[k * M + c] * scale, 1.0, k == c + 1u);
}

// A[i][k] of the symmetric matrix from the lower triangle.
fn lower(i: u32, k: u32) -> f32 {
  return select(a[k * M + i], a[i * M + k], k <= i);
}

// After a panel: A₂₂ −= V·Wᵀ + W·Vᵀ on the lower triangle from column e0 = params.c on, a 4×4 tile per
// invocation, numbered row by row over the lower triangle of tiles.
@compute @workgroup_size(TILE_WG)
fn update(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e0 = params.c;
  let nb = params.nb;
  let yb = params.p * M * NB;
  let t = gid.x;
  var row = u32((sqrt(8.0 * f32(t) + 1.0) - 1.0) * 0.5); // row·(row + 1)/2 ≤ t, up to rounding
  if (row * (row + 1u) / 2u > t) { row -= 1u; }
  if ((row + 1u) * (row + 2u) / 2u <= t) { row += 1u; }
  let qi = e0 / 4u + row;
  let qk = e0 / 4u + t - row * (row + 1u) / 2u;
  if (qi >= M / 4u) { return; }
  let i0 = qi * 4u;
  let k0 = qk * 4u;
  var d0 = vec4<f32>(0.0);
  var d1 = vec4<f32>(0.0);
  var d2 = vec4<f32>(0.0);
  var d3 = vec4<f32>(0.0);
  for (var t = 0u; t < nb; t++) {
    let yk = vec4<f32>(y[yb + k0 * NB + t], y[yb + (k0 + 1u) * NB + t], y[yb + (k0 + 2u) * NB + t], y[yb + (k0 + 3u) * NB + t]);
    let wk = vec4<f32>(w[k0 * NB + t], w[(k0 + 1u) * NB + t], w[(k0 + 2u) * NB + t], w[(k0 + 3u) * NB + t]);
    d0 += y[yb + i0 * NB + t] * wk + w[i0 * NB + t] * yk;
    d1 += y[yb + (i0 + 1u) * NB + t] * wk + w[(i0 + 1u) * NB + t] * yk;
    d2 += y[yb + (i0 + 2u) * NB + t] * wk + w[(i0 + 2u) * NB + t] * yk;
    d3 += y[yb + (i0 + 3u) * NB + t] * wk + w[(i0 + 3u) * NB + t] * yk;
  }
  let d = array<vec4<f32>, 4>(d0, d1, d2, d3);
  for (var r = 0u; r < 4u; r++) {
    for (var cc = 0u; cc < 4u; cc++) {
      let i = i0 + r;
      let k = k0 + cc;
      if (k <= i && k >= e0) { a[i * M + k] -= d[r][cc]; }
    }
  }
}

// Last: A ← T/s, the diagonal and subdiagonal kept and the rest of the lower triangle zeroed (it held the
// reflectors' entries), one invocation per row.
@compute @workgroup_size(64)
fn finish(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= M) { return; }
  let s = 1.0 / st.s;
  for (var k = 0u; k + 2u <= i; k++) { a[i * M + k] = 0.0; }
  a[i * M + i] *= s;
  if (i > 0u) { a[i * M + i - 1u] *= s; }
}

// Always (a direct dispatch): T's diagonal and subdiagonal into part[0..M) and part[M..2M), for the
// Rayleigh quotients after the Jacobi run (which rotates A away). T is A when A was not reduced.
@compute @workgroup_size(64)
fn bands(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= M) { return; }
  part[i] = a[i * M + i];
  part[M + i] = select(0.0, a[(i + 1u) * M + i], i + 1u < M);
}
