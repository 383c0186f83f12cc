// The built package, imported by its name from plain Node (not through vite), computes the notes' examples.
import { execFileSync } from 'node:child_process';
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
