// Failure modes (issue 18): tensors beyond the adapter's buffer limits, failed buffer creations, a lost
// device, and the CLI's stderr on SwiftShader. Each says what went wrong at the call, naming the op.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Usage } from '../src/backend/webgpu/bufferPool';
import { duringOp } from '../src/backend/opContext';
import { getWebGPUBackend } from '../src/diagnostics';
import { arange, eye, init, ones, rand, randn, tensor, WebgradError, zeros } from '../src/index';
import { forEachBackend, values, webgpuInfo } from './setup/backends';

/** More float32 elements than either backend can hold: 2^42 (16 TiB). */
const HUGE = [2 ** 20, 2 ** 20, 4];

forEachBackend((backend) => {
  it('a tensor too large for the backend throws a WebgradError at the call, naming the op and the bytes', async () => {
    expect(() => zeros(HUGE)).toThrow(WebgradError);
    expect(() => zeros(HUGE)).toThrow(/^webgrad\.zeros: a tensor of 4398046511104 elements needs 17592186044416 bytes/);
    expect(() => ones(HUGE)).toThrow(/^webgrad\.ones: /);
    // Creators that compute on the host first check before that work.
    expect(() => randn(HUGE)).toThrow(/^webgrad\.randn: a tensor of 4398046511104 elements needs/);
    expect(() => rand(HUGE, { seed: 1 })).toThrow(/^webgrad\.rand: /);
    expect(() => eye(2 ** 21)).toThrow(/^webgrad\.eye: /);
    expect(() => arange(2 ** 42)).toThrow(/^webgrad\.arange: /);
    // An op whose output is too large: named by its primitive.
    const col = ones([2 ** 21, 1]);
    const row = ones([1, 2 ** 21]);
    expect(() => col.matmul(row)).toThrow(/^webgrad\.matmul: a tensor of 4398046511104 elements/);
    // Nothing was left half-done: the next readback is an unrelated tensor's, and it works.
    expect(await values(tensor([1, 2, 3]).mul(2))).toEqual([2, 4, 6]);
  });

  if (backend === 'webgpu') {
    it("zeros([40000, 40000]) names the adapter's limit at once, and later readbacks are unaffected", async () => {
      const gpu = getWebGPUBackend()!;
      const { maxBufferSize, maxStorageBufferBindingSize } = gpu.device.limits;
      expect(gpu.maxBufferBytes).toBe(Math.min(maxBufferSize, maxStorageBufferBindingSize));
      expect(gpu.maxBufferBytes).toBeLessThan(6.4e9); // SwiftShader: 1 GiB; GPUs: at most 4 GiB or so
      expect(() => zeros([40000, 40000])).toThrow(
        new RegExp(
          `^webgrad\\.zeros: a tensor of 1600000000 elements needs 6400000000 bytes \\(5\\.96 GiB\\), ` +
            `more than this adapter's largest storage buffer: ${gpu.maxBufferBytes} bytes`,
        ),
      );
      expect(() => tensor(new Float32Array(gpu.maxBufferBytes / 4 + 1))).toThrow(/^webgrad\.tensor: .* needs \d+ bytes/);
      const x = tensor([
        [1, 2],
        [3, 4],
      ]);
      expect(await values(x.matmul(x))).toEqual([7, 10, 15, 22]);
    });

    it('a failed buffer creation is reported by the next readback, naming the op that allocated', async () => {
      const gpu = getWebGPUBackend()!;
      const x = tensor([1, 2, 3]);
      // A real device error in createBuffer (MAP_READ goes with COPY_DST only), in the same error scopes
      // as an out-of-memory would be.
      duringOp('someOp', () => gpu.createBuffer(256, Usage.MAP_READ | Usage.STORAGE));
      await expect(x.data()).rejects.toThrow(/^webgrad\.someOp: creating a buffer of 256 bytes \(0\.00 GiB\) failed with a validation error/);
      // Reported once; the readback after it works.
      expect(await values(x.add(1))).toEqual([2, 3, 4]);
    });
  }
});

describe.skipIf(!webgpuInfo.available)('device loss', () => {
  it('every later call throws a clear WebgradError, and init() gets a new device', async () => {
    await init({ backend: 'webgpu' });
    const lostOne = getWebGPUBackend()!;
    const a = tensor([1, 2, 3]);
    const b = a.mul(2); // recorded, not yet submitted
    lostOne.device.destroy();
    // A readback already under way, or issued before `device.lost` resolved, says so too.
    await expect(b.data()).rejects.toThrow(/^webgrad\.data: the WebGPU device was lost \(destroyed.*\): call init\(\) again$/);
    expect(lostOne.lost).toMatch(/^destroyed/);
    expect(() => zeros([2])).toThrow(/^webgrad\.zeros: the WebGPU device was lost \(destroyed/);
    expect(() => a.add(1)).toThrow(/^webgrad\.add: the WebGPU device was lost \(destroyed/);
    expect(() => tensor([1])).toThrow(/^webgrad\.tensor: the WebGPU device was lost/);
    await expect(a.data()).rejects.toThrow(/^webgrad\.data: the WebGPU device was lost/);
    await expect(lostOne.sync()).rejects.toThrow(/^webgrad\.sync: the WebGPU device was lost/);

    // The CPU path is unaffected, before and after a new init.
    const r = await init({ backend: 'cpu' });
    expect(r.backend).toBe('cpu');
    expect(await values(tensor([1, 2, 3]).mul(2))).toEqual([2, 4, 6]);

    // init() again: a new device, and the work runs on it.
    const again = await init({ backend: 'webgpu' });
    expect(again.backend).toBe('webgpu');
    const fresh = getWebGPUBackend()!;
    expect(fresh).not.toBe(lostOne);
    expect(fresh.lost).toBeNull();
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(await values(x.matmul(x).sum())).toEqual([54]);
    // Tensors of the lost device stay unusable, with the same message.
    expect(() => a.add(1)).toThrow(/device was lost/);
  });

  it("after a loss, init({ backend: 'auto' }) picks a working backend", async () => {
    getWebGPUBackend()!.device.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const r = await init();
    expect(['webgpu', 'cpu']).toContain(r.backend);
    expect(await values(ones([3]).add(1))).toEqual([2, 2, 2]);
  });
});

describe.skipIf(!/swiftshader/i.test(webgpuInfo.adapter))('the CLI on SwiftShader', () => {
  it('prints no Dawn or Vulkan noise on stderr (XDG_RUNTIME_DIR unset, as in a plain shell)', () => {
    const env = { ...process.env };
    for (const k of ['XDG_RUNTIME_DIR', 'VK_ICD_FILENAMES', 'VK_ADD_DRIVER_FILES', 'VK_LOADER_DRIVERS_DISABLE']) delete env[k];
    const r = spawnSync(process.execPath, ['bin/webgrad.js', 'hamiltonian', '--nx', '32', '--kappas', '0'], {
      encoding: 'utf8',
      env,
      timeout: 110_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^backend: webgpu — SwiftShader/m);
    expect(r.stderr).not.toMatch(/XDG_RUNTIME_DIR|Vulkan|Warning/);
    expect(r.stderr).toBe('');
  });
});
