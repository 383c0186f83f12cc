// "Forward or reverse?": the Jacobian of y = tanh(W x), ℝⁿ → ℝᵐ, by jacfwd (n JVPs) and by jacrev (m VJPs),
// timed live, beside what jacobian(f, { mode: 'auto' }) picks for these sizes (jacobianMode).
import { jacfwd, jacobianMode, jacrev, matmul, tanh, tensor, tidy, type Tensor } from 'webgrad';

export interface JacobianTiming {
  n: number;
  m: number;
  /** Median wall-clock milliseconds of one jacfwd and one jacrev, each with the readback of J. */
  forwardMs: number;
  reverseMs: number;
  runs: number;
  /** Jacobians per timed run of each mode (small ones repeat so that a run lasts well above the timer's resolution). */
  reps: { forward: number; reverse: number };
  /** What `jacobian(f, { mode: 'auto' })` does for n inputs and m outputs. */
  auto: 'forward' | 'reverse';
  /** max |J_fwd − J_rev| over the entries (float32 round-off). */
  maxDiff: number;
}

/** A deterministic N(0, 1) stream (mulberry32 and Box–Muller), so the same n and m give the same W and x. */
function normals(count: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Float32Array.from({ length: count }, () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((p, q) => p - q);
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
};

/**
 * Times jacfwd and jacrev of tanh(W x) for W ∈ ℝ^{m×n}: one warm-up each, then `runs` runs each,
 * interleaved; a run repeats the Jacobian until it lasts about `minRunMs` (browsers round the clock to 0.1 ms).
 */
export async function timeJacobians(n: number, m: number, runs = 5, minRunMs = 5): Promise<JacobianTiming> {
  const W = tensor(
    normals(m * n, 1000 * n + m).map((w) => w / Math.sqrt(n)),
    { shape: [m, n] },
  );
  const x = tensor(normals(n, 7 + n));
  const f = (v: Tensor): Tensor => tanh(matmul(W, v));
  const modes = { forward: jacfwd(f), reverse: jacrev(f) };
  const jacobianValues = async (mode: 'forward' | 'reverse'): Promise<Float32Array> => {
    const J = tidy(() => modes[mode](x) as Tensor);
    const values = await J.data();
    J.dispose();
    return values;
  };
  /** Milliseconds per Jacobian over `reps` of them. */
  const run = async (mode: 'forward' | 'reverse', reps: number): Promise<number> => {
    const t0 = performance.now();
    for (let k = 0; k < reps; k++) await jacobianValues(mode);
    return (performance.now() - t0) / reps;
  };
  /** Doubles the repetitions until a run lasts `minRunMs` (at most 256). */
  const calibrate = async (mode: 'forward' | 'reverse'): Promise<number> => {
    let reps = 1;
    while (reps < 256 && (await run(mode, reps)) * reps < minRunMs) reps *= 2;
    return reps;
  };
  try {
    // Warm-up (pipelines, pools), and the two Jacobians compared.
    const jf = await jacobianValues('forward');
    const jr = await jacobianValues('reverse');
    let maxDiff = 0;
    for (let i = 0; i < jf.length; i++) maxDiff = Math.max(maxDiff, Math.abs(jf[i] - jr[i]));
    const reps = { forward: await calibrate('forward'), reverse: await calibrate('reverse') };
    const times = { forward: [] as number[], reverse: [] as number[] };
    for (let r = 0; r < runs; r++) {
      // Alternate which goes first, so neither mode always runs right after the other's garbage.
      for (const mode of r % 2 ? (['reverse', 'forward'] as const) : (['forward', 'reverse'] as const)) times[mode].push(await run(mode, reps[mode]));
    }
    return { n, m, runs, reps, forwardMs: median(times.forward), reverseMs: median(times.reverse), auto: jacobianMode(n, m), maxDiff };
  } finally {
    W.dispose();
    x.dispose();
  }
}
