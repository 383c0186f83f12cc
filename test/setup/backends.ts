// One suite, parameterised over the backends: `forEachBackend((name) => { it(...) })` runs its tests on
// the CPU reference and on WebGPU (skipped only outside CI when no adapter exists; see globalSetup).
import { beforeAll, describe, expect, inject } from 'vitest';
import { init, Tensor } from '../../src/index';

export type BackendName = 'cpu' | 'webgpu';

export const webgpuInfo = inject('webgpu');

export function forEachBackend(fn: (backend: BackendName) => void): void {
  for (const name of ['cpu', 'webgpu'] as const) {
    const skip = name === 'webgpu' && !webgpuInfo.available;
    describe.skipIf(skip)(name, () => {
      beforeAll(async () => {
        const r = await init({ backend: name });
        expect(r.backend).toBe(name);
      });
      fn(name);
    });
  }
}

/** Float32-aware closeness: |a − b| ≤ atol + rtol·|b| elementwise, with a message naming the worst index. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (Number.isNaN(b) && Number.isNaN(a)) continue;
    if (a === b) continue;
    const err = Math.abs(a - b) - (atol + rtol * Math.abs(b));
    if (!(err <= 0) && (worst < 0 || err > worstErr || Number.isNaN(err))) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0) {
    expect.fail(`element ${worst}: got ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

export async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}
