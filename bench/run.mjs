// Runs every bench/*.mjs script (but this one) in sequence, each in its own Node process, and says which failed.
// `npm run bench` builds first and calls this. `--only eigh,hamiltonian` picks scripts by name; every other
// argument (`--reps 2`, `--with-jax-500`, …) goes to each script, and each ignores the flags it does not know.
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const at = args.indexOf('--only');
const names = at >= 0 ? (args[at + 1] ?? '').split(',').filter(Boolean) : [];
const flags = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 2)] : args;
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== basename(fileURLToPath(import.meta.url)))
  .filter((f) => names.length === 0 || names.some((n) => f.includes(n)))
  .sort();

if (scripts.length === 0) {
  console.error(`bench/run.mjs: no script matches ${names.join(', ')}`);
  process.exit(2);
}
const failed = [];
for (const script of scripts) {
  console.log(`\n## bench/${script}${flags.length ? ` ${flags.join(' ')}` : ''}\n`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(here, script), ...flags], { stdio: 'inherit' });
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) failed.push(`${script} (${r.signal ?? `exit ${r.status}`})`);
  console.log(`\n(bench/${script}: ${r.status === 0 ? 'done' : 'FAILED'} in ${s} s)`);
}
if (failed.length) {
  console.error(`\nbench: failed: ${failed.join(', ')}`);
  process.exit(1);
}
process.exit(0);
