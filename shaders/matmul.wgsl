// Batched matmul C[z] = op(A)[z] · op(B)[z], tiled in workgroup memory with register blocking. op(X) is X
// or its transpose (TRANS_A / TRANS_B), so the backward dA = dY·Bᵀ and dB = Aᵀ·dY run this same kernel
// reading an operand transposed; no transpose is ever materialised.
//
// A workgroup computes a TM × TN tile of C. Each K step stages a TM × TK tile of op(A) and a TK × TN tile
// of op(B) in workgroup memory; each invocation then accumulates RM × RN outputs in registers: rows
// ty·RM + r (the same for neighbouring invocations, so reads of tile_a are broadcasts) and columns
// tx + c·WGX (consecutive across neighbours, so reads of tile_b and stores to C are contiguous).
// Loads outside the matrices read 0 and stores outside are skipped, so any M, N, K works.
// The batch index is workgroup_id.z; a broadcast batch dim has stride 0. ACC_DECL, ACCUMULATE (one k
// step) and STORE are the RM × RN block unrolled by src/ops/matmul.ts; unrolling k as well measured slower
// on SwiftShader.

struct Params {
  m: u32,
  n: u32,
  k: u32,
  rank: u32,
  // First workgroup of this dispatch, when a grid exceeds the per-dimension limit.
  x_offset: u32,
  y_offset: u32,
  z_offset: u32,
  _pad: u32,
  batch_shape: array<vec4<u32>, 2>,
  a_stride: array<vec4<u32>, 2>,
  b_stride: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> as_: array<f32>;
@group(0) @binding(2) var<storage, read> bs: array<f32>;
@group(0) @binding(3) var<storage, read_write> cs: array<f32>;

const TM = {{TM}}u;
const TN = {{TN}}u;
const TK = {{TK}}u;
const WGX = {{WGX}}u;
const WGY = {{WGY}}u;
const THREADS = WGX * WGY;
const TRANS_A = {{TRANS_A}};
const TRANS_B = {{TRANS_B}};

// tile_a keeps the layout of A in memory (rows of op(A) contiguous in k unless TRANS_A), so staging
// reads and writes both run along the contiguous dim; tile_b is always [k][n].
var<workgroup> tile_a: array<f32, TM * TK>;
var<workgroup> tile_b: array<f32, TK * TN>;

// Element (row, col) of op(A) in the batch at `base`; 0 outside.
fn load_a(base: u32, row: u32, col: u32) -> f32 {
  let inside = row < params.m && col < params.k;
  var i = base + row * params.k + col;
  if (TRANS_A) { i = base + col * params.m + row; }
  return select(0.0, as_[select(0u, i, inside)], inside);
}

// Element (row, col) of op(B) in the batch at `base`; 0 outside.
fn load_b(base: u32, row: u32, col: u32) -> f32 {
  let inside = row < params.k && col < params.n;
  var i = base + row * params.n + col;
  if (TRANS_B) { i = base + col * params.k + row; }
  return select(0.0, bs[select(0u, i, inside)], inside);
}

// Offset of element (m, kk) of the staged op(A) tile.
fn a_at(m: u32, kk: u32) -> u32 {
  if (TRANS_A) { return kk * TM + m; }
  return m * TK + kk;
}

@compute @workgroup_size(WGX, WGY, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let z = wid.z + params.z_offset;
  let base = strided_offsets(z, params.rank, params.batch_shape, params.a_stride, params.b_stride);
  let base_a = base.x;
  let base_b = base.y;
  let row0 = (wid.y + params.y_offset) * TM;
  let col0 = (wid.x + params.x_offset) * TN;
  let tx = lid.x;
  let ty = lid.y;
  let my_row = ty * {{RM}}u;
  {{ACC_DECL}}
  for (var k0 = 0u; k0 < params.k; k0 += TK) {
    for (var e = tid; e < TM * TK; e += THREADS) {
      if (TRANS_A) {
        tile_a[e] = load_a(base_a, row0 + e % TM, k0 + e / TM);
      } else {
        tile_a[e] = load_a(base_a, row0 + e / TK, k0 + e % TK);
      }
    }
    for (var e = tid; e < TK * TN; e += THREADS) {
      if (TRANS_B) {
        // Read along B's contiguous dim (k), write across tile_b's rows.
        let kk = e % TK;
        let nn = e / TK;
        tile_b[kk * TN + nn] = load_b(base_b, k0 + kk, col0 + nn);
      } else {
        tile_b[e] = load_b(base_b, k0 + e / TN, col0 + e % TN);
      }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < min(TK, params.k - k0); kk++) {
      {{ACCUMULATE}}
    }
    workgroupBarrier();
  }
  let c_base = z * params.m * params.n;
  {{STORE}}
}
