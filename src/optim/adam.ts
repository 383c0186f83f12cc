// Adam and AdamW (with AMSGrad): torch.optim.Adam's and AdamW's updates, one fused kernel per parameter
// (shaders/optim/adam.wgsl) beside the CPU reference. Bias corrections are computed on the host.
import { groups1d } from '../backend/webgpu/kernel';
import type { WebGPUBackend } from '../backend/webgpu/webgpuBackend';
import { dummyBuffer } from '../nn/deviceStatus';
import { cpuData, gpuBuffer, gpuKernel, uniformWords } from '../ops/util';
import { WebgradError } from '../shape';
import type { Tensor } from '../tensor';
import { checkNumber, Optimizer, ParamState } from './optimizer';
import adamWgsl from '../../shaders/optim/adam.wgsl?raw';

/** Hyperparameters of `Adam` and `AdamW` (PyTorch's defaults). */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty (Adam) or decoupled decay (AdamW) (default 0; AdamW 1e-2). */
  weightDecay?: number;
  /** Use the running maximum of the second moment (default false). */
  amsgrad?: boolean;
}

/**
 * Adam, `torch.optim.Adam`'s formulas: g ← g + λ·p (L2 weight decay); m ← β1·m + (1 − β1)·g;
 * v ← β2·v + (1 − β2)·g²; p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε), with v replaced by its
 * running maximum under AMSGrad.
 */
export class Adam extends Optimizer {
  /** Decay rates of the moment estimates. */
  betas: [number, number] = [0.9, 0.999];
  /** Added to the denominator. */
  eps = 1e-8;
  /** Weight decay factor λ. */
  weightDecay = 0;
  /** Whether AMSGrad is on. */
  amsgrad = false;
  /** AdamW: weight decay applied to the parameter (p ← p·(1 − lr·λ)) instead of added to the gradient. */
  protected readonly decoupled: boolean = false;

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}, name = 'optim.Adam', decoupled = false) {
    super(name, params, options.lr ?? 1e-3);
    this.decoupled = decoupled;
    this.setOptions({ weightDecay: decoupled ? 1e-2 : 0, ...options } as Record<string, unknown>);
  }

  protected options(): Record<string, unknown> {
    return { betas: [...this.betas], eps: this.eps, weightDecay: this.weightDecay, amsgrad: this.amsgrad };
  }

  protected setOptions(o: Record<string, unknown>): void {
    const { betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false } = o as AdamOptions;
    if (!Array.isArray(betas) || betas.length !== 2) throw new WebgradError(this.name, `betas must be [beta1, beta2], got ${JSON.stringify(betas)}`);
    checkNumber(this.name, 'betas[0]', betas[0], 0, 1);
    checkNumber(this.name, 'betas[1]', betas[1], 0, 1);
    checkNumber(this.name, 'eps', eps, 0);
    checkNumber(this.name, 'weightDecay', weightDecay, 0);
    Object.assign(this, { betas: [betas[0], betas[1]], eps, weightDecay, amsgrad: !!amsgrad });
  }

  /** Host-side constants of step t: lr / bc1 and √bc2. */
  private corrections(t: number): [number, number] {
    return [this.lr / (1 - this.betas[0] ** t), Math.sqrt(1 - this.betas[1] ** t)];
  }

  protected updateCpu(p: Tensor, s: ParamState): void {
    const [w, g] = [cpuData(p), cpuData(p.grad!)];
    const m = cpuData(this.stateTensor(p, s, 'expAvg'));
    const v = cpuData(this.stateTensor(p, s, 'expAvgSq'));
    const vmax = this.amsgrad ? cpuData(this.stateTensor(p, s, 'maxExpAvgSq')) : null;
    const [b1, b2] = this.betas;
    const [stepSize, bc2Sqrt] = this.corrections(s.step);
    const wd = this.weightDecay;
    for (let i = 0; i < p.size; i++) {
      let wi = w[i];
      let gi = g[i];
      if (this.decoupled) wi *= 1 - this.lr * wd;
      else gi += wd * wi;
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      let vi = v[i];
      if (vmax) vi = vmax[i] = Math.max(vmax[i], vi);
      w[i] = wi - stepSize * (m[i] / (Math.sqrt(vi) / bc2Sqrt + this.eps));
    }
  }

  protected updateGpu(gpu: WebGPUBackend, p: Tensor, s: ParamState, status: GPUBuffer, stepId: number): void {
    const m = this.stateTensor(p, s, 'expAvg');
    const v = this.stateTensor(p, s, 'expAvgSq');
    const vmax = this.amsgrad ? gpuBuffer(this.stateTensor(p, s, 'maxExpAvgSq')) : dummyBuffer(gpu);
    const [stepSize, bc2Sqrt] = this.corrections(s.step);
    const flags = (this.decoupled ? 1 : 0) | (this.amsgrad ? 2 : 0);
    const words = uniformWords([
      p.size,
      stepId,
      flags,
      0,
      { f: this.lr },
      { f: this.betas[0] },
      { f: this.betas[1] },
      { f: this.eps },
      { f: this.weightDecay },
      { f: stepSize },
      { f: bc2Sqrt },
      0,
    ]);
    const k = gpuKernel('optim:adam', adamWgsl, {}, [2, 4]);
    gpu.run(k, [gpuBuffer(p.grad!), status, gpuBuffer(p), gpuBuffer(m), gpuBuffer(v), vmax], words, groups1d(p.size));
  }
}

/** AdamW, `torch.optim.AdamW`: Adam with decoupled weight decay p ← p·(1 − lr·λ) (default λ = 0.01). */
export class AdamW extends Adam {
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, options, 'optim.AdamW', true);
  }
}
