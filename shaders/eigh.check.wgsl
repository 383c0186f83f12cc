// After each sweep (and once before the first): one workgroup scans A for non-finite entries and for
// pairs still above the Demmel–Veselić threshold, then writes the indirect dispatch arguments of the next
// sweep's steps (zero once converged, on NaN/Inf, or after max_sweeps) and the status. Once the run is
// done, later checks return at once (the arguments stay zero), so the rest of the encoded sweeps are
// empty dispatches.
//
// ctl (u32): [0] status (bit 0: NaN/Inf in the input, bit 1: not converged), [1] sweeps done, [3] done.
// args (u32): [0..2] the rotate dispatches' workgroup counts, [4..6] the block dispatches'.

@group(0) @binding(1) var<storage, read> a: array<f32, {{MM}}>;
@group(0) @binding(2) var<storage, read_write> ctl: array<u32>;
@group(0) @binding(3) var<storage, read_write> args: array<u32>;

const F32_MAX: f32 = 0x1.fffffep+127f; // |x| <= F32_MAX is false exactly for NaN and ±Inf

var<workgroup> bad: atomic<u32>;
var<workgroup> open: atomic<u32>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  let finished = params.first == 0u && ctl[3] != 0u;
  let rows = select(M, 0u, finished);
  var my_bad = 0u;
  var my_open = 0u;
  // The lower triangle with the diagonal, row by row, each row's columns dealt out over the workgroup.
  for (var i = 0u; i < rows; i++) {
    let aii = a[i * M + i];
    if (lid == 0u && !(abs(aii) <= F32_MAX)) { my_bad = 1u; }
    for (var j = lid; j < i; j += 256u) {
      let aij = a[i * M + j];
      if (!(abs(aij) <= F32_MAX)) { my_bad = 1u; }
      if (!negligible(aii, a[j * M + j], aij)) { my_open = 1u; }
    }
  }
  if (my_bad != 0u) { atomicOr(&bad, 1u); }
  if (my_open != 0u) { atomicOr(&open, 1u); }
  workgroupBarrier();
  if (lid != 0u || finished) { return; }
  var status = 0u;
  var sweeps = 0u;
  if (params.first == 0u) {
    status = ctl[0];
    sweeps = ctl[1] + 1u;
  }
  let is_bad = atomicLoad(&bad) != 0u;
  if (is_bad) { status |= 1u; }
  var done = is_bad || atomicLoad(&open) == 0u;
  if (!done && sweeps >= params.max_sweeps) {
    status |= 2u;
    done = true;
  }
  ctl[0] = status;
  ctl[1] = sweeps;
  ctl[3] = select(0u, 1u, done);
  args[0] = select(params.solve_groups, 0u, done);
  args[1] = select(1u, 0u, done);
  args[2] = select(1u, 0u, done);
  args[4] = select(params.blk_groups_x, 0u, done);
  args[5] = select(params.blk_groups_y, 0u, done);
  args[6] = select(1u, 0u, done);
}
