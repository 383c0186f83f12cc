import { defineConfig } from 'vitest/config';

// One config: the library build (`vite build` → dist/index.js; tsc adds the .d.ts files) and vitest.
export default defineConfig({
  build: {
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'index' },
    outDir: 'dist',
    target: 'es2022',
    sourcemap: true,
    rollupOptions: { external: ['webgpu', /^node:/] },
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
