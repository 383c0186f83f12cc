import { defineConfig } from 'vitest/config';

// One config: the library build (`vite build` → dist/index.js; tsc adds the .d.ts files) and vitest.
export default defineConfig({
  build: {
    // Three entries: the library (dist/index.js), its diagnostics subpath (dist/diagnostics.js) and the
    // `webgrad` command (dist/cli.js, run by bin/webgrad.js). The code they share goes into dist/webgrad.js.
    lib: {
      entry: { index: 'src/index.ts', diagnostics: 'src/diagnostics.ts', cli: 'src/cli.ts' },
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`,
    },
    outDir: 'dist',
    target: 'es2022',
    sourcemap: true,
    // Readable ESM with real function names in stack traces: the application's bundler minifies.
    minify: false,
    rollupOptions: {
      external: ['webgpu', /^node:/],
      // strict: each entry exports exactly its own API (the root does not leak the diagnostics).
      preserveEntrySignatures: 'strict',
      // The code the entries share, in one chunk (the command's own code stays in dist/cli.js).
      output: { chunkFileNames: '[name].js', codeSplitting: { groups: [{ name: 'webgrad', test: /[\\/]src[\\/](?!cli\.ts)/ }] } },
    },
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
