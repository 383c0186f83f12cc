// What an op hands the WebGPU backend to dispatch: WGSL source, entry point and binding layout.
// Binding convention: @binding(0) is the `params` uniform (when the kernel has one), then the inputs
// (read-only storage), then the outputs (read-write storage), in order.

export interface GpuKernel {
  /** Cache key: unique per (source, entry, layout). */
  readonly key: string;
  readonly code: string;
  readonly entry?: string;
  readonly inputs: number;
  readonly outputs: number;
  readonly uniform: boolean;
}

/** Replace `{{NAME}}` placeholders of a shader template. */
export function expand(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
    if (!(k in values)) throw new Error(`shader template: no value for {{${k}}}`);
    return String(values[k]);
  });
}

export const WG = 256;
const MAX_GROUPS = 65535;

/**
 * Workgroups covering `n` invocations of WG threads, folded into y when x would pass the 65535 limit.
 * Shaders compute the flat index as `gid.x + gid.y * nwg.x * WG`.
 */
export function groups1d(n: number, wg = WG): [number, number] {
  const g = Math.max(1, Math.ceil(n / wg));
  return g <= MAX_GROUPS ? [g, 1] : [MAX_GROUPS, Math.ceil(g / MAX_GROUPS)];
}
