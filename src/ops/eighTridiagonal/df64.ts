// Double-float (hi + lo pairs of float32) on the host: splitting float64 values for upload, and the
// shader library shaders/tridiagonal/df64.wgsl with its configuration.
import df64Wgsl from '../../../shaders/tridiagonal/df64.wgsl?raw';
import { expand } from '../../backend/webgpu/kernel';

/** Interleaved [hi, lo] float32 pairs whose sums are the float64 values to ~2⁻⁴⁸ relative. */
export function splitDf(values: ArrayLike<number>): Float32Array {
  const out = new Float32Array(2 * values.length);
  for (let i = 0; i < values.length; i++) {
    const hi = Math.fround(values[i]);
    out[2 * i] = hi;
    out[2 * i + 1] = Math.fround(values[i] - hi);
  }
  return out;
}

/** The float64 values of interleaved pairs. */
export function joinDf(pairs: ArrayLike<number>): Float64Array {
  const out = new Float64Array(pairs.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = pairs[2 * i] + pairs[2 * i + 1];
  return out;
}

/**
 * Whether the adapter's shader compiler is known to evaluate float arithmetic as written (no reassociation):
 * SwiftShader, checked by test/df64.test.ts. Every other adapter gets the guarded library (NVIDIA's Vulkan
 * driver folds two_sum's error term to 0 without it).
 */
export const evaluatesAsWritten = (adapter: string): boolean => /swiftshader/i.test(adapter);

/**
 * The WGSL double-float library; the including shader defines `fn df_one() -> f32` returning 1.0 from its
 * uniform. `guard`: route two_sum's intermediates through df_one() so that no compiler can reassociate them
 * (see df64.wgsl). `fma`: whether two_prod uses fma (only where the device fuses it; Dekker's splitting
 * otherwise, always exact under round-to-nearest).
 */
export function df64Library(guard: boolean, fma = false): string {
  return expand(df64Wgsl, { TWO_PROD_FMA: String(fma), GUARD: String(guard) });
}
