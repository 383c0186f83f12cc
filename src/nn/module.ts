// Module: a tree of named parameters and submodules, like torch.nn.Module. Subclasses register their
// parameters and children in the constructor and implement forward().
import { cpuBackend } from '../backend/cpu';
import { fromArray } from '../ops/creation';
import { getWebGPUBackend } from '../runtime';
import { fmt, sameShape, sizeOf, WebgradError } from '../shape';
import { keep, Tensor } from '../tensor';

/** One tensor as plain data: survives JSON.stringify / JSON.parse. */
export interface TensorData {
  /** The tensor's shape. */
  shape: number[];
  /** Its elements, row-major. */
  data: number[];
}

/** Parameters by dotted name ("0.weight", "fc.bias"), as plain data. */
export type StateDict = Record<string, TensorData>;

/** Base class of layers, like `torch.nn.Module`: register parameters and submodules in the constructor, implement `forward`. */
export abstract class Module {
  /** Whether the module is in training mode (dropout active); `eval()` turns it off. */
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** The layer's computation. */
  abstract forward(x: Tensor): Tensor;

  /** Registers a parameter (a leaf; it is made to require grad) under `name`, also as `this[name]`; tidy() leaves it alone. */
  protected registerParameter(name: string, t: Tensor): Tensor {
    if (!t.isLeaf) throw new WebgradError('Module.registerParameter', `parameter '${name}' must be a leaf tensor (detach it first)`);
    t.requiresGrad = true;
    keep(t); // parameters outlive any tidy() they are made in
    this.params.set(name, t);
    (this as unknown as Record<string, unknown>)[name] = t;
    return t;
  }

  /** Registers a submodule under `name` (its parameters appear as "name.param"). */
  protected registerModule<M extends Module>(name: string, m: M): M {
    if (!(m instanceof Module)) throw new WebgradError('Module.registerModule', `'${name}' must be a Module, got ${typeof m}`);
    this.children.set(name, m);
    return m;
  }

  /** (name, parameter) pairs of this module and its submodules, depth first, in registration order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this.params) out.push([prefix + n, p]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  /** Every parameter of this module and its submodules, in registration order. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Direct submodules with their names. */
  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** Training mode on (or off with `mode = false`), recursively. */
  train(mode = true): this {
    this.training = mode;
    for (const m of this.children.values()) m.train(mode);
    return this;
  }

  /** Evaluation mode (dropout off), recursively. */
  eval(): this {
    return this.train(false);
  }

  /** Sets every parameter's gradient to null (disposing it). */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** The parameters as plain, JSON-safe data (reads each back once). */
  async stateDict(): Promise<StateDict> {
    const out: StateDict = {};
    for (const [name, p] of this.namedParameters()) out[name] = { shape: [...p.shape], data: Array.from(await p.data()) };
    return out;
  }

  /**
   * Loads parameters from `stateDict()`'s output (or its JSON round trip) into the existing tensors
   * (in place: optimizers holding them stay valid). Every entry is checked before any is loaded: a missing,
   * unexpected or misshaped entry throws naming it (unexpected ones are allowed with `strict: false`).
   */
  loadStateDict(state: StateDict, options: { strict?: boolean } = {}): void {
    const op = 'loadStateDict';
    if (!state || typeof state !== 'object')
      throw new WebgradError(op, `expects an object of {shape, data} entries, got ${state === null ? 'null' : typeof state}`);
    const named = this.namedParameters();
    const names = new Set(named.map(([n]) => n));
    const missing = named.filter(([n]) => !(n in state)).map(([n]) => n);
    if (missing.length) throw new WebgradError(op, `missing entries: ${missing.join(', ')}`);
    const unexpected = Object.keys(state).filter((k) => !names.has(k));
    if (unexpected.length && options.strict !== false)
      throw new WebgradError(op, `unexpected entries: ${unexpected.join(', ')} (pass { strict: false } to ignore them)`);
    for (const [name, p] of named) {
      const e = state[name];
      const ok = e && Array.isArray(e.shape) && Array.isArray(e.data);
      if (!ok) throw new WebgradError(op, `entry '${name}' must be {shape: number[], data: number[]}`);
      if (!sameShape(e.shape, p.shape)) throw new WebgradError(op, `entry '${name}' has shape ${fmt(e.shape)}, the parameter ${fmt(p.shape)}`);
      if (e.data.length !== sizeOf(e.shape) || e.data.some((v) => typeof v !== 'number')) {
        throw new WebgradError(op, `entry '${name}' needs ${sizeOf(e.shape)} numbers for shape ${fmt(e.shape)}, got ${e.data.length}`);
      }
    }
    for (const [name, p] of named) {
      const v = fromArray(state[name].data, p.shape, { backend: p.backend });
      p.assign(v);
      v.dispose();
    }
  }

  /**
   * Moves every parameter to another backend ('cpu' or 'webgpu'): new leaf tensors replace the old ones
   * (gradients are dropped), so make optimizers after moving. Reads back once per parameter.
   */
  async to(backend: 'cpu' | 'webgpu'): Promise<this> {
    const target = backend === 'cpu' ? cpuBackend : getWebGPUBackend();
    if (!target) throw new WebgradError('Module.to', "WebGPU is not initialised: call init({ backend: 'webgpu' }) first");
    for (const [name, p] of [...this.params]) {
      if (p.backend === target) continue;
      const moved = fromArray(await p.data(), p.shape, { backend: target });
      p.dispose();
      this.registerParameter(name, moved);
    }
    for (const m of this.children.values()) await m.to(backend);
    return this;
  }

  /** Frees every parameter (and gradient). */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
  }
}
