import { describe, expect, it } from 'vitest';
import { eigh, profile, tensor, WebgradError } from '../src/index';
import { getWebGPUBackend } from '../src/diagnostics';
import { expectClose, forEachBackend } from './setup/backends';

forEachBackend((backend) => {
  describe('profile', () => {
    if (backend === 'cpu') {
      it('says clearly that it counts WebGPU kernels', async () => {
        await expect(profile(() => tensor([1, 2]).add(1))).rejects.toThrow(WebgradError);
        await expect(profile(() => tensor([1, 2]).add(1))).rejects.toThrow(/WebGPU kernels.*init\(\{ backend: 'webgpu' \}\)/);
      });
      return;
    }

    it('counts the dispatches of each kernel, times them where the adapter has timestamp-query, and returns what fn returned', async () => {
      const a = tensor([1, 2, 3, 4], { shape: [2, 2] });
      const b = tensor([5, 6, 7, 8], { shape: [2, 2] });
      await a.data();
      const report = await profile(async () => {
        const c = a.add(b).add(b).mul(a);
        return c.matmul(a).data();
      });
      expectClose(report.result, [
        (1 + 10) * 1 * 1 + (2 + 12) * 2 * 3,
        (1 + 10) * 1 * 2 + (2 + 12) * 2 * 4,
        (3 + 14) * 3 * 1 + (4 + 16) * 4 * 3,
        (3 + 14) * 3 * 2 + (4 + 16) * 4 * 4,
      ]);
      const calls = Object.fromEntries(report.kernels.map((k) => [k.kernel, k.calls]));
      expect(calls['binary:add']).toBe(2);
      expect(calls['binary:mul']).toBe(1);
      expect(Object.keys(calls).filter((k) => k.startsWith('matmul')).length).toBe(1);
      expect(report.dispatches).toBe(report.kernels.reduce((s, k) => s + k.calls, 0));
      const gpu = getWebGPUBackend()!;
      expect(report.timestamps).toBe(gpu.device.features.has('timestamp-query'));
      if (report.timestamps) {
        // Dawn quantises timestamps (32.8 µs steps on SwiftShader): a tiny kernel may read 0, the sum may not.
        for (const k of report.kernels) expect(k.deviceMs!).toBeGreaterThanOrEqual(0);
        expect(report.deviceMs!).toBeGreaterThan(0);
        expect(report.deviceMs!).toBeLessThanOrEqual(report.wallMs);
      }
      expect(report.table()).toMatch(/binary:add\s+2\s/);
    });

    it("waits for eigh's chunks (encoded after fn returns) and counts its kernels", async () => {
      const n = 24;
      const data = Array.from({ length: n * n }, (_, k) => Math.sin(k) + Math.sin((k % n) * n + Math.floor(k / n)));
      const a = tensor(data, { shape: [n, n] });
      await a.data();
      const report = await profile(() => {
        eigh(a); // not awaited: profile waits for the GPU work anyway
      });
      const calls = Object.fromEntries(report.kernels.map((k) => [k.kernel, k.calls]));
      expect(calls['eigh:solve']).toBeGreaterThan(0);
      expect(calls['eigh:solve']).toBe(calls['eigh:block']);
      expect(calls['eigh:match']).toBe(calls['eigh:solve'] + 1); // and the closing test
      expect(calls['eigh:order']).toBe(1);
    });

    it('does not nest', async () => {
      await expect(profile(() => profile(() => 1))).rejects.toThrow(/already running/);
    });
  });
});
