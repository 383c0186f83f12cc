import { defineConfig } from 'vitest/config';

// One config: the library build (`vite build` → dist/index.js; tsc adds the .d.ts files) and vitest.
export default defineConfig({
  build: {
    // Two entries: the library (dist/index.js) and the `webgrad` command (dist/cli.js, run by bin/webgrad.js).
    lib: { entry: { index: 'src/index.ts', cli: 'src/cli.ts' }, formats: ['es'], fileName: (_format, name) => `${name}.js` },
    outDir: 'dist',
    target: 'es2022',
    sourcemap: true,
    // allow-extension: dist/cli.js imports dist/index.js itself instead of both sharing a hashed chunk.
    rollupOptions: { external: ['webgpu', /^node:/], preserveEntrySignatures: 'allow-extension' },
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/globalSetup.ts'],
    pool: 'forks', // Dawn's native addon is happiest in its own process, not a worker thread
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
