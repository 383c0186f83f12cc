// The optimizer base: a checked parameter list, per-parameter state, a step that first looks for
// non-finite gradients (and then skips the whole step, reporting it), zeroGrad, and state as plain data.
// Each subclass's update is one fused kernel per parameter (GPU) beside its CPU reference.
import { Usage } from '../backend/webgpu/bufferPool';
import { groups1d } from '../backend/webgpu/kernel';
import type { WebGPUBackend } from '../backend/webgpu/webgpuBackend';
import { cpuData, gpuBuffer, gpuKernel, uniformWords, asWebGPU } from '../ops/util';
import { fromArray } from '../ops/creation';
import { fmt, sameShape, sizeOf, WebgradError } from '../shape';
import { keep, Tensor } from '../tensor';
import type { TensorData } from '../nn/module';
import nonfiniteWgsl from '../../shaders/optim/nonfinite.wgsl?raw';

/** Per-parameter state: the step count and named tensors (moments, momentum buffers). */
export interface ParamState {
  step: number;
  tensors: Record<string, Tensor>;
}

/** Optimizer state as plain, JSON-safe data (like torch's `optimizer.state_dict()`). */
export interface OptimizerStateDict {
  /** Per-parameter state by parameter index: step count and moment buffers. */
  state: Record<
    number,
    {
      /** Steps taken for this parameter. */
      step: number;
    } & Record<string, TensorData | number>
  >;
  /** One group: the hyperparameters and the parameter indices. */
  paramGroups: {
    [option: string]: unknown;
    /** Indices of the group's parameters. */
    params: number[];
  }[];
}

/** A GPU status word per optimizer: the id of the last step that found a non-finite gradient. */
class NonFiniteStatus {
  readonly buffer: GPUBuffer;
  private armed = false;
  private reported = 0;
  constructor(
    private readonly gpu: WebGPUBackend,
    private readonly name: string,
  ) {
    this.buffer = gpu.device.createBuffer({ size: 16, usage: Usage.STORAGE | Usage.COPY_SRC });
  }
  arm(): void {
    if (this.armed) return;
    this.armed = true;
    this.gpu.deferCheck(this.buffer, 1, ([id]) => {
      this.armed = false;
      if (id <= this.reported) return null;
      this.reported = id;
      return new WebgradError(
        `${this.name}.step`,
        `step ${id} of this optimizer found a NaN or infinite gradient (a NaN or infinite loss?) and was skipped; found on the GPU at this readback`,
      );
    });
  }
}

/** Base class of optimizers: checks the parameters, skips steps with non-finite gradients, saves and restores state. */
export abstract class Optimizer {
  /** The parameters this optimizer updates. */
  readonly params: readonly Tensor[];
  protected readonly state = new Map<Tensor, ParamState>();
  /** Steps taken (every call of step(), including one the GPU skipped). */
  protected stepCount = 0;
  private status: NonFiniteStatus | null = null;
  /** Ids of GPU steps for the status word: never reset (loadStateDict may set stepCount back). */
  private stepIds = 0;

  constructor(
    /** Name used in error messages (e.g. `optim.Adam`). */
    readonly name: string,
    params: Iterable<Tensor>,
    /** Learning rate; schedulers change it between steps. */
    public lr: number,
  ) {
    if (!params || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
      throw new WebgradError(name, `expects an iterable of parameter tensors (e.g. model.parameters()), got ${typeof params}`);
    }
    const list = [...params];
    if (list.length === 0) throw new WebgradError(name, 'got an empty parameter list');
    const seen = new Map<Tensor, number>();
    list.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new WebgradError(name, `parameter ${i} is not a Tensor (${typeof p})`);
      if (seen.has(p))
        throw new WebgradError(name, `parameter ${i} is the same tensor as parameter ${seen.get(p)} (duplicates would be updated twice)`);
      if (!p.isLeaf)
        throw new WebgradError(
          name,
          `parameter ${i} of shape ${fmt(p.shape)} is not a leaf tensor (it was computed by '${p.node!.op}'; optimize leaves)`,
        );
      if (!p.requiresGrad) throw new WebgradError(name, `parameter ${i} of shape ${fmt(p.shape)} does not require grad`);
      if (p.backend !== list[0].backend)
        throw new WebgradError(name, `parameters live on different backends (${list[0].backend.name} and ${p.backend.name})`);
      seen.set(p, i);
    });
    this.params = list;
    checkNumber(name, 'lr', lr, 0);
  }

  /** Releases every gradient (sets `.grad` to null, like torch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /**
   * One update of every parameter that has a gradient: one fused kernel each, recorded in the open command
   * batch (no graph, no readback). A NaN or infinite gradient anywhere skips the whole step: on the CPU
   * this throws at once; on the GPU the next readback throws.
   */
  step(): void {
    const live = this.params.filter((p) => p.grad);
    for (const p of live) p.storageFor(`${this.name}.step`);
    this.stepCount++;
    if (live.length === 0) return;
    const backend = live[0].backend;
    if (backend.name === 'cpu') {
      live.forEach((p) => {
        const g = cpuData(p.grad!).subarray(0, p.size);
        const bad = g.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) {
          throw new WebgradError(
            `${this.name}.step`,
            `gradient of parameter ${this.params.indexOf(p)} (shape ${fmt(p.shape)}) holds ${g[bad]} at element ${bad} ` +
              `(a NaN or infinite loss?); the step was skipped`,
          );
        }
      });
      for (const p of live) this.updateCpu(p, this.stateOf(p));
      return;
    }
    const gpu = asWebGPU(backend);
    const status = (this.status ??= new NonFiniteStatus(gpu, this.name));
    status.arm();
    const id = ++this.stepIds;
    const scan = gpuKernel('optim:nonfinite', nonfiniteWgsl, {}, [1, 1]);
    for (const p of live) gpu.run(scan, [gpuBuffer(p.grad!), status.buffer], uniformWords([p.size, id]), groups1d(p.size));
    for (const p of live) this.updateGpu(gpu, p, this.stateOf(p), status.buffer, id);
  }

  private stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) this.state.set(p, (s = { step: 0, tensors: {} }));
    s.step++;
    return s;
  }

  /** The hyperparameters (for stateDict). */
  protected abstract options(): Record<string, unknown>;
  /** Sets hyperparameters from a state dict's group (checked by the subclass). */
  protected abstract setOptions(group: Record<string, unknown>): void;
  protected abstract updateCpu(p: Tensor, s: ParamState): void;
  protected abstract updateGpu(gpu: WebGPUBackend, p: Tensor, s: ParamState, status: GPUBuffer, stepId: number): void;

  /** A zero-filled state tensor shaped like `p` (made once, on first use; tidy() leaves it alone). */
  protected stateTensor(p: Tensor, s: ParamState, key: string): Tensor {
    return (s.tensors[key] ??= keep(fromArray(new Float32Array(p.size), p.shape, { backend: p.backend })));
  }

  /** The state and hyperparameters as plain data (reads each state tensor back once). */
  async stateDict(): Promise<OptimizerStateDict> {
    const state: OptimizerStateDict['state'] = {};
    for (const [i, p] of this.params.entries()) {
      const s = this.state.get(p);
      if (!s) continue;
      const entry: { step: number } & Record<string, TensorData | number> = { step: s.step };
      for (const [k, t] of Object.entries(s.tensors)) entry[k] = { shape: [...t.shape], data: Array.from(await t.data()) };
      state[i] = entry;
    }
    return { state, paramGroups: [{ ...this.options(), lr: this.lr, params: this.params.map((_, i) => i) }] };
  }

  /** Restores `stateDict()`'s output (checked first: parameter count, entry shapes, hyperparameters). */
  loadStateDict(sd: OptimizerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    if (!sd || typeof sd !== 'object' || !sd.state || !Array.isArray(sd.paramGroups) || sd.paramGroups.length !== 1) {
      throw new WebgradError(op, 'expects {state, paramGroups: [one group]} as made by stateDict()');
    }
    const group = sd.paramGroups[0];
    if (!Array.isArray(group.params) || group.params.length !== this.params.length) {
      throw new WebgradError(op, `the state dict has ${group.params?.length ?? 0} parameters, this optimizer ${this.params.length}`);
    }
    const loaded = new Map<Tensor, ParamState>();
    for (const [key, entry] of Object.entries(sd.state)) {
      const p = this.params[Number(key)];
      if (!p) throw new WebgradError(op, `state entry ${key} names no parameter (there are ${this.params.length})`);
      if (!Number.isInteger(entry.step) || entry.step < 0) throw new WebgradError(op, `state entry ${key}: step must be a non-negative integer`);
      const tensors: Record<string, TensorData> = {};
      for (const [k, v] of Object.entries(entry)) {
        if (k === 'step') continue;
        const t = v as TensorData;
        if (!t || !Array.isArray(t.shape) || !Array.isArray(t.data) || !sameShape(t.shape, p.shape) || t.data.length !== sizeOf(p.shape)) {
          throw new WebgradError(op, `state entry ${key}.${k} must be {shape: ${fmt(p.shape)}, data: ${sizeOf(p.shape)} numbers}`);
        }
        tensors[k] = t;
      }
      loaded.set(p, {
        step: entry.step,
        tensors: Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, keep(fromArray(t.data, p.shape, { backend: p.backend }))])),
      });
    }
    const { lr, params: _params, ...rest } = group;
    checkNumber(op, 'lr', lr as number, 0);
    this.setOptions(rest);
    this.lr = lr as number;
    for (const s of this.state.values()) Object.values(s.tensors).forEach((t) => t.dispose());
    this.state.clear();
    for (const [p, s] of loaded) this.state.set(p, s);
    this.stepCount = Math.max(0, ...[...loaded.values()].map((s) => s.step));
  }

  /** Frees the state tensors. */
  dispose(): void {
    for (const s of this.state.values()) Object.values(s.tensors).forEach((t) => t.dispose());
    this.state.clear();
  }
}

/** Throws naming `op` unless `v` is a finite number ≥ `min` (and < `below` when given). */
export function checkNumber(op: string, what: string, v: number, min: number, below?: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (below !== undefined && v >= below)) {
    throw new WebgradError(op, `${what} must be a finite number ≥ ${min}${below !== undefined ? ` and < ${below}` : ''}, got ${v}`);
  }
}
