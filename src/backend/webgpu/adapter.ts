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

async function nodeFs(): Promise<typeof import('node:fs')> {
  const fsSpec = 'node:fs';
  return (await import(/* @vite-ignore */ fsSpec)) as typeof import('node:fs');
}

const LOADER_VARS = ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'VK_ADD_DRIVER_FILES', 'VK_LOADER_DRIVERS_SELECT', 'VK_LOADER_DRIVERS_DISABLE'];

/**
 * Quiets Dawn's Vulkan probe when we may pick SwiftShader. Unset, XDG_RUNTIME_DIR makes the drivers' WSI
 * print "error: XDG_RUNTIME_DIR is invalid" (so it gets a private 0700 directory); Mesa's lavapipe, which
 * Dawn rejects (it lacks shaderUniform*ArrayDynamicIndexing), makes Dawn's native code print a warning
 * to fd 2 that no flag silences, so the loader is told to skip it. SwiftShader is added to the drivers the
 * loader finds, so one probe sees it and any hardware adapter (preferred: high-performance). Returns a
 * function restoring the loader variables; null when the user set any of them (we then touch nothing).
 */
async function quietSwiftShaderProbe(): Promise<(() => void) | null> {
  if (LOADER_VARS.some((k) => process.env[k] !== undefined)) return null;
  const fs = await nodeFs();
  if (!fs.existsSync(SWIFTSHADER_ICD)) return null;
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = `${process.env.TMPDIR ?? '/tmp'}/webgrad-runtime-${process.getuid?.() ?? 'user'}`;
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.chmodSync(dir, 0o700);
      process.env.XDG_RUNTIME_DIR = dir;
    } catch {
      // Not ours or not writable: the drivers print their line, nothing worse.
    }
  }
  process.env.VK_ADD_DRIVER_FILES = SWIFTSHADER_ICD;
  process.env.VK_LOADER_DRIVERS_DISABLE = '*lvp_icd*';
  return () => {
    delete process.env.VK_ADD_DRIVER_FILES;
    delete process.env.VK_LOADER_DRIVERS_DISABLE;
  };
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
    // The Vulkan loader reads its variables when Dawn enumerates adapters.
    const restore = await quietSwiftShaderProbe();
    try {
      gpu = await nodeGpu();
      if (!gpu) return { device: null, info: '', reason: "Node: the optional 'webgpu' package (Dawn) is not installed" };
      adapter = await requestAdapter(gpu);
    } finally {
      restore?.();
    }
    if (adapter && restore && /swiftshader/i.test(describeAdapter(adapter))) via = ' via the SwiftShader ICD';
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
