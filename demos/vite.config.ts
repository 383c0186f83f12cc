// The demos: a static multi-page Vite app. Pages import the library as 'webgrad', aliased to its source
// (the public API only), so the demos always run the code in this checkout; `?raw` WGSL imports in the
// library resolve as usual. Workers are ES modules (the Hamiltonian worker imports webgrad too).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { loadDigitsFile } from '../data/mnist.mjs';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

// The digits page fetches data/mnist-digits.bin (git-ignored): made from the `mnist` package if missing.
loadDigitsFile();

export const pages = { index: 'index.html', autograd: 'autograd.html', hamiltonian: 'hamiltonian.html', playground: 'playground.html', digits: 'digits.html' };

export default defineConfig({
  root: here('.'),
  base: './', // relative asset URLs: dist/ works from any path or static host
  publicDir: false,
  resolve: { alias: [{ find: /^webgrad$/, replacement: here('../src/index.ts') }] },
  worker: { format: 'es' },
  server: { fs: { allow: [here('..')] } },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      input: Object.fromEntries(Object.entries(pages).map(([name, file]) => [name, here(file)])),
    },
  },
});
