// The per-dispatch cost model of the adapter this runs on (docs/dispatch.md explains what eigh makes of it).
// N dispatches of one kind in one compute pass, each with its setPipeline and setBindGroup as webgrad
// encodes them; per dispatch: the CPU time to encode (pass commands, finish and submit), the device time
// from submit to onSubmittedWorkDone (all the queue does, Dawn's own validation passes for indirect
// dispatches included) and, where the adapter has 'timestamp-query', the pass's own timestamps (which leave
// out the validation passes Dawn inserts before it).
// Kinds: direct (one workgroup of a trivial kernel), direct with zero workgroups, indirect (counts 1,1,1 in a
// buffer), indirect with a zero count, and a kernel that returns at once on a flag (8 workgroups, the shape
// of a hot kernel whose run is over). Then one readback round trip: a dispatch, a copy of 16 bytes into a
// mappable buffer, submit, mapAsync, resolved.
//
// Run: node bench/dispatch.mjs [--n 2000] [--reps 5]
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';

import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const N = Number(option('--n', '2000'));
const reps = Number(option('--reps', '5'));

const gpu = create([]);
const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ?? (await gpu.requestAdapter());
const timestamps = adapter.features.has('timestamp-query');
const device = await adapter.requestDevice({ requiredFeatures: timestamps ? ['timestamp-query'] : [] });
const info = adapter.info;

const code = `
@group(0) @binding(0) var<storage, read> flag: array<u32, 4>;
@group(0) @binding(1) var<storage, read_write> out: array<u32, 64>;
@compute @workgroup_size(64)
fn work(@builtin(local_invocation_index) i: u32) { out[i] = out[i] + 1u; }
@compute @workgroup_size(64)
fn exit_on_flag(@builtin(local_invocation_index) i: u32) {
  if (flag[0] != 0u) { return; }
  out[i] = out[i] + 1u;
}`;
const module = device.createShaderModule({ code });
const layout = device.createBindGroupLayout({
  entries: [
    { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } },
    { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
  ],
});
const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
const pipeline = (entryPoint) => device.createComputePipeline({ layout: pipelineLayout, compute: { module, entryPoint } });
const work = pipeline('work');
const exitOnFlag = pipeline('exit_on_flag');
const buffer = (words, usage, data) => {
  const b = device.createBuffer({ size: words * 4, usage: usage | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
  if (data) device.queue.writeBuffer(b, 0, new Uint32Array(data));
  return b;
};
const flag = buffer(4, GPUBufferUsage.STORAGE, [1, 0, 0, 0]);
const out = buffer(64, GPUBufferUsage.STORAGE);
const bindGroup = device.createBindGroup({
  layout,
  entries: [
    { binding: 0, resource: { buffer: flag } },
    { binding: 1, resource: { buffer: out } },
  ],
});
const oneArgs = buffer(4, GPUBufferUsage.INDIRECT, [1, 1, 1, 0]);
const zeroArgs = buffer(4, GPUBufferUsage.INDIRECT, [0, 1, 1, 0]);
const querySet = timestamps ? device.createQuerySet({ type: 'timestamp', count: 2 }) : null;
const resolved = buffer(2 * 2, GPUBufferUsage.QUERY_RESOLVE);
const stamps = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });

const kinds = {
  direct: (pass) => {
    pass.setPipeline(work);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(1);
  },
  'direct, zero workgroups': (pass) => {
    pass.setPipeline(work);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(0);
  },
  indirect: (pass) => {
    pass.setPipeline(work);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroupsIndirect(oneArgs, 0);
  },
  'indirect, zero count': (pass) => {
    pass.setPipeline(work);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroupsIndirect(zeroArgs, 0);
  },
  'direct, exits on a flag (8 workgroups)': (pass) => {
    pass.setPipeline(exitOnFlag);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(8);
  },
};

/** [encode µs, submit → done µs, pass timestamps µs] per dispatch of `kind` over N dispatches in one pass. */
async function measure(kind) {
  const t0 = performance.now();
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass(querySet ? { timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
  for (let i = 0; i < N; i++) kind(pass);
  pass.end();
  if (querySet) {
    encoder.resolveQuerySet(querySet, 0, 2, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, stamps, 0, 16);
  }
  device.queue.submit([encoder.finish()]);
  const t1 = performance.now();
  await device.queue.onSubmittedWorkDone();
  const t2 = performance.now();
  let passUs = NaN;
  if (querySet) {
    await stamps.mapAsync(GPUMapMode.READ);
    const [begin, end] = new BigUint64Array(stamps.getMappedRange().slice(0));
    stamps.unmap();
    passUs = Number(end - begin) / 1000 / N;
  }
  return [((t1 - t0) * 1000) / N, ((t2 - t1) * 1000) / N, passUs];
}

/** ms from submit to a resolved mapAsync of 16 bytes a dispatch just wrote. */
async function roundTrip() {
  const staging = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const times = [];
  for (let i = 0; i < 20 * reps; i++) {
    const t0 = performance.now();
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    kinds.direct(pass);
    pass.end();
    encoder.copyBufferToBuffer(out, 0, staging, 0, 16);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    staging.unmap();
    times.push(performance.now() - t0);
  }
  staging.destroy();
  return median(times);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const adapterName = `${info.description || info.vendor} (${[info.vendor, info.architecture, info.device].filter(Boolean).join(', ')})`;
for (const kind of Object.values(kinds)) await measure(kind); // warm-up (Dawn's validation pipeline, its warnings)
console.log(`\nPer-dispatch cost on ${adapterName}: ${N} dispatches per pass, median of ${reps}`);
console.log('\n| dispatch | encode µs | device µs (submit → done) | device µs (pass timestamps) |');
console.log('|---|---:|---:|---:|');
for (const [name, kind] of Object.entries(kinds)) {
  const runs = [];
  for (let r = 0; r < reps; r++) runs.push(await measure(kind));
  const cell = (k) => median(runs.map((x) => x[k])).toFixed(2);
  console.log(`| ${name} | ${cell(0)} | ${cell(1)} | ${timestamps ? cell(2) : 'n/a'} |`);
}
console.log(`\nreadback round trip (dispatch + copy 16 B + submit + mapAsync): ${(await roundTrip()).toFixed(3)} ms (median of ${20 * reps})`);
process.exit(0);
