// The packed tarball as a user installs it: `npm pack`, `npm install <tarball>` (offline, from npm's cache)
// into a scratch Vite app in a temp dir, `vite build`, then the page in Chromium computes on WebGPU
// (SwiftShader) through 'webgrad' and 'webgrad/diagnostics', and the test checks the values it shows.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launch, openPage, ROOT, serveStatic, WEBGPU_ARGS, type Browser, type StaticServer } from './harness';

const haveChromium = existsSync(CHROMIUM);
const inCI = process.env.CI === 'true';
if (!haveChromium && !inCI) console.log(`e2e package app: SKIPPED (${CHROMIUM} is missing; install it with: apt-get install -y chromium)`);

const TIMEOUT = 180_000;

const MAIN = `
import { eigvalsh, grad, init, matmul, tensor } from 'webgrad';
import { getWebGPUBackend } from 'webgrad/diagnostics';

const out = document.getElementById('out');
try {
  const r = await init({ backend: 'webgpu' });
  const c = await matmul(tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]])).data();
  const [dx] = grad((x) => x.pow(2).sum())(tensor([1, 2, 3]));
  const g = await dx.data();
  const w = await eigvalsh(tensor([[2, 1], [1, 2]])).data();
  out.textContent = JSON.stringify({ backend: r.backend, gpu: getWebGPUBackend() !== null, c: [...c], g: [...g], w: [...w] });
} catch (e) {
  out.textContent = JSON.stringify({ error: String(e && e.stack || e) });
}
out.dataset.done = 'true';
`;

const HTML = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>webgrad scratch app</title></head>
<body><pre id="out">running</pre><script type="module" src="./main.js"></script></body></html>
`;

let scratch: string;
let server: StaticServer;
let browser: Browser;

describe.skipIf(!haveChromium && !inCI)('the packed tarball in a scratch Vite app', () => {
  beforeAll(async () => {
    if (!haveChromium) throw new Error(`CI=true but ${CHROMIUM} is missing: apt-get install -y chromium`);
    scratch = mkdtempSync(join(tmpdir(), 'webgrad-app-'));
    // dist/ is built by the global setup; pack it as `npm publish` would.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], { cwd: ROOT, stdio: 'pipe' });
    const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const app = join(scratch, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
    writeFileSync(join(app, 'index.html'), HTML);
    writeFileSync(join(app, 'main.js'), MAIN);
    // webgrad has no dependencies; its optional one (Dawn, for Node) is not for the browser.
    execFileSync('npm', ['install', '--offline', '--omit=optional', '--no-audit', '--no-fund', join(scratch, tarball!)], {
      cwd: app,
      stdio: 'pipe',
    });
    expect(existsSync(join(app, 'node_modules/webgrad/dist/index.js'))).toBe(true);
    await build({ root: app, configFile: false, logLevel: 'warn', build: { outDir: 'dist', target: 'es2022' } });
    server = await serveStatic(join(app, 'dist'));
    browser = await launch(WEBGPU_ARGS);
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it(
    'computes on WebGPU in Chromium: a matmul, a gradient and an eigh',
    async () => {
      const { page, errors } = await openPage(browser, `${server.url}/`);
      await page.waitForSelector('#out[data-done="true"]', { timeout: 150_000 });
      const out = JSON.parse((await page.textContent('#out')) ?? '{}');
      expect(out.error).toBeUndefined();
      expect(out.backend).toBe('webgpu');
      expect(out.gpu).toBe(true);
      expect(out.c).toEqual([19, 22, 43, 50]);
      expect(out.g).toEqual([2, 4, 6]);
      expect(out.w[0]).toBeCloseTo(1, 5);
      expect(out.w[1]).toBeCloseTo(3, 5);
      expect(errors).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );
});
