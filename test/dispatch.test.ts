// eigh's dispatch budget on WebGPU (docs/dispatch.md): at n = 500, random and the 1-D Hamiltonian, no
// indirect dispatch (Dawn validates each with a compute pass of its own), and the dispatches encoded at
// most 1.25× those that do work (the ones after convergence return at once on the GPU's done flag).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eigh, getWebGPUBackend, hamiltonian1d, init, jacobiStats, noGrad, tensor, Tensor } from '../src/index';
import { webgpuInfo } from './setup/backends';
import { randomSymmetric } from './setup/eigen';

describe.skipIf(!webgpuInfo.available)('webgpu: eigh dispatches', () => {
  let indirect = 0;
  let restore = (): void => {};
  beforeAll(async () => {
    await init({ backend: 'webgpu' });
    const proto = globalThis.GPUComputePassEncoder.prototype;
    const original = proto.dispatchWorkgroupsIndirect;
    proto.dispatchWorkgroupsIndirect = function (this: GPUComputePassEncoder, ...args: Parameters<typeof original>) {
      indirect++;
      return original.apply(this, args);
    };
    restore = () => {
      proto.dispatchWorkgroupsIndirect = original;
    };
  });
  afterAll(() => restore());

  const n = 500;
  const cases: [string, () => Tensor][] = [
    ['random', () => tensor(Float32Array.from(randomSymmetric(n, 1)), { shape: [n, n] })],
    ['Hamiltonian', () => noGrad(() => hamiltonian1d({ kappa: 1, L: 10, nx: n }).H)],
  ];
  for (const [name, make] of cases) {
    it(`n = ${n}, ${name}: no indirect dispatch, dispatches encoded ≤ 1.25× those that do work, readbacks ≤ chunks + 1`, async () => {
      const gpu = getWebGPUBackend()!;
      const a = make();
      await a.data();
      indirect = 0;
      const before = gpu.stats.dispatches;
      const [w, v] = eigh(a);
      await w.data();
      const encoded = gpu.stats.dispatches - before; // eigh's and the ops around it (init, order)
      expect(indirect).toBe(0);
      expect(jacobiStats.dispatches).toBeLessThanOrEqual(encoded);
      // After the step that finds the run over, each encoded step's four dispatches return at once, and so
      // does the closing test.
      const idle = 4 * (jacobiStats.stepsEncoded - jacobiStats.lastSteps) + 1;
      expect(jacobiStats.lastSteps).toBeGreaterThan(100);
      expect(encoded, `${encoded} dispatches, ${idle} of them idle`).toBeLessThanOrEqual(1.25 * (encoded - idle));
      expect(jacobiStats.readbacks).toBeLessThanOrEqual(jacobiStats.chunks + 1); // + the reduction's decision
      for (const t of [a, w, v]) t.dispose();
    });
  }
});
