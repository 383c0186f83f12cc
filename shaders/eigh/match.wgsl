// Before each step of a run, part 2 of the pairing: pairs the K groups for the step, heaviest first, from
// the partner lists of eigh.rank (by s in the run's bulk phase, then by r; see eigh.jacobi.wgsl), and stops
// the run once every r is ≤ tol. One workgroup.
//
// The pairing is a locally dominant matching: in each round every unpaired group proposes to its heaviest
// unpaired partner, and mutual proposals pair up; after ROUNDS rounds the rest pair in index order. This is
// the parallel form of the greedy heaviest-first matching (the same pairs where the weights are distinct)
// and, like Jacobi's classical largest-element choice, it spends each step where A is least diagonal: the
// 500-point cases of bench/eigh.mjs converge in 6.3 (random) and 4.2 (Hamiltonian) sweeps' worth of
// steps, where the cyclic round-robin order needs 9. A group proposes from its ranked list; only when all
// RANKED of those are paired does it scan its row of weights. Workgroup memory holds 8 bytes per group
// (K ≤ 2048 within WebGPU's 16 KiB).
//
// ctl (u32): [0] status (bit 0: NaN/Inf in A, bit 1: not converged in MAX_STEPS), [1] steps done, [2] the
// bits of Σ s before the first step (‖off(A)‖², pairs across groups counted twice, pairs inside a group
// once), [3] done, [4] 1 once the bulk phase is over.
// eigh.solve, eigh.block and eigh.rank return at once when ctl[3] is set: the host encodes the steps in
// chunks and reads ctl[3] back between them (src/ops/eigh/jacobi.ts).

@group(0) @binding(0) var<storage, read> w: array<vec2<f32>, {{KK}}>;
@group(0) @binding(1) var<storage, read> ranked: array<u32, K * RANKED>; // from eigh.rank
@group(0) @binding(2) var<storage, read> rows: array<vec4<f32>, K>; // (Σ s, largest r, NaN?, 0) per group
@group(0) @binding(3) var<storage, read_write> pairs: array<vec2<u32>, HK>;
@group(0) @binding(4) var<storage, read_write> ctl: array<u32, 8>;

const WG: u32 = {{WG}}u;
const ROUNDS: u32 = {{ROUNDS}}u;

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

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  if (lid == 0u) { finished = ctl[3]; }
  if (workgroupUniformLoad(&finished) != 0u) { return; } // the run is over: the rest of its steps do nothing
  let by_s = ctl[4] == 0u;
  // The rows' sums from eigh.rank: the stopping test and Σ s.
  for (var i = lid; i < K; i += WG) {
    mate[i] = NONE;
    let row = rows[i];
    mass[lid] += row.x;
    if (row.z != 0.0) { atomicOr(&bad, 1u); }
    if (row.y > TOL) { atomicMax(&largest, bitcast<u32>(row.y)); }
  }
  workgroupBarrier();
  if (lid == 0u) { stop = select(0u, 1u, atomicLoad(&largest) == 0u || atomicLoad(&bad) != 0u); }
  if (workgroupUniformLoad(&stop) == 0u) {
    for (var round = 0u; round < ROUNDS; round++) {
      if (lid == 0u) { atomicStore(&unpaired, 0u); }
      // Proposals: the heaviest unpaired ranked partner, or (all RANKED paired) a scan of the row.
      for (var i = lid; i < K; i += WG) {
        var best = NONE;
        if (mate[i] == NONE) {
          for (var k = 0u; k < RANKED; k++) {
            let c = ranked[i * RANKED + k];
            if (c != NONE && mate[c] == NONE) {
              best = c;
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
