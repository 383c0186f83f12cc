// Higher-order and Jacobian transforms: webgrad against @jax-js/jax in one process on one WebGPU adapter.
// The function: a small tanh MLP (2 → H → H → 1) with all its parameters in one flat vector θ of P entries,
// on a fixed batch of N points in the plane (the data are constants of the function):
//   loss(θ)  = mean over the batch of (mlp(x; θ) − y)²      (scalar)  → hessian, [P, P]
//   preds(θ) = mlp(x; θ) over the batch                      ([N])     → jacfwd and jacrev, [N, P]
// and webgrad's Hessian-vector product two ways: forward over reverse (`hvp`, one reverse pass carrying a
// tangent) and reverse over reverse (grad of θ ↦ ⟨grad loss(θ), v⟩).
// Both libraries' results are compared (max |Δ|, and relative to the largest entry) before anything is timed;
// the warm-up call also compiles the pipelines (jax-js: traces and compiles its jitted function). Then
// samples alternate between the libraries; a sample repeats the call (each ending in a readback of the
// whole result) until it lasts ≥ MIN_SAMPLE_MS (300), and the median sample counts. jax-js's transforms are
// wrapped in `jit` (its fusion compiler: one traced program per transform; without it each op of the
// vmapped JVP dispatches on its own, `--no-jit` shows that).
// `--cpu` also times webgrad's transforms on its CPU backend (no peer there).
//
// Run: npm run build && node bench/autodiff.mjs [--hidden 16] [--batch 16] [--samples 5] [--no-jit] [--cpu]
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

import { create, globals } from 'webgpu';

// One navigator.gpu for both libraries: jax-js reads it, and webgrad's init() takes it when present.
Object.assign(globalThis, globals);
globalThis.navigator = { gpu: create([]), userAgent: 'node' };

const wg = await import('webgrad');
const jax = await import('@jax-js/jax');
const np = jax.numpy;

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const H = Number(option('--hidden', '16'));
const N = Number(option('--batch', '16'));
const samples = Number(option('--samples', '5'));
const useJit = !flag('--no-jit');

const info = await wg.init({ backend: 'webgpu' });
if (!(await jax.init('webgpu')).includes('webgpu')) throw new Error('jax-js found no WebGPU device');

// θ's layout: W1 [2, H], b1 [H], W2 [H, H], b2 [H], W3 [H, 1], b3 [1].
const layout = [[2, H], [H], [H, H], [H], [H, 1], [1]];
const P = layout.reduce((n, s) => n + s.reduce((p, q) => p * q, 1), 0);

function randomData(n, seed, scale = 1) {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * scale;
  });
}
const thetaData = randomData(P, 1, 0.5);
const xData = randomData(N * 2, 2);
const yData = Float32Array.from({ length: N }, (_, i) => Math.sin(3 * xData[2 * i]) * xData[2 * i + 1]);
const vData = randomData(P, 3);

// ---- webgrad ----
// The batch (constants of the function); reassigned to CPU copies for `--cpu`.
let X = wg.tensor(xData, { shape: [N, 2] });
let Y = wg.tensor(yData, { shape: [N, 1] });

/** θ split into the layers' tensors (slices of the one vector, so derivatives flow back into θ). */
function unpackWebgrad(theta) {
  let at = 0;
  return layout.map((shape) => {
    const size = shape.reduce((p, q) => p * q, 1);
    const part = wg.reshape(wg.slice(theta, 0, at, at + size), shape);
    at += size;
    return part;
  });
}
function mlpWebgrad(theta) {
  const [w1, b1, w2, b2, w3, b3] = unpackWebgrad(theta);
  const h1 = X.matmul(w1).add(b1).tanh();
  const h2 = h1.matmul(w2).add(b2).tanh();
  return h2.matmul(w3).add(b3); // [N, 1]
}
const lossWebgrad = (theta) => {
  const r = mlpWebgrad(theta).sub(Y);
  return r.mul(r).mean();
};
const predsWebgrad = (theta) => wg.reshape(mlpWebgrad(theta), [N]);

/** One call of a webgrad transform with its result read back; intermediates freed by tidy. */
const webgradCall = (transform) => async (theta) => {
  const out = wg.tidy(() => transform(theta));
  const data = await out.data();
  out.dispose();
  return data;
};

const reverseOverReverse = (v) => (theta) =>
  wg.grad((t) => {
    const [g] = wg.grad(lossWebgrad)(t);
    return wg.sum(g.mul(v));
  })(theta)[0];
const forwardOverReverse = (v) => (theta) => {
  const [value, [hv]] = wg.hvp(lossWebgrad, [theta], [v]);
  value.dispose();
  return hv;
};

// ---- jax-js (arrays are reference counted: every use but the last takes `.ref`) ----
const jX = np.array(xData, { shape: [N, 2], device: 'webgpu' });
const jY = np.array(yData, { shape: [N, 1], device: 'webgpu' });

function mlpJax(theta) {
  let at = 0;
  const [w1, b1, w2, b2, w3, b3] = layout.map((shape) => {
    const size = shape.reduce((p, q) => p * q, 1);
    const part = theta.ref.slice([at, at + size]).reshape(shape);
    at += size;
    return part;
  });
  theta.dispose();
  const h1 = np.tanh(np.matmul(jX.ref, w1).add(b1));
  const h2 = np.tanh(np.matmul(h1, w2).add(b2));
  return np.matmul(h2, w3).add(b3);
}
const lossJax = (theta) => {
  const r = mlpJax(theta).sub(jY.ref);
  return np.mean(r.ref.mul(r));
};
const predsJax = (theta) => mlpJax(theta).reshape([N]);

const maybeJit = (f) => (useJit ? jax.jit(f) : f);
const jaxCall = (f) => async (theta) => {
  const out = f(theta.ref);
  return await out.data();
};

// ---- the comparison ----
const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
/** Shortest sample worth timing: quick calls (hvp, jax-js's) repeat within a sample to reach it. */
const minSampleMs = Number(process.env.MIN_SAMPLE_MS ?? 300);
async function timed(run, input, inner = 1) {
  const t0 = performance.now();
  for (let i = 0; i < inner; i++) await run(input);
  return (performance.now() - t0) / inner;
}
const maxAbs = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const ms = (t) => (t >= 1000 ? `${(t / 1000).toFixed(2)} s` : `${t.toFixed(1)} ms`);

/** Each contender: [name, run(input) → Float32Array, input]. Returns median ms per contender and the results. */
async function compare(contenders) {
  const results = [];
  for (const [, run, input] of contenders) results.push(await run(input)); // warm-up and values
  const inner = [];
  for (const [, run, input] of contenders) inner.push(Math.max(1, Math.round(minSampleMs / (await timed(run, input)))));
  const times = contenders.map(() => []);
  for (let s = 0; s < samples; s++) {
    for (const [i, [, run, input]] of contenders.entries()) times[i].push(await timed(run, input, inner[i]));
  }
  return { results, medians: times.map(median) };
}

const theta = wg.tensor(thetaData, { shape: [P] });
const v = wg.tensor(vData, { shape: [P] });
const jTheta = np.array(thetaData, { shape: [P], device: 'webgpu' });

const rows = [];
async function versus(name, ours, theirs, shape, theirLayout = (b) => b) {
  const { results, medians } = await compare([
    ['webgrad', webgradCall(ours), theta],
    ['jax-js', jaxCall(theirs), jTheta],
  ]);
  const [a, b] = [results[0], theirLayout(results[1])];
  if (a.length !== b.length) throw new Error(`${name}: ${a.length} entries against ${b.length}`);
  const d = maxDiff(a, b);
  rows.push({ name, shape, webgrad: medians[0], jax: medians[1], diff: d, rel: d / (maxAbs(b) || 1) });
  console.error(`done ${name}`);
}

// jax-js 0.1.25's jacfwd returns [in, out] (the vmapped axis first; JAX moves it last): its [P, N] is
// transposed before the comparison, in JS, outside the timing. Its jacrev takes the identity of the *input's*
// size as cotangents, so it only works for square Jacobians; the reverse Jacobian here is therefore what
// jax.jacrev does, written with jax-js's own vjp and vmap (one vmapped pullback over the N output basis vectors).
function jacrevJax(theta) {
  const [y, pullback] = jax.vjp(predsJax, [theta]);
  y.dispose();
  const J = jax.vmap((ct) => pullback(ct)[0], [0])(np.eye(N));
  pullback.dispose();
  return J;
}
/** `a` ([rows, cols], row-major) transposed to [cols, rows]. */
const transposed = (a, rows, cols) => Float32Array.from({ length: a.length }, (_, k) => a[(k % rows) * cols + Math.floor(k / rows)]);
const jaxHessian = maybeJit(jax.hessian(lossJax));
const jaxJacfwd = maybeJit(jax.jacfwd(predsJax));
const jaxJacrev = maybeJit(jacrevJax);
await versus('hessian(loss)', (t) => wg.hessian(lossWebgrad)(t), jaxHessian, `[${P}, ${P}]`);
await versus(
  'jacfwd(preds)',
  (t) => wg.jacfwd(predsWebgrad)(t),
  jaxJacfwd,
  `[${N}, ${P}]`,
  (b) => transposed(b, P, N),
);
await versus('jacrev(preds)', (t) => wg.jacrev(predsWebgrad)(t), jaxJacrev, `[${N}, ${P}]`);
const autoMode = wg.jacobianMode(P, N);

/** webgrad's Hessian-vector product both ways on the current backend, checked against each other. */
async function hvpRows(theta, v) {
  const { results, medians } = await compare([
    ['hvp (forward over reverse)', webgradCall(forwardOverReverse(v)), theta],
    ['grad of ⟨grad, v⟩ (reverse over reverse)', webgradCall(reverseOverReverse(v)), theta],
  ]);
  return { forward: medians[0], reverse: medians[1], diff: maxDiff(results[0], results[1]), scale: maxAbs(results[1]) };
}
const hvpGpu = await hvpRows(theta, v);
console.error('done hvp');

let cpu = null;
if (flag('--cpu')) {
  const cpuInfo = await wg.init({ backend: 'cpu' });
  const [ct, cv] = [wg.tensor(thetaData, { shape: [P] }), wg.tensor(vData, { shape: [P] })];
  [X, Y] = [wg.tensor(xData, { shape: [N, 2] }), wg.tensor(yData, { shape: [N, 1] })];
  const one = async (transform) => (await compare([['cpu', webgradCall(transform), ct]])).medians[0];
  cpu = {
    adapter: cpuInfo.adapter,
    hessian: await one((t) => wg.hessian(lossWebgrad)(t)),
    jacfwd: await one((t) => wg.jacfwd(predsWebgrad)(t)),
    jacrev: await one((t) => wg.jacrev(predsWebgrad)(t)),
    hvp: await hvpRows(ct, cv),
  };
  console.error('done cpu');
}

console.log(`autodiff transforms on a 2-${H}-${H}-1 tanh MLP, P = ${P} parameters in one vector, batch N = ${N}`);
console.log(`WebGPU adapter: ${info.adapter}; webgrad and @jax-js/jax in the same process on it`);
console.log(
  `jax-js: ${useJit ? 'jax.jit(jax.hessian(loss)) etc. (jitted)' : 'not jitted (--no-jit)'}; median of ${samples} samples ` +
    `(calls repeated to ≥ ${minSampleMs} ms) after a warm-up call, each call ending in a readback`,
);
console.log(`jacobian(preds, { mode: 'auto' }) picks ${autoMode} here (${P} inputs, ${N} outputs)`);
console.log('');
console.log('| transform | result | webgrad WebGPU | jax-js WebGPU | jax-js / webgrad time | max abs Δ (relative) |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.shape} | ${ms(r.webgrad)} | ${ms(r.jax)} | ${(r.jax / r.webgrad).toFixed(2)}× | ` +
      `${r.diff.toExponential(1)} (${r.rel.toExponential(1)}) |`,
  );
}
console.log('');
console.log('webgrad Hessian-vector product, H·v for one v of P entries:');
console.log('| backend | hvp (forward over reverse) | grad of ⟨grad, v⟩ (reverse over reverse) | reverse / forward time | max abs Δ between them |');
console.log('|---|---:|---:|---:|---:|');
const hvpRow = (name, h) =>
  console.log(
    `| ${name} | ${ms(h.forward)} | ${ms(h.reverse)} | ${(h.reverse / h.forward).toFixed(2)}× | ` +
      `${h.diff.toExponential(1)} (of ${h.scale.toExponential(1)}) |`,
  );
hvpRow('WebGPU', hvpGpu);
if (cpu) {
  hvpRow('CPU', cpu.hvp);
  console.log('');
  console.log(`webgrad on the CPU backend (${cpu.adapter}): hessian ${ms(cpu.hessian)}, jacfwd ${ms(cpu.jacfwd)}, jacrev ${ms(cpu.jacrev)}`);
}
process.exit(0);
