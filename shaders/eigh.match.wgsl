// Before each step of a run: pairs the K groups for the step by their weights (see eigh.jacobi.wgsl),
// heaviest first (by s in the run's bulk phase, then by r), and stops the run once every r is ≤ tol. One
// workgroup.
//
// The pairing is a locally dominant matching: in each round every unpaired group proposes to its heaviest
// unpaired partner, and mutual proposals pair up; after ROUNDS rounds the rest pair in index order. This is
// the parallel form of the greedy heaviest-first matching (the same pairs where the weights are distinct)
// and, like Jacobi's classical largest-element choice, it spends each step where A is least diagonal: the
// 500-point cases of bench/eigh.mjs converge in 6.3 (random) and 4.2 (Hamiltonian) sweeps' worth of
// steps, where the cyclic round-robin order needs 9. Workgroup memory holds 8 bytes per group (K ≤ 2048
// within WebGPU's 16 KiB).
//
// ctl (u32): [0] status (bit 0: NaN/Inf in A, bit 1: not converged in MAX_STEPS), [1] steps done, [2] the
// bits of Σ s before the first step (‖off(A)‖², pairs across groups counted twice, pairs inside a group
// once), [3] done, [4] 1 once the bulk phase is over.
// args (u32): [0..2] the solve dispatch's workgroup counts, [4..6] the block dispatch's (zero once done).

@group(0) @binding(0) var<storage, read> w: array<vec2<f32>, {{KK}}>;
@group(0) @binding(1) var<storage, read_write> pairs: array<vec2<u32>, HK>;
@group(0) @binding(2) var<storage, read_write> ctl: array<u32, 8>;
@group(0) @binding(3) var<storage, read_write> args: array<u32, 8>;
@group(0) @binding(4) var<storage, read_write> candidates: array<vec4<u32>, K>; // scratch (not workgroup memory: its 16 bytes per group would cap K)

const WG: u32 = {{WG}}u;
const ROUNDS: u32 = {{ROUNDS}}u;
const NONE: u32 = 0xffffffffu;

var<workgroup> mate: array<u32, K>;
var<workgroup> proposal: array<u32, K>;
var<workgroup> largest: atomic<u32>; // bits of the largest r above tol (r ≥ 0, so bits order as values)
var<workgroup> bad: atomic<u32>;
var<workgroup> unpaired: atomic<u32>;
var<workgroup> mass: array<f32, WG>; // each invocation's part of Σ s
// Values every invocation needs for control flow around barriers (read with workgroupUniformLoad).
var<workgroup> finished: u32;
var<workgroup> stop: u32;
var<workgroup> left: u32;

// A group pair's key in the bulk phase: s, or 0 where every pair is negligible already (r ≤ tol). Without
// that, a graded matrix (eigenvalues 1e-6 … 1e6) kept pairing the large, converged groups by their rounding
// noise while its small groups waited.
fn key_s(rs: vec2<f32>) -> f32 {
  return select(0.0, rs.y, rs.x > TOL);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  if (lid == 0u) { finished = ctl[3]; }
  if (workgroupUniformLoad(&finished) != 0u) { return; } // the run is over: the rest of its steps do nothing
  let by_s = ctl[4] == 0u;
  // One pass over the weights: each row's four heaviest partners (heaviest first), the stopping test and Σ s.
  for (var i = lid; i < K; i += WG) {
    mate[i] = NONE;
    var c = vec4<f32>(-1.0);
    var ci = vec4<u32>(NONE);
    var row_max = 0.0;
    var row_bad = false;
    var row_mass = 0.0;
    for (var j = 0u; j < K; j++) {
      let r = w[i * K + j].x;
      let x = select(r, key_s(w[i * K + j]), by_s);
      row_mass += w[i * K + j].y;
      row_bad = row_bad || (bitcast<u32>(r) & 0x7fffffffu) > 0x7f800000u; // NaN (r != r may fold away)
      row_max = max(row_max, r);
      if (j != i && x > c.w) {
        if (x > c.y) {
          if (x > c.x) {
            c = vec4<f32>(x, c.xyz);
            ci = vec4<u32>(j, ci.xyz);
          } else {
            c = vec4<f32>(c.x, x, c.yz);
            ci = vec4<u32>(ci.x, j, ci.yz);
          }
        } else if (x > c.z) {
          c = vec4<f32>(c.xy, x, c.z);
          ci = vec4<u32>(ci.xy, j, ci.z);
        } else {
          c.w = x;
          ci.w = j;
        }
      }
    }
    candidates[i] = ci;
    mass[lid] += row_mass;
    if (row_bad) { atomicOr(&bad, 1u); }
    if (row_max > TOL) { atomicMax(&largest, bitcast<u32>(row_max)); }
  }
  workgroupBarrier();
  if (lid == 0u) { stop = select(0u, 1u, atomicLoad(&largest) == 0u || atomicLoad(&bad) != 0u); }
  if (workgroupUniformLoad(&stop) == 0u) {
    for (var round = 0u; round < ROUNDS; round++) {
      if (lid == 0u) { atomicStore(&unpaired, 0u); }
      // Proposals: the heaviest unpaired candidate, or (all four paired) a scan of the row.
      for (var i = lid; i < K; i += WG) {
        var best = NONE;
        if (mate[i] == NONE) {
          let ci = candidates[i];
          for (var k = 0u; k < 4u; k++) {
            if (ci[k] != NONE && mate[ci[k]] == NONE) {
              best = ci[k];
              break;
            }
          }
          if (best == NONE) {
            var top = -1.0;
            for (var j = 0u; j < K; j++) {
              let x = select(w[i * K + j].x, key_s(w[i * K + j]), by_s);
              if (j != i && mate[j] == NONE && x > top) {
                top = x;
                best = j;
              }
            }
          }
        }
        proposal[i] = best;
      }
      workgroupBarrier();
      for (var i = lid; i < K; i += WG) {
        let p = proposal[i];
        if (mate[i] == NONE) {
          if (p != NONE && proposal[p] == i) {
            mate[i] = p;
          } else {
            atomicAdd(&unpaired, 1u);
          }
        }
      }
      workgroupBarrier();
      if (lid == 0u) { left = atomicLoad(&unpaired); }
      if (workgroupUniformLoad(&left) == 0u) { break; }
    }
  }
  if (lid != 0u) { return; }
  var status = ctl[0];
  let steps = ctl[1];
  let is_bad = atomicLoad(&bad) != 0u;
  if (is_bad) { status |= 1u; }
  var done = is_bad || atomicLoad(&largest) == 0u;
  if (!done && steps >= MAX_STEPS) {
    status |= 2u;
    done = true;
  }
  ctl[0] = status;
  // The bulk phase ends once Σ s is below BULK_UNTIL² times its value before the first step.
  var total = 0.0;
  for (var i = 0u; i < WG; i++) { total += mass[i]; }
  if (steps == 0u) { ctl[2] = bitcast<u32>(total); }
  if (total <= BULK_UNTIL * BULK_UNTIL * bitcast<f32>(ctl[2])) { ctl[4] = 1u; }
  ctl[3] = select(0u, 1u, done);
  args[0] = select(SOLVE_GROUPS, 0u, done);
  args[1] = select(1u, 0u, done);
  args[2] = select(1u, 0u, done);
  args[4] = select(BLOCK_GROUPS_X, 0u, done);
  args[5] = select(BLOCK_GROUPS_Y, 0u, done);
  args[6] = select(1u, 0u, done);
  if (done) { return; }
  ctl[1] = steps + 1u;
  // The groups left unpaired pair in index order; then the pair list, each pair ascending.
  var waiting = NONE;
  for (var i = 0u; i < K; i++) {
    if (mate[i] == NONE) {
      if (waiting == NONE) {
        waiting = i;
      } else {
        mate[i] = waiting;
        mate[waiting] = i;
        waiting = NONE;
      }
    }
  }
  var k = 0u;
  for (var i = 0u; i < K; i++) {
    if (i < mate[i]) {
      pairs[k] = vec2<u32>(i, mate[i]) * G;
      k++;
    }
  }
}
