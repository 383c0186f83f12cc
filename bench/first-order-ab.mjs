// First-order speed of two builds of webgrad, side by side: this checkout's dist/ ("new") against another
// build ("old", default ../scratch-old/dist, e.g. the commit before a rewrite: `git worktree add
// ../scratch-old <commit> && ln -s $PWD/node_modules ../scratch-old/ && (cd ../scratch-old && npm run build)`).
//
// Cases: matmul forward + backward (n×n, loss = sum(a @ b)), small-op backward (sum((x + y) · x)) on [64]
// and [1024, 1024], one MLP training step's forward + backward (784-256-10, tanh, log-softmax
// cross-entropy, batch 128), and the Hamiltonian's first-order solve at nx = 500 (build H(κ), eigh, E0 and
// the gap, both κ-derivatives by backward: the CLI's path before second derivatives, with phase times). Every call
// ends in a readback of what it computed; both builds' numbers are compared before timing.
//
// Two ways to alternate (both print wall-clock and process CPU time, which counts SwiftShader's worker
// threads too and is the steadier of the two on a shared machine):
// - default: both dists imported by path into one process (each takes its own device on the one adapter);
//   after a warm-up, `--runs` samples alternate between the builds (which goes first alternates too);
// - `--processes K`: K rounds of one child process per build (order alternating), each child loading one
//   dist only and reporting its medians; no build's garbage, JIT state or GPU queue meets the other's.
// Each sample repeats a case until it has run ≥ MIN_SAMPLE_MS (default 300). Ratios are new/old time.
//
// Run: npm run build && node bench/first-order-ab.mjs [--old ../scratch-old/dist] [--new dist]
//      [--backend webgpu|cpu] [--runs 5] [--processes K] [--only matmul,small,mlp,hamiltonian]
//      [--kappas 0,1,5] [--nx 500]
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
globalThis.navigator = { gpu: create([]), userAgent: 'node' };

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const here = fileURLToPath(new URL('..', import.meta.url));
const oldDist = resolve(here, option('--old', '../scratch-old/dist'));
const newDist = resolve(here, option('--new', 'dist'));
const single = args.includes('--single') ? resolve(option('--single')) : null; // child mode: one dist
const backend = option('--backend', 'webgpu');
const runs = Number(option('--runs', '5'));
const processes = Number(option('--processes', '0'));
const only = option('--only', 'matmul,small,mlp,hamiltonian').split(',');
const kappas = option('--kappas', '0,1,5').split(',').map(Number);
const nx = Number(option('--nx', '500'));
const minSampleMs = Number(process.env.MIN_SAMPLE_MS ?? 300);

// `npm run bench` runs every script: without a second build there is nothing to compare, so say how to make one.
for (const dist of [oldDist, newDist]) {
  if (!existsSync(resolve(dist, 'index.js'))) {
    console.log(`first-order-ab: no build at ${dist}; skipped (see the header of bench/first-order-ab.mjs to make one)`);
    process.exit(0);
  }
}

function randomData(n, seed) {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

/** Each case: `setup(build)` (its `wg` module, its `phases` list) → `{ run: async () => numbers to compare, dispose }`. */
const cases = [];
for (const n of [128, 256, 512]) {
  cases.push({
    group: 'matmul',
    name: `matmul fwd+bwd ${n}×${n}`,
    setup: ({ wg }) => {
      const a = wg.tensor(randomData(n * n, 1), { shape: [n, n], requiresGrad: true });
      const b = wg.tensor(randomData(n * n, 2), { shape: [n, n], requiresGrad: true });
      const run = async () => {
        a.zeroGrad();
        b.zeroGrad();
        wg.tidy(() => wg.sum(wg.matmul(a, b)).backward());
        const [ga, gb] = await Promise.all([a.grad.data(), b.grad.data()]);
        return [ga[0], ga[n * n - 1], gb[0], gb[n * n - 1]];
      };
      return { run, dispose: () => [a, b].forEach((t) => t.dispose()) };
    },
  });
}
for (const shape of [[64], [1024, 1024]]) {
  const size = shape.reduce((p, q) => p * q, 1);
  cases.push({
    group: 'small',
    name: `sum((x+y)·x) fwd+bwd [${shape}]`,
    setup: ({ wg }) => {
      const x = wg.tensor(randomData(size, 3), { shape, requiresGrad: true });
      const y = wg.tensor(randomData(size, 4), { shape, requiresGrad: true });
      const run = async () => {
        x.zeroGrad();
        y.zeroGrad();
        wg.tidy(() => wg.sum(wg.mul(wg.add(x, y), x)).backward());
        const [gx, gy] = await Promise.all([x.grad.data(), y.grad.data()]);
        return [gx[0], gx[size - 1], gy[0], gy[size - 1]];
      };
      return { run, dispose: () => [x, y].forEach((t) => t.dispose()) };
    },
  });
}
cases.push({
  group: 'mlp',
  name: 'MLP 784-256-10 step, batch 128',
  setup: ({ wg }) => {
    const [batch, nin, nh, nout] = [128, 784, 256, 10];
    const x = wg.tensor(randomData(batch * nin, 5), { shape: [batch, nin] });
    const labels = new Float32Array(batch * nout);
    for (let i = 0; i < batch; i++) labels[i * nout + ((i * 7) % nout)] = 1;
    const y = wg.tensor(labels, { shape: [batch, nout] });
    const w1 = wg.tensor(
      randomData(nin * nh, 6).map((v) => v * 0.1),
      { shape: [nin, nh], requiresGrad: true },
    );
    const b1 = wg.tensor(randomData(nh, 7), { shape: [nh], requiresGrad: true });
    const w2 = wg.tensor(
      randomData(nh * nout, 8).map((v) => v * 0.2),
      { shape: [nh, nout], requiresGrad: true },
    );
    const b2 = wg.tensor(randomData(nout, 9), { shape: [nout], requiresGrad: true });
    const params = [w1, b1, w2, b2];
    const run = async () => {
      params.forEach((p) => p.zeroGrad());
      const loss = wg.tidy(() => {
        const h = x.matmul(w1).add(b1).tanh();
        const l = h.matmul(w2).add(b2).logSoftmax(1).mul(y).sum({ axis: 1 }).mean().neg();
        l.backward();
        return l;
      });
      const [value, g1, g2] = await Promise.all([loss.item(), w1.grad.data(), b2.grad.data()]);
      loss.dispose();
      return [value, g1[0], g1[nin * nh - 1], g2[0]];
    };
    return { run, dispose: () => [x, y, ...params].forEach((t) => t.dispose()) };
  },
});
const disposeSpectrum = (s) => [s.H, s.x, s.potential, s.bump, s.energies, s.states, s.E0, s.gap].forEach((t) => t?.dispose());
cases.push({
  group: 'hamiltonian',
  name: `Hamiltonian nx=${nx}, κ=${kappas.join(',')}`,
  once: true, // one sample is all κ once: seconds already
  // The first-order CLI path of 18ce00e's solveKappa, in library calls (later CLIs also take second
  // derivatives, which would not be the same work): build H(κ), eigh with E0 and the gap read back, then
  // E0.backward (graph retained) and gap.backward, each κ.grad read back.
  setup: ({ wg, phases }) => {
    const run = async () => {
      const out = [];
      for (const k of kappas) {
        const t0 = performance.now();
        const kappa = wg.tensor(k, { requiresGrad: true });
        const h = wg.hamiltonian1d({ kappa, L: 10, nx });
        await h.H.data();
        const t1 = performance.now();
        const s = wg.hamiltonianSpectrum(h);
        const [E0, gap] = await Promise.all([s.E0.item(), s.gap.item()]);
        const t2 = performance.now();
        s.E0.backward({ retainGraph: true });
        const dE0 = await kappa.grad.item();
        kappa.zeroGrad();
        s.gap.backward();
        const dgap = await kappa.grad.item();
        const t3 = performance.now();
        disposeSpectrum(s);
        kappa.dispose();
        phases.push({ build: t1 - t0, eigh: t2 - t1, backward: t3 - t2, total: t3 - t0 });
        out.push(E0, gap, dE0, dgap);
      }
      return out;
    };
    return { run, dispose: () => {} };
  },
});

const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
const selected = cases.filter((c) => only.includes(c.group));

const commitOf = (dist) => {
  try {
    // The last commit that touched src/ in the dist's checkout (what the build was made from, if it is fresh).
    return execFileSync('git', ['-C', resolve(dist, '..'), 'log', '-1', '--format=%h %s', '--', 'src'], { encoding: 'utf8' })
      .trim()
      .slice(0, 70);
  } catch {
    return '?';
  }
};

async function load(dist) {
  const wg = await import(pathToFileURL(resolve(dist, 'index.js')).href);
  const info = await wg.init({ backend });
  return { wg, adapter: info.adapter, commit: commitOf(dist), phases: [] };
}

/** Wall ms and process CPU ms (all threads: SwiftShader's workers run in this process) per call. */
async function sample(c, inner) {
  const [t0, c0] = [performance.now(), process.cpuUsage()];
  for (let i = 0; i < inner; i++) await c.run();
  const used = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / inner, cpu: (used.user + used.system) / 1000 / inner };
}

/**
 * Times every selected case on the given builds ({ key: build }), samples alternating between them.
 * Returns per case: { name, values: { key: numbers }, times: { key: [{ wall, cpu }] }, inner: { key: n } }.
 */
async function measure(builds) {
  const keys = Object.keys(builds);
  const out = [];
  for (const spec of selected) {
    const c = Object.fromEntries(keys.map((k) => [k, spec.setup(builds[k])]));
    const values = {};
    for (const k of keys) values[k] = await c[k].run(); // warm-up: compile, fill pools; the numbers compared
    const inner = {};
    for (const k of keys) inner[k] = spec.once ? 1 : Math.max(1, Math.round(minSampleMs / (await sample(c[k], 1)).wall));
    const times = Object.fromEntries(keys.map((k) => [k, []]));
    for (let r = 0; r < runs; r++) {
      for (const k of r % 2 === 0 ? keys : [...keys].reverse()) times[k].push(await sample(c[k], inner[k]));
    }
    keys.forEach((k) => c[k].dispose());
    out.push({ name: spec.name, values, times, inner });
    console.error(`done ${spec.name}${single ? ` (${single})` : ''}`);
  }
  return out;
}

const relDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]) / Math.max(1, Math.abs(v))), 0);
const phaseTable = (phases) =>
  ['build', 'eigh', 'backward', 'total'].map((name) => ({
    phase: name,
    'old ms': median(phases.old.map((m) => m[name])).toFixed(1),
    'new ms': median(phases.new.map((m) => m[name])).toFixed(1),
    'new/old': (median(phases.new.map((m) => m[name])) / median(phases.old.map((m) => m[name]))).toFixed(3),
  }));

if (single) {
  // Child: one build, its medians as one JSON line on stdout.
  const build = await load(single);
  const results = await measure({ one: build });
  const report = results.map((r) => ({
    name: r.name,
    values: r.values.one,
    wall: median(r.times.one.map((t) => t.wall)),
    cpu: median(r.times.one.map((t) => t.cpu)),
    inner: r.inner.one,
  }));
  console.log(JSON.stringify({ adapter: build.adapter, commit: build.commit, report, phases: build.phases }));
  process.exit(0);
}

let header, rows, phases;
if (processes > 0) {
  const self = fileURLToPath(import.meta.url);
  const child = (dist) =>
    JSON.parse(
      execFileSync(process.execPath, [self, ...args, '--single', dist], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 26,
      })
        .trim()
        .split('\n')
        .pop(),
    );
  const got = { old: [], new: [] };
  for (let p = 0; p < processes; p++) {
    for (const k of p % 2 === 0 ? ['old', 'new'] : ['new', 'old']) got[k].push(child(k === 'old' ? oldDist : newDist));
  }
  header = [
    `first-order A/B on ${backend} (${got.new[0].adapter}), ${processes} rounds of one process per build (order alternating)`,
    `old: ${oldDist} (${got.old[0].commit})`,
    `new: ${newDist} (${got.new[0].commit})`,
    `median over processes of each process's median ms per call (${runs} samples each), wall clock and process CPU time;`,
  ];
  rows = got.new[0].report.map((r, i) => {
    const per = (k, what) => got[k].map((g) => g.report[i][what]);
    const ms = (k, what) => median(per(k, what));
    return {
      case: r.name,
      'old ms': ms('old', 'wall').toFixed(2),
      'new ms': ms('new', 'wall').toFixed(2),
      'new/old wall': (ms('new', 'wall') / ms('old', 'wall')).toFixed(3),
      'old cpu ms': ms('old', 'cpu').toFixed(2),
      'new cpu ms': ms('new', 'cpu').toFixed(2),
      'new/old cpu': (ms('new', 'cpu') / ms('old', 'cpu')).toFixed(3),
      'per-process new/old cpu': per('new', 'cpu')
        .map((t, p) => (t / per('old', 'cpu')[p]).toFixed(2))
        .join(' '),
      'max rel Δ': relDiff(got.old[0].report[i].values, r.values).toExponential(1),
    };
  });
  phases = { old: got.old.flatMap((g) => g.phases), new: got.new.flatMap((g) => g.phases) };
} else {
  const builds = { old: await load(oldDist), new: await load(newDist) };
  const results = await measure(builds);
  header = [
    `first-order A/B on ${backend} (${builds.new.adapter}), both builds in one process, alternating samples`,
    `old: ${oldDist} (${builds.old.commit})`,
    `new: ${newDist} (${builds.new.commit})`,
    `median ms per call over ${runs} samples (calls per sample old|new), wall clock and process CPU time (all threads);`,
  ];
  rows = results.map(({ name, values, times, inner }) => {
    const ms = (k, what) => median(times[k].map((t) => t[what]));
    return {
      case: name,
      'old ms': ms('old', 'wall').toFixed(2),
      'new ms': ms('new', 'wall').toFixed(2),
      'new/old wall': (ms('new', 'wall') / ms('old', 'wall')).toFixed(3),
      'old cpu ms': ms('old', 'cpu').toFixed(2),
      'new cpu ms': ms('new', 'cpu').toFixed(2),
      'new/old cpu': (ms('new', 'cpu') / ms('old', 'cpu')).toFixed(3),
      'per-run new/old cpu': times.new.map((t, i) => (t.cpu / times.old[i].cpu).toFixed(2)).join(' '),
      'max rel Δ': relDiff(values.old, values.new).toExponential(1),
      reps: `${runs}×(${inner.old}|${inner.new})`,
    };
  });
  phases = { old: builds.old.phases, new: builds.new.phases };
}

header.forEach((line) => console.log(line));
console.log('new/old < 1 means the new build is faster');
console.table(rows);
if (phases.old.length) {
  console.log('Hamiltonian phases (wall ms per κ, median over all solves, warm-up included):');
  console.table(phaseTable(phases));
}
process.exit(0);
