/**
 * CPU reference symmetric eigensolver in float64 (standalone, no project imports).
 *
 * Householder reduction to tridiagonal form A = Q T Qᵀ, implicit QL iterations with a
 * Wilkinson-type shift on T (rotations accumulated into Q), then ascending sort and sign fix.
 * Hot loops walk contiguous row-major memory and keep several independent dependency chains.
 */

const EPS = 2 ** -52;

/** Symmetric eigendecomposition of one n×n matrix (row-major, float64). Reads the LOWER triangle only (a[i*n+j] with i>=j); the upper triangle is ignored.
 *  Returns eigenvalues ascending and eigenvectors as COLUMNS of a row-major n×n matrix (vectors[i*n + k] = component i of eigenvector k),
 *  each eigenvector's sign fixed so that its largest-magnitude component is positive (ties: the first such index). */
export function eighReference(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  checkInput(a, n);
  const { d, e, w, h } = tridiagonalize(a, n);
  const z = formQ(w, h, n);
  diagonalizeTridiagonal(d, e, z, n);

  const order = ascendingOrder(d);
  const values = Float64Array.from(order, (k) => d[k]);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let k = 0; k < n; k++) vectors[row + k] = z[row + order[k]];
  }
  fixSigns(vectors, n);
  return { values, vectors };
}

/** Same, but only eigenvalues (skip vector accumulation: faster). */
export function eigvalshReference(a: Float64Array, n: number): Float64Array {
  checkInput(a, n);
  const { d, e } = tridiagonalize(a, n);
  diagonalizeTridiagonal(d, e, null, n);
  return Float64Array.from(ascendingOrder(d), (k) => d[k]);
}

function checkInput(a: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`eigh: invalid size n=${n}`);
  if (a.length < n * n) throw new Error(`eigh: expected ${n * n} elements, got ${a.length}`);
}

/**
 * Householder tridiagonalisation of the lower triangle. Returns the diagonal d, the
 * off-diagonal e (e[i] = T[i+1][i], e[n-1] = 0) and the reflectors: row i of w holds v_i in
 * columns 0..i-1 and h[i] = |v_i|²/2 (0: no reflector), with H_i = I - v_i v_iᵀ / h[i].
 */
function tridiagonalize(a: Float64Array, n: number) {
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) w[i * n + j] = a[i * n + j];
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const h = new Float64Array(n);
  const v = new Float64Array(n);
  const p = new Float64Array(n);

  // Step i zeroes row i left of the subdiagonal: A ← H A H on the leading i×i block.
  for (let i = n - 1; i >= 1; i--) {
    const ri = i * n;
    let tail = 0;
    for (let k = 0; k < i - 1; k++) tail += Math.abs(w[ri + k]);
    if (tail === 0) {
      // Row already tridiagonal: skip the reflector (tridiagonal/diagonal inputs stay cheap).
      e[i - 1] = w[ri + i - 1];
      continue;
    }
    // Scale the row so the sum of squares can neither overflow nor underflow.
    const scale = tail + Math.abs(w[ri + i - 1]);
    let sigma2 = 0;
    for (let k = 0; k < i; k++) {
      const x = (v[k] = w[ri + k] / scale);
      sigma2 += x * x;
    }
    const f = v[i - 1];
    const g = f >= 0 ? -Math.sqrt(sigma2) : Math.sqrt(sigma2); // sign opposite to f: no cancellation in f - g
    const hi = sigma2 - f * g;
    e[i - 1] = scale * g;
    h[i] = hi;
    v[i - 1] = f - g; // now H x = (0, …, 0, g) for the scaled row x
    v[i] = 0; // lets the paired loop below read row i as a harmless partner row
    for (let k = 0; k < i; k++) w[ri + k] = v[k];

    // p = A v from the lower triangle: row j adds A[j][k]·v[k] to p[j] and A[j][k]·v[j] to p[k].
    // Rows go in pairs for two independent dot products and shared p traffic.
    // (When i is odd the last partner is row i itself, which contributes zero since v[i] = 0.)
    p.fill(0, 0, i + 1);
    for (let j = 0; j < i; j += 2) {
      const r0 = j * n;
      const r1 = r0 + n;
      const v0 = v[j];
      const v1 = v[j + 1];
      let s0 = 0;
      let s1 = 0;
      for (let k = 0; k < j; k++) {
        const a0 = w[r0 + k];
        const a1 = w[r1 + k];
        s0 += a0 * v[k];
        s1 += a1 * v[k];
        p[k] += a0 * v0 + a1 * v1;
      }
      const a10 = w[r1 + j];
      p[j] += s0 + w[r0 + j] * v0 + a10 * v1;
      p[j + 1] += s1 + a10 * v0 + w[r1 + j + 1] * v1;
    }
    // H A H = A - v qᵀ - q vᵀ with p = A v / h and q = p - (vᵀp / 2h) v.
    let vp = 0;
    for (let k = 0; k < i; k++) vp += v[k] * (p[k] /= hi);
    const half = vp / (2 * hi);
    for (let k = 0; k < i; k++) p[k] -= half * v[k];
    for (let j = 0; j < i; j++) {
      const rj = j * n;
      const vj = v[j];
      const qj = p[j];
      for (let k = 0; k <= j; k++) w[rj + k] -= vj * p[k] + qj * v[k];
    }
  }
  for (let i = 0; i < n; i++) d[i] = w[i * n + i];
  return { d, e, w, h };
}

/**
 * Q = H_{n-1} ··· H_2, built innermost first. H_i touches only the leading i×i block and the
 * partial product H_{i-1} ··· H_2 is the identity outside its leading (i-1)×(i-1) block, so each
 * step is O(i²). Reflectors go in pairs (H_{i+1} H_i) to halve the passes over Z.
 * Rows are padded to a multiple of 4 (extra rows stay zero) for the 4-row rotation kernel.
 */
function formQ(w: Float64Array, h: Float64Array, n: number): Float64Array {
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
 * Implicit QL on the tridiagonal (d, e); d becomes the eigenvalues. If z is given, every
 * Givens rotation G is also applied as z ← z G, so z's columns become the eigenvectors.
 * The rotations never depend on z, so a whole sweep is recorded and applied in one pass.
 */
function diagonalizeTridiagonal(d: Float64Array, e: Float64Array, z: Float64Array | null, n: number): void {
  const cs = new Float64Array(n);
  const sn = new Float64Array(n);
  const maxSweeps = 60 * Math.max(n, 1);
  let sweeps = 0;
  for (let l = 0; l < n; l++) {
    for (;;) {
      // T[l..m] is the unreduced block: e[m] is the first negligible off-diagonal from l on.
      let m = l;
      while (m < n - 1 && Math.abs(e[m]) > EPS * (Math.abs(d[m]) + Math.abs(d[m + 1]))) m++;
      if (m === l) break; // d[l] has converged
      if (++sweeps > maxSweeps) throw new Error(`eigh: QL iteration did not converge (n=${n})`);

      // Shift: the eigenvalue of the top 2×2 block [d[l] e[l]; e[l] d[l+1]] closer to d[l].
      const t = (d[l + 1] - d[l]) / (2 * e[l]);
      const root = Math.hypot(t, 1);
      const shift = d[l] - e[l] / (t + (t >= 0 ? root : -root));

      // Chase the bulge from the bottom (row m) up to l. `x` is the entry the next rotation
      // annihilates against, `carry` the shift-free change moved from d[i+1] upwards.
      let x = d[m] - shift;
      let c = 1;
      let s = 1;
      let carry = 0;
      let split = false;
      let i = m - 1;
      for (; i >= l; i--) {
        const y = s * e[i];
        const b = c * e[i];
        const r = Math.hypot(x, y);
        e[i + 1] = r;
        if (r === 0) {
          // Underflow: T splits at i+1. Undo the pending update and rescan.
          d[i + 1] -= carry;
          e[m] = 0;
          split = true;
          break;
        }
        s = y / r;
        c = x / r;
        const di1 = d[i + 1] - carry;
        const q = (d[i] - di1) * s + 2 * c * b;
        carry = s * q;
        d[i + 1] = di1 + carry;
        x = c * q - b;
        cs[i] = c;
        sn[i] = s;
      }
      if (z !== null && i < m - 1) applyRotations(z, n, i + 1, m, cs, sn);
      if (split) continue;
      d[l] -= carry;
      e[l] = x;
      e[m] = 0;
    }
  }
}

/**
 * Apply rotations i = hi-1 down to lo (each mixing columns i and i+1) to every row of z.
 * One contiguous pass per row with the running column in a register; four rows at a time
 * so their dependency chains overlap (z has a multiple of 4 rows).
 */
function applyRotations(z: Float64Array, n: number, lo: number, hi: number, cs: Float64Array, sn: Float64Array): void {
  for (let r0 = 0; r0 < z.length; r0 += 4 * n) {
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    let x0 = z[r0 + hi];
    let x1 = z[r1 + hi];
    let x2 = z[r2 + hi];
    let x3 = z[r3 + hi];
    for (let i = hi - 1; i >= lo; i--) {
      const c = cs[i];
      const s = sn[i];
      const y0 = z[r0 + i];
      const y1 = z[r1 + i];
      const y2 = z[r2 + i];
      const y3 = z[r3 + i];
      z[r0 + i + 1] = s * y0 + c * x0;
      z[r1 + i + 1] = s * y1 + c * x1;
      z[r2 + i + 1] = s * y2 + c * x2;
      z[r3 + i + 1] = s * y3 + c * x3;
      x0 = c * y0 - s * x0;
      x1 = c * y1 - s * x1;
      x2 = c * y2 - s * x2;
      x3 = c * y3 - s * x3;
    }
    z[r0 + lo] = x0;
    z[r1 + lo] = x1;
    z[r2 + lo] = x2;
    z[r3 + lo] = x3;
  }
}

function ascendingOrder(d: Float64Array): Int32Array {
  return Int32Array.from(d, (_, k) => k).sort((p, q) => d[p] - d[q] || p - q);
}

/** Make each column's largest-magnitude component positive (first index wins ties). */
function fixSigns(v: Float64Array, n: number): void {
  const best = new Float64Array(n).fill(-1);
  const flip = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const x = v[i * n + k];
      if (Math.abs(x) > best[k]) {
        best[k] = Math.abs(x);
        flip[k] = x < 0 ? 1 : 0;
      }
    }
  }
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) if (flip[k]) v[i * n + k] = -v[i * n + k];
}
