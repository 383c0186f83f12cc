// SGD with momentum, dampening, weight decay and Nesterov momentum: torch.optim.SGD's update, one fused
// kernel per parameter (shaders/optim/sgd.wgsl) beside the CPU reference.
import { groups1d } from '../backend/webgpu/kernel';
import type { WebGPUBackend } from '../backend/webgpu/webgpuBackend';
import { dummyBuffer } from '../nn/deviceStatus';
import { cpuData, gpuBuffer, gpuKernel, uniformWords } from '../ops/util';
import { WebgradError } from '../shape';
import type { Tensor } from '../tensor';
import { checkNumber, Optimizer, ParamState } from './optimizer';
import sgdWgsl from '../../shaders/optim/sgd.wgsl?raw';

/** Hyperparameters of `SGD` (PyTorch's defaults). */
export interface SGDOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening of the momentum (default 0). */
  dampening?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and no dampening). */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent, `torch.optim.SGD`'s formulas: d = g + λ·p; with momentum μ the buffer is
 * b = d on the first step, then μ·b + (1 − τ)·d, and d = d + μ·b (Nesterov) or b; then p ← p − lr·d.
 */
export class SGD extends Optimizer {
  /** Momentum factor. */
  momentum = 0;
  /** Dampening of the momentum. */
  dampening = 0;
  /** L2 penalty. */
  weightDecay = 0;
  /** Whether Nesterov momentum is on. */
  nesterov = false;

  constructor(params: Iterable<Tensor>, options: SGDOptions = {}) {
    super('optim.SGD', params, options.lr ?? 1e-3);
    this.setOptions(options as Record<string, unknown>);
  }

  protected options(): Record<string, unknown> {
    return { momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov };
  }

  protected setOptions(o: Record<string, unknown>): void {
    const { momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = o as SGDOptions;
    checkNumber(this.name, 'momentum', momentum, 0);
    checkNumber(this.name, 'dampening', dampening, 0);
    checkNumber(this.name, 'weightDecay', weightDecay, 0);
    if (nesterov && (momentum <= 0 || dampening !== 0))
      throw new WebgradError(this.name, 'Nesterov momentum requires a momentum > 0 and zero dampening');
    Object.assign(this, { momentum, dampening, weightDecay, nesterov: !!nesterov });
  }

  protected updateCpu(p: Tensor, s: ParamState): void {
    const [w, g] = [cpuData(p), cpuData(p.grad!)];
    const b = this.momentum !== 0 ? cpuData(this.stateTensor(p, s, 'momentumBuffer')) : null;
    const first = s.step === 1;
    for (let i = 0; i < p.size; i++) {
      let d = g[i] + this.weightDecay * w[i];
      if (b) {
        b[i] = first ? d : this.momentum * b[i] + (1 - this.dampening) * d;
        d = this.nesterov ? d + this.momentum * b[i] : b[i];
      }
      w[i] = w[i] - this.lr * d;
    }
  }

  protected updateGpu(gpu: WebGPUBackend, p: Tensor, s: ParamState, status: GPUBuffer, stepId: number): void {
    const useMomentum = this.momentum !== 0;
    const buf = useMomentum ? gpuBuffer(this.stateTensor(p, s, 'momentumBuffer')) : dummyBuffer(gpu);
    const flags = (useMomentum ? 1 : 0) | (this.nesterov ? 2 : 0);
    const words = uniformWords([
      p.size,
      stepId,
      s.step === 1 ? 1 : 0,
      flags,
      { f: this.lr },
      { f: this.momentum },
      { f: this.dampening },
      { f: this.weightDecay },
    ]);
    const k = gpuKernel('optim:sgd', sgdWgsl, {}, [2, 2]);
    gpu.run(k, [gpuBuffer(p.grad!), status, gpuBuffer(p), buf], words, groups1d(p.size));
  }
}
