// Runs once before the suites: finds the WebGPU adapter (SwiftShader when no GPU), prints one line naming
// it, and fails the run under CI=true when there is none. Test files learn the result through inject().
import { execSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { findWebGPU } from '../../src/backend/webgpu/adapter';

declare module 'vitest' {
  export interface ProvidedContext {
    webgpu: { available: boolean; adapter: string; reason: string };
  }
}

export default async function setup(project: TestProject): Promise<void> {
  // The package and CLI tests run the built dist/ the way users import it: build it once, up front.
  execSync('npm run build --silent', { stdio: ['ignore', 'ignore', 'inherit'] });
  const found = await findWebGPU();
  const available = !!found.device;
  found.device?.destroy();
  if (available) {
    console.log(`webgrad: WebGPU suite runs on ${found.info}`);
  } else if (process.env.CI === 'true') {
    throw new Error(`webgrad: CI=true but no WebGPU adapter: ${found.reason}. Install SwiftShader: apt-get install -y chromium libvulkan1`);
  } else {
    console.log(`webgrad: WebGPU suite SKIPPED (${found.reason}). Enable it with: apt-get install -y chromium libvulkan1`);
  }
  // The adapter search may have set a private XDG_RUNTIME_DIR (adapter.ts); test processes inherit it.
  project.provide('webgpu', { available, adapter: found.info, reason: found.reason });
}
