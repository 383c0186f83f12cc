// The built package as users get it: imported by its name from plain Node (not through vite), it computes the
// notes' examples; its entries are readable ESM; `npm pack` ships only what the package needs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { webgpuInfo } from './setup/backends';

const script = `
import { init, tensor, valueAndGrad } from 'webgrad';
const out = {};
for (const backend of process.argv.slice(1)) {
  const r = await init({ backend });
  const x = tensor([4], { requiresGrad: true });
  x.pow(2).backward();
  const f = (x1, x2) => x1.log().add(x2.cos()).sub(x1.mul(x2));
  const [v, [g1, g2]] = valueAndGrad(f)(tensor(2), tensor(1));
  out[backend] = { backend: r.backend, xgrad: await x.grad.item(), f: await v.item(), g1: await g1.item(), g2: await g2.item() };
}
console.log(JSON.stringify(out));
process.exit(0);
`;

it("import('webgrad') from plain Node computes the notes' examples on each backend", () => {
  const backends = webgpuInfo.available ? ['cpu', 'webgpu'] : ['cpu'];
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script, ...backends], { encoding: 'utf8' });
  const out = JSON.parse(stdout.trim().split('\n').pop()!);
  for (const b of backends) {
    expect(out[b].backend).toBe(b);
    expect(out[b].xgrad).toBe(8);
    expect(out[b].f).toBeCloseTo(Math.log(2) + Math.cos(1) - 2, 6);
    expect(out[b].g1).toBeCloseTo(-0.5, 6);
    expect(out[b].g2).toBeCloseTo(-Math.sin(1) - 2, 6);
  }
});

/** Runs an ES module script in plain Node against the built package; returns its last line of stdout. */
function runNode(source: string, ...args: string[]): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', source, ...args], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()!;
}

it('npm pack ships the built entries, their types and source maps, and nothing else', () => {
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' }));
  const files: string[] = pack.files.map((f: { path: string }) => f.path);
  for (const f of [
    'package.json',
    'README.md',
    'bin/webgrad.js',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/diagnostics.js',
    'dist/diagnostics.d.ts',
    'dist/cli.js',
    'dist/webgrad.js',
    'dist/webgrad.js.map',
  ]) {
    expect(files).toContain(f);
  }
  const unexpected = files.filter((f) => !/^(package\.json|README\.md|LICENSE|bin\/webgrad\.js|dist\/.+\.(js|js\.map|d\.ts))$/.test(f));
  expect(unexpected).toEqual([]);
  // No tests, sources or shaders (the WGSL is bundled into dist/webgrad.js).
  expect(files.filter((f) => /\.test\.|(^|\/)(test|src|shaders|bench|demos)\//.test(f))).toEqual([]);
});

it('dist/ is readable ESM: unminified, with source maps holding the sources', () => {
  const shared = readFileSync('dist/webgrad.js', 'utf8');
  expect(shared).toMatch(/^function matmul\(/m);
  expect(shared).toMatch(/^var WebgradError = class extends Error|^class WebgradError/m);
  expect(shared).toContain('//# sourceMappingURL=webgrad.js.map');
  const map = JSON.parse(readFileSync('dist/webgrad.js.map', 'utf8'));
  const i = map.sources.indexOf('../src/ops/matmul.ts');
  expect(i).toBeGreaterThanOrEqual(0);
  expect(map.sourcesContent[i]).toContain('export function matmul(');
});

it("a WebgradError's stack trace names the real function in dist/", () => {
  const stack = JSON.parse(
    runNode(`
import { init, matmul, tensor } from 'webgrad';
await init({ backend: 'cpu' });
try { matmul(tensor([[1, 2]]), tensor([[1, 2, 3]])); } catch (e) { console.log(JSON.stringify(e.stack)); }
`),
  );
  expect(stack).toMatch(/^WebgradError: webgrad\.matmul: /);
  expect(stack).toMatch(/\n\s+at matmul \(.*dist\/webgrad\.js:\d+:\d+\)/);
});

it("diagnostics live in 'webgrad/diagnostics', not the root, and see the backend init() chose", () => {
  const backend = webgpuInfo.available ? 'webgpu' : 'cpu';
  const out = JSON.parse(
    runNode(
      `
import * as root from 'webgrad';
import * as diagnostics from 'webgrad/diagnostics';
await root.init({ backend: process.argv[1] });
console.log(JSON.stringify({
  rootHas: ['getWebGPUBackend', 'jacobiStats'].filter((k) => k in root),
  diagnostics: Object.keys(diagnostics).sort(),
  gpu: diagnostics.getWebGPUBackend() !== null,
  chunks: typeof diagnostics.jacobiStats.chunks,
}));
process.exit(0);
`,
      backend,
    ),
  );
  expect(out.rootHas).toEqual([]);
  expect(out.diagnostics).toEqual(['getWebGPUBackend', 'jacobiStats']);
  expect(out.gpu).toBe(backend === 'webgpu');
  expect(out.chunks).toBe('number');
});
