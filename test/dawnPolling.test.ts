// The Node wait strategy for Dawn (src/backend/webgpu/dawnPolling.ts): a self-rescheduling native poll
// spins for SPIN_MS, then runs on 1 ms timers until it stops; JS callbacks are never delayed.
import { afterAll, describe, expect, it } from 'vitest';
import { dawnPolling, setDawnPolling, SPIN_MS } from '../src/backend/webgpu/dawnPolling';
import { init } from '../src/index';

/** A stand-in for Dawn's poll: an anonymous native-looking function (a Proxy of one prints as native code). */
function fakeDawnPoll(body: () => void): () => void {
  return new Proxy(() => {}, { apply: () => body() });
}

/** Runs a poll that re-schedules itself for `ms`; resolves with how many times it ran. */
function pollFor(ms: number): Promise<number> {
  return new Promise((resolve) => {
    const start = performance.now();
    let runs = 0;
    const poll = fakeDawnPoll(() => {
      runs++;
      if (performance.now() - start < ms) setImmediate(poll);
      else resolve(runs);
    });
    setImmediate(poll);
  });
}

describe('Dawn polling in Node', () => {
  const before = dawnPolling();
  afterAll(() => setDawnPolling(before));

  it('the fake poll looks like Dawn’s (native, anonymous)', () => {
    const f = fakeDawnPoll(() => {});
    expect(f.name).toBe('');
    expect(Function.prototype.toString.call(f)).toContain('[native code]');
  });

  it("'spin' polls back to back; 'backoff' spins for SPIN_MS, then about once per ms", async () => {
    setDawnPolling('spin');
    const spun = await pollFor(40);
    setDawnPolling('backoff');
    const backedOff = await pollFor(40);
    // Back to back: thousands of polls in 40 ms; backing off: the spinning start plus ≤ ~38 timer polls.
    expect(spun).toBeGreaterThan(1000);
    expect(backedOff).toBeLessThan(spun / 4);
    // A finished streak leaves the next one spinning again from its start.
    const t0 = performance.now();
    const quick = await pollFor(SPIN_MS / 2);
    expect(quick).toBeGreaterThan(10);
    expect(performance.now() - t0).toBeLessThan(SPIN_MS + 50);
  });

  it('JS callbacks and named native ones pass straight through', async () => {
    setDawnPolling('backoff');
    const order: string[] = [];
    await new Promise<void>((resolve) => {
      setImmediate(() => order.push('js'));
      setImmediate((x: string) => order.push(x), 'arg');
      setImmediate(() => resolve());
    });
    expect(order).toEqual(['js', 'arg']);
  });

  it('init validates the option, and keeps setImmediate’s promisified form', async () => {
    await expect(init({ backend: 'cpu', dawnPolling: 'sometimes' as never })).rejects.toThrow(/dawnPolling 'sometimes'/);
    setDawnPolling('backoff');
    const { promisify } = await import('node:util');
    await expect(promisify(setImmediate)('value')).resolves.toBe('value');
  });
});
