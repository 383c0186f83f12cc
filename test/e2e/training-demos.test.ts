// End-to-end: the training playground and the digits page, built with Vite into their own folder (so this
// file can run beside demos.test.ts), opened in Debian's Chromium with SwiftShader WebGPU and with WebGPU
// off (CPU fallback): the models must actually learn, and the pages must show it without console errors.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launch, NO_WEBGPU_ARGS, openPage, RESULTS, ROOT, serveStatic, WEBGPU_ARGS, type Browser, type StaticServer } from './harness';

const haveChromium = existsSync(CHROMIUM);
const inCI = process.env.CI === 'true';
const OUT = join(ROOT, 'demos/dist-training');
const TIMEOUT = 240_000;
const WAIT = 200_000;

let server: StaticServer;

describe.skipIf(!haveChromium && !inCI)('training demos in Chromium', () => {
  beforeAll(async () => {
    if (!haveChromium) throw new Error(`CI=true but ${CHROMIUM} is missing: apt-get install -y chromium`);
    await build({ configFile: join(ROOT, 'demos/vite.config.ts'), mode: 'production', logLevel: 'warn', build: { outDir: OUT, sourcemap: false } });
    server = await serveStatic(OUT);
    mkdirSync(RESULTS, { recursive: true });
  }, TIMEOUT);

  afterAll(async () => {
    await server?.close();
  });

  for (const mode of ['webgpu', 'cpu'] as const) {
    describe(mode === 'webgpu' ? 'WebGPU on SwiftShader' : 'WebGPU unavailable (CPU fallback)', () => {
      let browser: Browser;

      beforeAll(async () => {
        browser = await launch(mode === 'webgpu' ? WEBGPU_ARGS : NO_WEBGPU_ARGS);
      }, TIMEOUT);

      afterAll(async () => {
        await browser?.close();
      });

      const shot = (page: Page, name: string) => page.screenshot({ path: join(RESULTS, `demos-${mode}-${name}.png`), fullPage: true });

      async function onPage(name: string, checks: (page: Page) => Promise<void>): Promise<void> {
        const { page, errors } = await openPage(browser, `${server.url}/${name}.html`);
        try {
          await checks(page);
          await shot(page, name);
          expect(errors).toEqual([]);
        } catch (e) {
          await shot(page, `${name}-failed`).catch(() => undefined);
          if (errors.length) console.log(`console errors on ${name} (${mode}):\n${errors.join('\n')}`);
          throw e;
        } finally {
          await page.close();
        }
      }

      async function expectBadge(page: Page): Promise<void> {
        await page.waitForSelector('[data-testid="backend-badge"][data-backend]', { timeout: WAIT });
        expect(await page.getAttribute('[data-testid="backend-badge"]', 'data-backend')).toBe(mode);
      }

      it(
        'playground: an MLP learns the spiral live; a new dataset starts over',
        async () => {
          await onPage('playground', async (page) => {
            await expectBadge(page);
            await page.waitForSelector('[data-testid="step"][data-step="0"]', { timeout: WAIT });
            const untrained = Number(await page.getAttribute('[data-testid="accuracy"]', 'data-value'));
            await page.click('[data-testid="train"]');
            await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('[data-testid="accuracy"]')?.dataset.value) >= 0.9, null, {
              timeout: WAIT,
            });
            await page.click('[data-testid="train"]'); // pause
            const accuracy = Number(await page.getAttribute('[data-testid="accuracy"]', 'data-value'));
            expect(accuracy).toBeGreaterThan(untrained);
            expect(Number(await page.getAttribute('[data-testid="step"]', 'data-step'))).toBeGreaterThan(0);
            expect(parseFloat((await page.textContent('[data-testid="loss"]')) ?? '')).toBeLessThan(0.5);
            // The heatmap shows all three classes' colours.
            const colours = await page.locator('[data-testid="boundary"]').evaluate((c: HTMLCanvasElement) => {
              const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
              const dominant = new Set<string>();
              for (let i = 0; i < d.length; i += 4 * 97) {
                const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
                dominant.add(r > g && r > b ? 'r' : g > r && g > b ? 'g' : b > r && b > g ? 'b' : '-');
              }
              return [...dominant].filter((k) => k !== '-').sort();
            });
            expect(colours).toEqual(['b', 'g', 'r']);
            expect(await page.locator('#plot-loss canvas, #plot-accuracy canvas').count()).toBe(2);
            await page.selectOption('[data-testid="dataset"]', 'circles');
            await page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.textContent?.startsWith('ready'), null, {
              timeout: WAIT,
            });
            expect(await page.getAttribute('[data-testid="step"]', 'data-step')).toBe('0');
          });
        },
        TIMEOUT,
      );

      it(
        'digits: one epoch reaches ≥ 85 % on held-out digits; confusion matrix, samples, a drawn digit',
        async () => {
          await onPage('digits', async (page) => {
            await expectBadge(page);
            await page.waitForSelector('[data-testid="train"]:not([disabled])', { timeout: WAIT });
            await page.fill('[data-testid="epochs"]', '1');
            await page.click('[data-testid="train"]');
            await page.waitForSelector('[data-testid="epoch"][data-done="1"]', { timeout: WAIT });
            expect(Number(await page.getAttribute('[data-testid="test-accuracy"]', 'data-value'))).toBeGreaterThanOrEqual(0.85);
            expect(await page.getAttribute('[data-testid="confusion"]', 'data-total')).toBe('2000');
            expect(await page.locator('[data-testid="samples"] figure').count()).toBe(16);
            expect(await page.textContent('[data-testid="sample-0"]')).toMatch(/^\d → \d$/);
            // Draw a vertical stroke: the model gives a class and probabilities that sum to 1.
            await page.locator('[data-testid="pad"]').scrollIntoViewIfNeeded();
            const box = (await page.locator('[data-testid="pad"]').boundingBox())!;
            await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.15);
            await page.mouse.down();
            for (let k = 1; k <= 10; k++) await page.mouse.move(box.x + box.width / 2, box.y + box.height * (0.15 + 0.07 * k));
            await page.mouse.up();
            await page.waitForFunction(() => /^\d$/.test(document.querySelector('[data-testid="guess"]')?.textContent ?? ''), null, {
              timeout: WAIT,
            });
            expect(Number(await page.getAttribute('[data-testid="guess"]', 'data-sum'))).toBeCloseTo(1, 4);
            expect(await page.locator('#plot-loss canvas, #plot-accuracy canvas').count()).toBe(2);
          });
        },
        TIMEOUT,
      );
    });
  }
});
