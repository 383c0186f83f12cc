/**
 * webgrad/diagnostics: introspection for benchmarks and tests, kept out of the root namespace. The same
 * module instances as the root entry, so these see the backend that `init()` chose.
 * @module webgrad/diagnostics
 */

/** The WebGPU backend `init()` set up (device, buffer pool, queue sync), or null when none is active. */
export { getWebGPUBackend } from './runtime';
/** Diagnostics of the last WebGPU eigh: dispatches encoded, steps per sweep, and Jacobi steps taken (known after the next readback). */
export { jacobiStats } from './ops/eigh/jacobi';
