// Finding a WebGPU adapter: navigator.gpu in browsers; Dawn's `webgpu` package in Node, loaded lazily so
// browser bundles never touch it. In Node without a hardware adapter we fall back to SwiftShader (the CPU
// Vulkan driver in Debian's chromium package) when its ICD is installed.

export interface AdapterResult {
  device: GPUDevice | null;
  info: string;
  reason: string;
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const isNode = typeof process !== 'undefined' && !!process.versions?.node;

export function describeAdapter(adapter: GPUAdapter): string {
  const i = adapter.info;
  const parts = [i.vendor, i.architecture, i.device].filter(Boolean).join(', ');
  return `${i.description || 'WebGPU adapter'}${parts ? ` (${parts})` : ''}`;
}

// Dawn tears down its instance when the GPU object is collected, under live devices: keep them all.
const keepAlive: GPU[] = [];

async function nodeGpu(): Promise<GPU | null> {
  const spec = 'webgpu'; // a variable, so bundlers leave the import alone
  let mod: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    mod = await import(/* @vite-ignore */ spec);
  } catch {
    return null;
  }
  // Dawn's objects check `instanceof GPUBufferUsage` & co. against these globals.
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  const gpu = mod.create([]);
  keepAlive.push(gpu);
  return gpu;
}

async function fileExists(path: string): Promise<boolean> {
  const fsSpec = 'node:fs';
  const fs = (await import(/* @vite-ignore */ fsSpec)) as typeof import('node:fs');
  return fs.existsSync(path);
}

async function requestAdapter(gpu: GPU): Promise<GPUAdapter | null> {
  return (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ?? (await gpu.requestAdapter());
}

/** Requests an adapter and a device with the adapter's higher limits. Never throws: says why instead. */
export async function findWebGPU(): Promise<AdapterResult> {
  let gpu: GPU | null = typeof navigator !== 'undefined' && navigator.gpu ? navigator.gpu : null;
  let adapter: GPUAdapter | null = null;
  let via = '';
  if (gpu) adapter = await requestAdapter(gpu);
  else if (isNode) {
    gpu = await nodeGpu();
    if (!gpu) return { device: null, info: '', reason: "Node: the optional 'webgpu' package (Dawn) is not installed" };
    adapter = await requestAdapter(gpu);
    if (!adapter && !process.env.VK_ICD_FILENAMES && (await fileExists(SWIFTSHADER_ICD))) {
      // The Vulkan loader reads this when Dawn makes its next instance.
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      process.env.XDG_RUNTIME_DIR ??= '/tmp';
      gpu = await nodeGpu();
      adapter = gpu && (await requestAdapter(gpu));
      via = ' via the SwiftShader ICD';
    }
  } else {
    return { device: null, info: '', reason: 'navigator.gpu is missing (WebGPU needs a secure context and a supporting browser)' };
  }
  if (!adapter) {
    const hint = isNode ? `; on Debian: apt-get install -y chromium libvulkan1 (SwiftShader at ${SWIFTSHADER_ICD})` : '';
    return { device: null, info: '', reason: `no WebGPU adapter found${hint}` };
  }
  const want = [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxStorageBuffersPerShaderStage',
  ] as const;
  const requiredLimits: Record<string, number> = {};
  for (const k of want) requiredLimits[k] = adapter.limits[k];
  try {
    // Timestamps let profile() time each kernel on the device (src/profile.ts).
    const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
    return { device, info: describeAdapter(adapter) + via, reason: `WebGPU adapter found${via}` };
  } catch (e) {
    return { device: null, info: describeAdapter(adapter), reason: `requestDevice failed: ${(e as Error).message}` };
  }
}
