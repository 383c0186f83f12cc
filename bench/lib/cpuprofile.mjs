// Reads a V8 .cpuprofile (from `node --cpu-prof`) and prints self time per function, mapped through the
// dist's source maps to src/ names and lines; with `--callers PATTERN`, the inclusive time of the frames
// whose name contains PATTERN, split by their caller chain (DEPTH frames up). Used to find where a
// regression's time goes, e.g. the same driver profiled on two builds:
//
//   node --cpu-prof --cpu-prof-name=new.cpuprofile bench/lib/hamiltonian-backward.mjs dist cpu 40
//   node bench/lib/cpuprofile.mjs new.cpuprofile [--top 25] [--callers copyStrided --depth 6]
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const profile = JSON.parse(readFileSync(args[0], 'utf8'));
const top = Number(option('--top', '25'));
const pattern = option('--callers', null);
const depth = Number(option('--depth', '5'));

const maps = new Map();
function sourceMapOf(url) {
  if (!url.startsWith('file://')) return null;
  if (!maps.has(url)) {
    const path = `${fileURLToPath(url)}.map`;
    maps.set(url, existsSync(path) ? new SourceMap(JSON.parse(readFileSync(path, 'utf8'))) : null);
  }
  return maps.get(url);
}
/** "name src/file.ts:line" for a call frame (the bundle's position when there is no source map). */
function frameName(f) {
  const map = sourceMapOf(f.url);
  const entry = map && f.lineNumber >= 0 ? map.findEntry(f.lineNumber, f.columnNumber) : null;
  if (entry?.originalSource) return `${entry.name ?? f.functionName} ${entry.originalSource.split('/src/').pop()}:${entry.originalLine + 1}`;
  return `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
}

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const selfUs = new Map();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const names = new Map(profile.nodes.map((n) => [n.id, frameName(n.callFrame)]));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const line = (us, label) => `${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${label}`;

console.log(`${args[0]}: ${(total / 1000).toFixed(1)} ms sampled`);
const totals = new Map();
if (!pattern) {
  for (const n of profile.nodes) totals.set(names.get(n.id), (totals.get(names.get(n.id)) ?? 0) + (selfUs.get(n.id) ?? 0));
} else {
  const inclusive = (id) => (nodes.get(id).children ?? []).reduce((t, c) => t + inclusive(c), selfUs.get(id) ?? 0);
  const ancestors = (id) => {
    const chain = [];
    for (let a = parentOf.get(id); a !== undefined; a = parentOf.get(a)) chain.push(a);
    return chain;
  };
  for (const n of profile.nodes) {
    if (!names.get(n.id).includes(pattern)) continue;
    const up = ancestors(n.id);
    if (up.some((a) => names.get(a).includes(pattern))) continue; // counted at the outermost match
    const key = `${names.get(n.id)}  <  ${up
      .slice(0, depth)
      .map((a) => names.get(a))
      .join('  <  ')}`;
    totals.set(key, (totals.get(key) ?? 0) + inclusive(n.id));
  }
}
[...totals.entries()]
  .sort((a, b) => b[1] - a[1])
  .slice(0, top)
  .forEach(([k, us]) => console.log(line(us, k)));
