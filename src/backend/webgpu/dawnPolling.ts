// How Dawn's Node bindings (the `webgpu` package) wait for the GPU. While any GPU promise is pending
// (mapAsync, onSubmittedWorkDone, pipeline creation) they process events from a native callback that
// re-schedules itself with setImmediate, back to back: one CPU core stays busy for the whole wait. On a CPU
// driver (SwiftShader) that core is taken from the shader threads; on this project's 2-core machine eigh at
// n = 500 ran 1.33–1.40× faster when the polling backed off (bench/polling.mjs; README, "Waiting for the GPU
// in Node").
//
// 'backoff' (the default in Node) lets a polling streak spin for its first SPIN_MS, so short waits keep
// their latency, and then re-schedules it with 1 ms timers until the streak ends (a poll that does not
// re-schedule itself). Only anonymous native callbacks are touched (Dawn's); every other setImmediate
// passes through unchanged. The setting is process-wide, so other WebGPU code in the process (e.g. a peer
// library in a benchmark) waits the same way.

export type DawnPolling = 'backoff' | 'spin';

/** How long a polling streak spins before it backs off to timers. */
export const SPIN_MS = 2;

type Immediate = (callback: (...args: unknown[]) => void, ...args: unknown[]) => unknown;

let original: Immediate | null = null;
let streakStart = -1; // performance.now() when the current streak began; −1 when no poll is pending
let inPoll = false;
let rescheduled = false;

/** Dawn's poll: a native function without a name (bound functions are named "bound …"). */
const isDawnPoll = (fn: unknown): fn is (...args: unknown[]) => void =>
  typeof fn === 'function' && fn.name === '' && Function.prototype.toString.call(fn).includes('[native code]');

function schedule(fn: (...args: unknown[]) => void, args: unknown[]): unknown {
  const now = performance.now();
  if (inPoll) rescheduled = true;
  else if (streakStart < 0) streakStart = now;
  const poll = () => {
    inPoll = true;
    rescheduled = false;
    try {
      fn(...args);
    } finally {
      inPoll = false;
      if (!rescheduled) streakStart = -1;
    }
  };
  return now - streakStart < SPIN_MS ? original!(poll) : setTimeout(poll, 1);
}

/** Installs ('backoff') or removes ('spin') the wrapper around globalThis.setImmediate. Node only. */
export function setDawnPolling(mode: DawnPolling): void {
  if (mode !== 'backoff' && mode !== 'spin') {
    throw new Error(`webgrad.init: unknown dawnPolling '${String(mode)}' (use 'backoff' or 'spin')`);
  }
  const g = globalThis as { setImmediate?: Immediate };
  if (mode === 'spin') {
    if (original) g.setImmediate = original;
    original = null;
    return;
  }
  if (original || typeof g.setImmediate !== 'function') return;
  original = g.setImmediate;
  const wrapped: Immediate = (fn, ...args) => (isDawnPoll(fn) ? schedule(fn, args) : original!(fn, ...args));
  Object.defineProperties(wrapped, Object.getOwnPropertyDescriptors(original)); // name, util.promisify.custom
  g.setImmediate = wrapped;
}

/** The current mode (for tests). */
export const dawnPolling = (): DawnPolling => (original ? 'backoff' : 'spin');
