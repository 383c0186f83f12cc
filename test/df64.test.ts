// The double-float primitives (shaders/tridiagonal/df64.wgsl) on the device against float64 on random
// inputs. The error terms of two_sum and two_prod must be exact: a compiler that reassociated
// (a − (s − bb)) + (b − bb) (NVIDIA's Vulkan driver does, unguarded) or contracted Dekker's products would
// return lo = 0 or a wrong lo here.
import { describe, expect, it } from 'vitest';
import { init } from '../src/index';
import { getWebGPUBackend } from '../src/diagnostics';
import { df64Library, evaluatesAsWritten, joinDf, splitDf } from '../src/ops/eighTridiagonal/df64';
import { mulberry32 } from '../src/ops/creation';
import { webgpuInfo } from './setup/backends';

const OPS = ['two_sum', 'two_prod', 'df_add', 'df_sub', 'df_mul', 'df_div', 'df_div(1, b)'] as const;

const kernelCode = (guard: boolean, fma: boolean): string => `${df64Library(guard, fma)}
@group(0) @binding(0) var<uniform> one: vec4f;
@group(0) @binding(1) var<storage, read> a: array<vec2f>;
@group(0) @binding(2) var<storage, read> b: array<vec2f>;
@group(0) @binding(3) var<storage, read_write> out: array<vec2f>;
fn df_one() -> f32 {
  return one.x;
}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= arrayLength(&a)) { return; }
  let x = a[i];
  let y = b[i];
  out[7u * i] = two_sum(x.x, y.x);
  out[7u * i + 1u] = two_prod(x.x, y.x);
  out[7u * i + 2u] = df_add(x, y);
  out[7u * i + 3u] = df_sub(x, y);
  out[7u * i + 4u] = df_mul(x, y);
  out[7u * i + 5u] = df_div(x, y);
  out[7u * i + 6u] = df_div(df(1.0), y);
}`;

/** Random float64 values of random sign over `decades` decades, as double-float pairs. */
function randomDf(count: number, seed: number, decades: number): Float32Array {
  const r = mulberry32(seed);
  return splitDf(Array.from({ length: count }, () => (r() < 0.5 ? -1 : 1) * (1 + r()) * 10 ** (decades * (r() - 0.5))));
}

async function runOnDevice(guard: boolean, fma: boolean, a: Float32Array, b: Float32Array): Promise<Float32Array> {
  const gpu = getWebGPUBackend()!;
  const device = gpu.device;
  const kernel = { key: `test:df64:${guard}:${fma}`, code: kernelCode(guard, fma), inputs: 2, outputs: 1, uniform: true };
  const [ga, gb] = [gpu.upload(a), gpu.upload(b)];
  const out = gpu.alloc(7 * a.length);
  gpu.run(kernel, [ga.payload, gb.payload, out.payload], new Float32Array([1, 0, 0, 0]), [Math.ceil(a.length / 2 / 64)]);
  const data = await gpu.read(out, 7 * a.length);
  for (const s of [ga, gb, out]) s.release();
  void device;
  return data;
}

describe.skipIf(!webgpuInfo.available)('double-float primitives on WebGPU', () => {
  const n = 4096;
  const a = randomDf(n, 1, 6);
  const b = randomDf(n, 2, 6);
  // Also sums that cancel: b = −a + a tiny relative change.
  for (let i = 0; i < n; i += 4) {
    const v = -(a[2 * i] + a[2 * i + 1]) * (1 + 2 ** -30 * (i % 7));
    b.set(splitDf([v]), 2 * i);
  }
  const A = joinDf(a);
  const B = joinDf(b);

  /** Worst error of each op, in units of 2⁻⁴⁸·|exact| (two_sum and two_prod: must be exactly 0). */
  function errors(out: Float32Array): Record<string, number> {
    const worst: Record<string, number> = Object.fromEntries(OPS.map((o) => [o, 0]));
    for (let i = 0; i < n; i++) {
      const [ah, bh] = [a[2 * i], b[2 * i]];
      const exact = [ah + bh, ah * bh, A[i] + B[i], A[i] - B[i], A[i] * B[i], A[i] / B[i], 1 / B[i]];
      OPS.forEach((op, k) => {
        const got = out[14 * i + 2 * k] + out[14 * i + 2 * k + 1];
        const err = Math.abs(got - exact[k]);
        const scaled = k < 2 ? err : err / (2 ** -48 * Math.max(Math.abs(exact[k]), Math.abs(A[i]) * 2 ** -20, 1e-300));
        worst[op] = Math.max(worst[op], scaled);
      });
    }
    return worst;
  }

  // guarded: the library every adapter but SwiftShader gets; then the one this adapter gets.
  for (const which of ['guarded', 'this adapter’s'] as const) {
    it(`${which} library: two_sum and Dekker two_prod exact; add, sub, mul, div within a few 2⁻⁴⁸`, async () => {
      await init({ backend: 'webgpu' });
      const guard = which === 'guarded' || !evaluatesAsWritten(webgpuInfo.adapter);
      const worst = errors(await runOnDevice(guard, false, a, b));
      expect(worst.two_sum).toBe(0);
      expect(worst.two_prod).toBe(0);
      for (const op of ['df_add', 'df_sub', 'df_mul']) expect(worst[op], op).toBeLessThan(8);
      expect(worst.df_div).toBeLessThan(32);
      // A reciprocal through df_div with a constant 1: unguarded, SwiftShader folds b·(1/b) to 1 here, which
      // leaves only float32 accuracy; the kernels never divide a constant by a df value for this reason.
      console.log(`df64 (${which}): df_div(1, b) worst error ${worst['df_div(1, b)']} × 2⁻⁴⁸ on ${webgpuInfo.adapter}`);
    });
  }

  it('reports whether fma fuses on this adapter (two_prod through fma exact, or not)', async () => {
    await init({ backend: 'webgpu' });
    const worst = errors(await runOnDevice(true, true, a, b));
    console.log(`df64: fma two_prod worst error ${worst.two_prod} on ${webgpuInfo.adapter}`);
    expect(worst.two_sum).toBe(0);
  });
});
