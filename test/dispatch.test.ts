// eigh's dispatch budget on WebGPU (docs/dispatch.md): at n = 500, random and the 1-D Hamiltonian, no
// indirect dispatch (Dawn validates each with a compute pass of its own), and the dispatches encoded at
// most 1.25× those that do work (the ones after convergence return at once on the GPU's done flag).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getWebGPUBackend, jacobiStats } from '../src/diagnostics';
import { eigh, hamiltonian1d, init, noGrad, tensor, Tensor } from '../src/index';
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

  it('while eigh encodes its chunks, later calls (ops, uploads, another eigh) keep their order', async () => {
    const m = 40;
    const [d1, d2] = [Float32Array.from(randomSymmetric(m, 7)), Float32Array.from(randomSymmetric(m, 8))];
    const alone = async (d: Float32Array): Promise<number[]> => {
      const [w, v] = eigh(tensor(d, { shape: [m, m] }));
      const values = Array.from(await w.data());
      w.dispose();
      v.dispose();
      return values;
    };
    const [want1, want2] = [await alone(d1), await alone(d2)];
    const [a, b] = [tensor(d1, { shape: [m, m] }), tensor(d2, { shape: [m, m] })];
    await Promise.all([a.data(), b.data()]);
    const [w2, v2] = eigh(b); // its chunks are encoded while what follows is called
    const [w1, v1] = eigh(a); // waits behind the first run
    b.dispose();
    const junk = Array.from({ length: 8 }, () => tensor(new Float32Array(m * m).fill(1e6), { shape: [m, m] }));
    const y = w2.mul(2);
    expect(Array.from(await y.data())).toEqual(want2.map((x) => 2 * x));
    expect(Array.from(await w2.data())).toEqual(want2);
    expect(Array.from(await w1.data())).toEqual(want1);
    for (const t of [a, w1, v1, w2, v2, y, ...junk]) t.dispose();
  });

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
