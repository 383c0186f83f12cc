/**
 * Householder tridiagonalisation A = Q T Qᵀ of a symmetric matrix and the two ways of using Q
 * (float64, standalone, no project imports): form Q explicitly, or apply it to vectors.
 * Hot loops walk contiguous row-major memory and keep several independent dependency chains.
 */

/**
 * Householder tridiagonalisation of the lower triangle. Returns the diagonal d, the
 * off-diagonal e (e[i] = T[i+1][i], e[n-1] = 0) and the reflectors: row i of w holds v_i in
 * columns 0..i-1 and h[i] = |v_i|²/2, with H_i = I - v_i v_iᵀ / h[i] and A = Q T Qᵀ for
 * Q = H_{n-1} ··· H_2. Where there is no reflector h[i] = 0 and row i is zero; w has one extra
 * zero row (row n) and everything on or above the diagonal is zero.
 *
 * Step i zeroes row i left of the subdiagonal: A ← H_i A H_i on the leading i×i block, i.e.
 * A -= v qᵀ + q vᵀ with p = A v / h and q = p - (vᵀp / 2h) v. That update is left pending and
 * done during step i-1's pass for p' = A v' (after first updating row i-1, which defines v'),
 * so each step makes one pass over the lower triangle instead of two.
 */
export function tridiagonalize(a: Float64Array, n: number) {
  const w = new Float64Array((n + 1) * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) w[i * n + j] = a[i * n + j];
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const h = new Float64Array(n);
  let v = new Float64Array(n + 1); // pending update A -= v qᵀ + q vᵀ
  let q = new Float64Array(n + 1);
  let vn = new Float64Array(n + 1); // this step's reflector and p
  let p = new Float64Array(n + 1);
  let pending = false;

  for (let i = n - 1; i >= 1; i--) {
    const ri = i * n;
    if (pending) {
      const vi = v[i];
      const qi = q[i];
      for (let k = 0; k <= i; k++) w[ri + k] -= vi * q[k] + qi * v[k];
    }
    let tail = 0;
    for (let k = 0; k < i - 1; k++) tail += Math.abs(w[ri + k]);
    if (tail === 0) {
      // Row already tridiagonal: no reflector (tridiagonal/diagonal blocks stay cheap).
      e[i - 1] = w[ri + i - 1];
      w[ri + i - 1] = 0;
      if (pending) rankTwoUpdate(w, n, i, v, q);
      pending = false;
      continue;
    }
    // Scale the row so the sum of squares can neither overflow nor underflow.
    const scale = tail + Math.abs(w[ri + i - 1]);
    let sigma2 = 0;
    for (let k = 0; k < i; k++) {
      const x = (vn[k] = w[ri + k] / scale);
      sigma2 += x * x;
    }
    const f = vn[i - 1];
    const g = f >= 0 ? -Math.sqrt(sigma2) : Math.sqrt(sigma2); // sign opposite to f: no cancellation in f - g
    const hi = sigma2 - f * g;
    e[i - 1] = scale * g;
    h[i] = hi;
    vn[i - 1] = f - g; // now H x = (0, …, 0, g) for the scaled row x
    for (let k = 0; k < i; k++) w[ri + k] = vn[k];

    // p = A vn on rows 0..i-1, applying the pending update to them on the way.
    p.fill(0, 0, i);
    if (pending) updateAndMultiply(w, n, i, v, q, vn, p);
    else multiply(w, n, i, vn, p);
    let vp = 0;
    for (let k = 0; k < i; k++) vp += vn[k] * (p[k] /= hi);
    const half = vp / (2 * hi);
    for (let k = 0; k < i; k++) p[k] -= half * vn[k];
    [v, vn] = [vn, v];
    [q, p] = [p, q];
    pending = true;
  }
  if (pending) w[0] -= 2 * v[0] * q[0]; // row 0 is all that is left of the last update
  for (let i = 0; i < n; i++) {
    d[i] = w[i * n + i];
    w[i * n + i] = 0;
  }
  return { d, e, w, h };
}

/** Rows 0..i-1 of the lower triangle: A -= v qᵀ + q vᵀ. */
function rankTwoUpdate(w: Float64Array, n: number, i: number, v: Float64Array, q: Float64Array): void {
  for (let j = 0; j < i; j++) {
    const rj = j * n;
    const vj = v[j];
    const qj = q[j];
    for (let k = 0; k <= j; k++) w[rj + k] -= vj * q[k] + qj * v[k];
  }
}

/**
 * p += A x over rows 0..i-1 of the lower triangle: row j adds A[j][k]·x[k] to p[j] and
 * A[j][k]·x[j] to p[k]. Rows go in pairs (an odd row 0 first, alone) for two independent dot
 * products and shared p traffic.
 */
function multiply(w: Float64Array, n: number, i: number, x: Float64Array, p: Float64Array): void {
  let j = 0;
  if (i % 2 === 1) {
    p[0] += w[0] * x[0];
    j = 1;
  }
  for (; j < i; j += 2) {
    const r0 = j * n;
    const r1 = r0 + n;
    const x0 = x[j];
    const x1 = x[j + 1];
    let s0 = 0;
    let s1 = 0;
    for (let k = 0; k < j; k++) {
      const a0 = w[r0 + k];
      const a1 = w[r1 + k];
      const xk = x[k];
      s0 += a0 * xk;
      s1 += a1 * xk;
      p[k] += a0 * x0 + a1 * x1;
    }
    const a10 = w[r1 + j];
    p[j] += s0 + w[r0 + j] * x0 + a10 * x1;
    p[j + 1] += s1 + a10 * x0 + w[r1 + j + 1] * x1;
  }
}

/**
 * multiply() on A - v qᵀ - q vᵀ, storing that update into rows 0..i-1 as it goes. Four rows per
 * pass (after i mod 4 single rows) so that q, v, x and p are loaded once for four rows.
 */
function updateAndMultiply(w: Float64Array, n: number, i: number, v: Float64Array, q: Float64Array, x: Float64Array, p: Float64Array): void {
  let j = 0;
  for (; j < i % 4; j++) updateAndMultiplyRow(w, n, j, 0, v, q, x, p);
  for (; j < i; j += 4) {
    const r0 = j * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    const v0 = v[j],
      v1 = v[j + 1],
      v2 = v[j + 2],
      v3 = v[j + 3];
    const q0 = q[j],
      q1 = q[j + 1],
      q2 = q[j + 2],
      q3 = q[j + 3];
    const x0 = x[j],
      x1 = x[j + 1],
      x2 = x[j + 2],
      x3 = x[j + 3];
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let k = 0; k < j; k++) {
      const qk = q[k];
      const vk = v[k];
      const xk = x[k];
      const a0 = w[r0 + k] - (v0 * qk + q0 * vk);
      const a1 = w[r1 + k] - (v1 * qk + q1 * vk);
      const a2 = w[r2 + k] - (v2 * qk + q2 * vk);
      const a3 = w[r3 + k] - (v3 * qk + q3 * vk);
      w[r0 + k] = a0;
      w[r1 + k] = a1;
      w[r2 + k] = a2;
      w[r3 + k] = a3;
      s0 += a0 * xk;
      s1 += a1 * xk;
      s2 += a2 * xk;
      s3 += a3 * xk;
      p[k] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
    }
    p[j] += s0;
    p[j + 1] += s1;
    p[j + 2] += s2;
    p[j + 3] += s3;
    // The 4×4 diagonal block: row j+t from column j on.
    for (let t = 0; t < 4; t++) updateAndMultiplyRow(w, n, j + t, j, v, q, x, p);
  }
}

/** Row j of updateAndMultiply, columns from..j. */
function updateAndMultiplyRow(
  w: Float64Array,
  n: number,
  j: number,
  from: number,
  v: Float64Array,
  q: Float64Array,
  x: Float64Array,
  p: Float64Array,
): void {
  const rj = j * n;
  const vj = v[j];
  const qj = q[j];
  const xj = x[j];
  let s = 0;
  for (let k = from; k < j; k++) {
    const a = w[rj + k] - (vj * q[k] + qj * v[k]);
    w[rj + k] = a;
    s += a * x[k];
    p[k] += a * xj;
  }
  const diag = (w[rj + j] -= 2 * vj * qj);
  p[j] += s + diag * xj;
}

/**
 * Q = H_{n-1} ··· H_2, built innermost first. H_i touches only the leading i×i block and the
 * partial product H_{i-1} ··· H_2 is the identity outside its leading (i-1)×(i-1) block, so each
 * step is O(i²). Reflectors go in pairs (H_{i+1} H_i) to halve the passes over Z.
 * Rows are padded to a multiple of 4 (extra rows stay zero) for the 4-row rotation kernel.
 */
export function formQ(w: Float64Array, h: Float64Array, n: number): Float64Array {
  const z = new Float64Array(Math.ceil(n / 4) * 4 * n);
  for (let i = 0; i < n; i++) z[i * n + i] = 1;
  const v1 = new Float64Array(n);
  const v2 = new Float64Array(n);
  const u1 = new Float64Array(n);
  const u2 = new Float64Array(n);
  for (let i = 2; i < n; i += 2) {
    const m = i + 1; // the pair acts on coordinates 0..i
    const h1 = h[i];
    const h2 = i + 1 < n ? h[i + 1] : 0;
    if (h1 === 0 && h2 === 0) continue;
    v1.fill(0, 0, m);
    v2.fill(0, 0, m);
    if (h1 !== 0) for (let k = 0; k < i; k++) v1[k] = w[i * n + k];
    if (h2 !== 0) for (let k = 0; k <= i; k++) v2[k] = w[(i + 1) * n + k];
    // u1 = v1ᵀ Z and u2 = v2ᵀ Z in one pass over Z.
    u1.fill(0, 0, m);
    u2.fill(0, 0, m);
    for (let r = 0; r < m; r++) {
      const a1 = v1[r];
      const a2 = v2[r];
      if (a1 === 0 && a2 === 0) continue;
      const zr = r * n;
      for (let c = 0; c < m; c++) {
        u1[c] += a1 * z[zr + c];
        u2[c] += a2 * z[zr + c];
      }
    }
    // After H_i, v2ᵀ Z is u2 - (v2·v1 / h1) u1. Fold in the 1/h factors, then one update pass.
    let dot = 0;
    for (let k = 0; k < m; k++) dot += v2[k] * v1[k];
    const c1 = h1 !== 0 ? 1 / h1 : 0;
    const c2 = h2 !== 0 ? 1 / h2 : 0;
    for (let c = 0; c < m; c++) {
      u1[c] *= c1;
      u2[c] = (u2[c] - dot * u1[c]) * c2;
    }
    for (let r = 0; r < m; r++) {
      const a1 = v1[r];
      const a2 = v2[r];
      if (a1 === 0 && a2 === 0) continue;
      const zr = r * n;
      for (let c = 0; c < m; c++) z[zr + c] -= a1 * u1[c] + a2 * u2[c];
    }
  }
  return z;
}

/**
 * x ← Q x = H_{n-1} ··· H_2 x for every row x of z (rows of length n; their count a multiple
 * of 4). Reflectors go in pairs: for (H_i, H_{i+1}) applied in that order,
 * s = v_iᵀx / h_i, t = (v_{i+1}ᵀx − (v_{i+1}ᵀv_i) s) / h_{i+1}, then x −= s v_i + t v_{i+1}.
 * Four rows at a time, and each contiguous update pass also accumulates the next pair's dot
 * products from the freshly updated entries, so there is one pass per pair.
 */
export function applyReflectors(z: Float64Array, w: Float64Array, h: Float64Array, n: number): void {
  if (n < 3) return;
  const inv = new Float64Array(n + 2); // 1/h (0: no reflector, and then its row of w is zero)
  const cross = new Float64Array(n + 2); // v_{i+1}ᵀ v_i
  for (let i = 2; i < n; i++) {
    inv[i] = h[i] !== 0 ? 1 / h[i] : 0;
    let c = 0;
    for (let k = 0; k < i; k++) c += w[i * n + k] * w[(i + 1) * n + k];
    cross[i] = c;
  }
  for (let r0 = 0; r0 < z.length; r0 += 4 * n) {
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    // Dot products for the first pair (rows 2 and 3 of w; v_3 has support 0..2).
    let va = 2 * n;
    let vb = va + n;
    let a0 = 0,
      a1 = 0,
      a2 = 0,
      a3 = 0,
      b0 = 0,
      b1 = 0,
      b2 = 0,
      b3 = 0;
    for (let k = 0; k <= 2; k++) {
      const x = w[va + k];
      const y = w[vb + k];
      a0 += x * z[r0 + k];
      a1 += x * z[r1 + k];
      a2 += x * z[r2 + k];
      a3 += x * z[r3 + k];
      b0 += y * z[r0 + k];
      b1 += y * z[r1 + k];
      b2 += y * z[r2 + k];
      b3 += y * z[r3 + k];
    }
    for (let i = 2; i < n; i += 2) {
      // Coefficients of the pair (i, i+1); a*, b* become s, t of the comment above.
      const ha = inv[i];
      const hb = inv[i + 1];
      const c = cross[i];
      a0 *= ha;
      a1 *= ha;
      a2 *= ha;
      a3 *= ha;
      b0 = (b0 - c * a0) * hb;
      b1 = (b1 - c * a1) * hb;
      b2 = (b2 - c * a2) * hb;
      b3 = (b3 - c * a3) * hb;
      if (i + 2 >= n) {
        for (let k = 0; k <= i; k++) {
          const x = w[va + k];
          const y = w[vb + k];
          z[r0 + k] -= a0 * x + b0 * y;
          z[r1 + k] -= a1 * x + b1 * y;
          z[r2 + k] -= a2 * x + b2 * y;
          z[r3 + k] -= a3 * x + b3 * y;
        }
        break;
      }
      // Update with this pair, accumulating the dot products with the next (rows i+2, i+3).
      const na = va + 2 * n;
      const nb = na + n;
      let c0 = 0,
        c1 = 0,
        c2 = 0,
        c3 = 0,
        d0 = 0,
        d1 = 0,
        d2 = 0,
        d3 = 0;
      for (let k = 0; k <= i; k++) {
        const x = w[va + k];
        const y = w[vb + k];
        const u = w[na + k];
        const t = w[nb + k];
        const z0 = z[r0 + k] - (a0 * x + b0 * y);
        z[r0 + k] = z0;
        c0 += u * z0;
        d0 += t * z0;
        const z1 = z[r1 + k] - (a1 * x + b1 * y);
        z[r1 + k] = z1;
        c1 += u * z1;
        d1 += t * z1;
        const z2 = z[r2 + k] - (a2 * x + b2 * y);
        z[r2 + k] = z2;
        c2 += u * z2;
        d2 += t * z2;
        const z3 = z[r3 + k] - (a3 * x + b3 * y);
        z[r3 + k] = z3;
        c3 += u * z3;
        d3 += t * z3;
      }
      for (let k = i + 1; k <= i + 2; k++) {
        const u = w[na + k];
        const t = w[nb + k];
        c0 += u * z[r0 + k];
        c1 += u * z[r1 + k];
        c2 += u * z[r2 + k];
        c3 += u * z[r3 + k];
        d0 += t * z[r0 + k];
        d1 += t * z[r1 + k];
        d2 += t * z[r2 + k];
        d3 += t * z[r3 + k];
      }
      a0 = c0;
      a1 = c1;
      a2 = c2;
      a3 = c3;
      b0 = d0;
      b1 = d1;
      b2 = d2;
      b3 = d3;
      va = na;
      vb = nb;
    }
  }
}
