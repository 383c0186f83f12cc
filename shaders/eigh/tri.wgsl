// Shared by eigh's tridiagonal reduction (prepended to eigh.tri.reduce.wgsl and eigh.tri.q.wgsl): before a
// Jacobi run, A (lower triangle, padded size M) is reduced to tridiagonal T = Qᵀ A Q by Householder
// reflectors, blocked as LAPACK's sytrd/latrd: panels of NB columns, each column's reflector from a
// symmetric matrix–vector product with the panel's pending rank-2 corrections, and one rank-2·NB update
// of the trailing matrix per panel. The Jacobi run then diagonalises T; its eigenvalues are the Rayleigh
// quotients of T's eigenvectors (O(n²), not a matrix product), and V ← Q·V after them. A dense random 500×500 matrix needs 441 Jacobi steps from T
// against 789 from A (bench/eigh.mjs), each ~5 ms on SwiftShader.
//
// Every kernel has the same bindings; the uniform says which column or panel a dispatch works on. All are
// direct dispatches: check and plan decide whether A is reduced (not when it is tridiagonal already, the
// 1-D Hamiltonian, or not finite, left to the Jacobi run, which reports it), the host reads st.on back
// once and encodes the rest only when it is set (src/ops/eigh/tridiagonal.ts).

const M: u32 = {{M}}u;   // padded size
const NB: u32 = {{NB}}u; // columns per panel
const NP: u32 = {{NP}}u; // panels
const COLUMN_WG: u32 = {{COLUMN_WG}}u;
const COLUMN_ROWS: u32 = {{COLUMN_ROWS}}u; // rows per invocation of eigh.tri's column kernel
const COLUMN_GROUPS: u32 = {{COLUMN_GROUPS}}u;
const SYMV_WG: u32 = {{SYMV_WG}}u;
const SYMV_SPLIT: u32 = {{SYMV_SPLIT}}u; // symv's invocations per block of eight rows (a power of two ≤ SYMV_WG)
const REFLECT_WG: u32 = {{REFLECT_WG}}u;
const TILE_WG: u32 = {{TILE_WG}}u; // the tiled update kernels'
const PARTS: u32 = 1u + 2u * NB; // a column workgroup's partial sums: σ, Yᵀx, Wᵀx
const SYMV_BASE: u32 = COLUMN_GROUPS * PARTS; // then one partial pᵀv per symv workgroup

struct Params {
  c: u32,  // the column (panel kernels: the first column after the panel)
  p0: u32, // the panel's first column
  nb: u32, // the panel's columns
  p: u32,  // the panel
}
struct State {
  flags: atomic<u32>, // bit 0: an entry below the subdiagonal is nonzero, bit 1: a non-finite entry
  largest: atomic<u32>, // the bits of max |a_ij| (non-negative floats order as their bits)
  on: u32,            // 1 when the reduction runs (read back once by the host)
  s: f32,             // A is reduced as s·A, s a power of two that keeps Σx² in range
  tau: f32,           // the last reflector's τ, and its 1/(α − β)
  scale: f32,
  yv: array<f32, NB>, // Yᵀv and Wᵀv for the last reflector v (the panel's earlier columns)
  wv: array<f32, NB>,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> a: array<f32, {{MM}}>;
@group(0) @binding(2) var<storage, read_write> q: array<f32, {{MM}}>; // V of the Jacobi run
@group(0) @binding(3) var<storage, read_write> y: array<f32, {{YS}}>; // each panel's reflectors, M×NB row-major
@group(0) @binding(4) var<storage, read_write> w: array<f32, {{WS}}>; // the panel's W (M×NB); the quotients; Y·T
@group(0) @binding(5) var<storage, read_write> tt: array<f32, {{TS}}>; // each panel's T (NB×NB, upper)
// Partial sums, then the last symv's product p from PV on; T's bands (bands); Yᵀ·V (qx).
@group(0) @binding(6) var<storage, read_write> part: array<f32, {{PS}}>;
const PV: u32 = {{PV}}u;
@group(0) @binding(7) var<storage, read_write> st: State;

/** Symv workgroups for column c: blocks of eight rows from row (c + 1) rounded down to 8 on, SYMV_SPLIT
 * invocations per block. */
fn symv_groups(c: u32) -> u32 {
  return ((M / 8u - (c + 1u) / 8u) * SYMV_SPLIT + SYMV_WG - 1u) / SYMV_WG;
}
