// Cross-entropy of logits against integer class targets: one fused log-softmax + NLL kernel per call
// (shaders/nn/cross_entropy.wgsl) with its own backward kernel (cross_entropy.backward.wgsl), the CPU
// reference beside them, and the rule that ties them together. Label smoothing as in torch.
import { bind, needsComposite, primitive } from '../../autograd/primitive';
import { groups1d } from '../../backend/webgpu/kernel';
import { arange, fromArray } from '../../ops/creation';
import { add, eq, exp, mul, sub } from '../../ops/elementwise';
import { sum } from '../../ops/reduce';
import { reshape, unsqueeze } from '../../ops/shape';
import { asWebGPU, cpuData, empty, gpuBuffer, gpuKernel, uniformWords } from '../../ops/util';
import { fmt, WebgradError } from '../../shape';
import { assertUsable, Tensor } from '../../tensor';
import { deviceStatus } from '../deviceStatus';
import { checkReduction, reduceLoss, Reduction } from './reduction';
import crossEntropyWgsl from '../../../shaders/nn/cross_entropy.wgsl?raw';
import crossEntropyBackwardWgsl from '../../../shaders/nn/cross_entropy.backward.wgsl?raw';

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /** ε in [0, 1]: the target distribution is (1 − ε)·onehot + ε / C (torch's label_smoothing). Default 0. */
  labelSmoothing?: number;
  /** 'mean' (default), 'sum' or 'none' (one loss per row). */
  reduction?: Reduction;
}

/** Integer class labels (float32 values) or a host array of them. */
export type Labels = Tensor | readonly number[];

/** Throws naming `op` at the first label that is not an integer in [0, classes). */
export function checkLabels(op: string, labels: ArrayLike<number>, classes: number): void {
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    if (!Number.isInteger(t))
      throw new WebgradError(op, `target[${i}] = ${t} is not an integer class index (targets are class labels 0…${classes - 1})`);
    if (t < 0 || t >= classes) throw new WebgradError(op, `target[${i}] = ${t} is out of range for ${classes} classes`);
  }
}

/** The target as a tensor on the logits' backend (host arrays and CPU tensors checked here), plus whether it was made here. */
export function labelTensor(op: string, logits: Tensor, target: Labels, rows: number, classes: number): { t: Tensor; made: boolean } {
  const want = logits.ndim === 2 ? [rows] : [];
  if (target instanceof Tensor) {
    assertUsable(op, logits, target);
    if (target.ndim !== want.length || (want.length === 1 && target.shape[0] !== rows)) {
      throw new WebgradError(
        op,
        `target of shape ${fmt(target.shape)} does not match logits of shape ${fmt(logits.shape)} (expected target shape ${fmt(want)})`,
      );
    }
    if (target.backend.name === 'cpu') checkLabels(op, cpuData(target).subarray(0, target.size), classes);
    return { t: target, made: false };
  }
  if (!Array.isArray(target)) throw new WebgradError(op, `target must be a Tensor or an array of class indices, got ${typeof target}`);
  if (target.some((v) => typeof v !== 'number')) throw new WebgradError(op, 'target arrays must hold numbers (class indices)');
  if (target.length !== rows || (want.length === 0 && target.length !== 1)) {
    throw new WebgradError(op, `target of length ${target.length} does not match logits of shape ${fmt(logits.shape)} (${rows} rows)`);
  }
  checkLabels(op, target, classes);
  return { t: fromArray(target, want, { backend: logits.backend }), made: true };
}

/** [rows, classes] of 1-D ([C]) or 2-D ([N, C]) logits. */
export function rowsAndClasses(op: string, logits: Tensor): [number, number] {
  if (!(logits instanceof Tensor)) throw new WebgradError(op, `logits must be a Tensor, got ${typeof logits}`);
  assertUsable(op, logits);
  if (logits.ndim === 1) return [1, logits.shape[0]];
  if (logits.ndim === 2) return [logits.shape[0], logits.shape[1]];
  throw new WebgradError(op, `expects logits of shape [N, C] or [C], got ${fmt(logits.shape)}`);
}

// ---- kernels: forward (per-row losses and log-sum-exp) and backward, GPU and CPU reference ----------

function forwardKernel(x: Tensor, t: Tensor, rows: number, classes: number, eps: number): [Tensor, Tensor] {
  const loss = empty(x.backend, [rows]);
  const lse = empty(x.backend, [rows]);
  if (rows === 0) return [loss, lse];
  if (x.backend.name === 'cpu') {
    const [xs, ts, ls, es] = [cpuData(x), cpuData(t), cpuData(loss), cpuData(lse)];
    for (let r = 0; r < rows; r++) {
      let m = -Infinity;
      let total = 0;
      for (let j = 0; j < classes; j++) {
        m = Math.max(m, xs[r * classes + j]);
        total += xs[r * classes + j];
      }
      let s = 0;
      for (let j = 0; j < classes; j++) s += Math.exp(xs[r * classes + j] - m);
      const l = m + Math.log(s);
      es[r] = l;
      ls[r] = l - (1 - eps) * xs[r * classes + ts[r]] - (eps / classes) * total;
    }
  } else {
    const gpu = asWebGPU(x.backend);
    const status = deviceStatus(gpu, 'crossEntropy', 3, (w) => {
      const value = new Float32Array(new Uint32Array([w[1]]).buffer)[0];
      return new WebgradError(
        'crossEntropy',
        `target[${w[2]}] = ${value} is not a class index in [0, C) (found on the GPU after the call; that loss is NaN)`,
      );
    });
    const k = gpuKernel('nn:cross_entropy', crossEntropyWgsl, {}, [2, 3]);
    const words = uniformWords([rows, classes, status.nextCall(), 0, { f: eps }]);
    gpu.run(k, [gpuBuffer(x), gpuBuffer(t), gpuBuffer(loss), gpuBuffer(lse), status.buffer], words, [Math.ceil(rows / 64)]);
  }
  return [loss, lse];
}

function backwardKernel(x: Tensor, t: Tensor, lse: Tensor, g: Tensor, classes: number, eps: number): Tensor {
  const dx = empty(x.backend, x.shape);
  if (dx.size === 0) return dx;
  if (x.backend.name === 'cpu') {
    const [xs, ts, es, gs, ds] = [cpuData(x), cpuData(t), cpuData(lse), cpuData(g), cpuData(dx)];
    for (let i = 0; i < x.size; i++) {
      const r = Math.floor(i / classes);
      const q = (i % classes === ts[r] ? 1 - eps : 0) + eps / classes;
      ds[i] = gs[r] * (Math.exp(xs[i] - es[r]) - q);
    }
  } else {
    const k = gpuKernel('nn:cross_entropy_bwd', crossEntropyBackwardWgsl, {}, [4, 1]);
    const words = uniformWords([x.size, classes, 0, 0, { f: eps }]);
    asWebGPU(x.backend).run(k, [x, t, lse, g, dx].map(gpuBuffer), words, groups1d(x.size));
  }
  return dx;
}

// ---- primitive -------------------------------------------------------------------------------------

interface CrossEntropyParams {
  rows: number;
  classes: number;
  eps: number;
}

/** softmax(x) − q per row, q the smoothed one-hot target (1 − ε at the label, ε/C everywhere): in ops. */
function softmaxMinusTarget(x: Tensor, t: Tensor, lse: Tensor, { classes, eps }: CrossEntropyParams): [Tensor, Tensor] {
  const p = exp(sub(x, unsqueeze(lse, -1)));
  const oneHot = eq(unsqueeze(t, -1), arange(classes, undefined, 1, { backend: x.backend }));
  const q = add(mul(oneHot, 1 - eps), eps / classes);
  return [sub(p, q), p];
}

/**
 * Inputs [logits [N, C], target [N]] → [loss [N], log-sum-exp [N]]. Backward: the fused kernel
 * g·(softmax − q) unless the backward is being recorded, then the same in ops; forward mode in ops.
 */
const crossEntropyPrim = primitive<CrossEntropyParams>({
  name: 'crossEntropy',
  impl: {
    cpu: ([x, t], p) => forwardKernel(x, t, p.rows, p.classes, p.eps),
    webgpu: ([x, t], p) => forwardKernel(x, t, p.rows, p.classes, p.eps),
  },
  vjp([g, glse], { inputs: [x, t], outputs: [, lse], params }) {
    if (!glse && g && !needsComposite([x, lse, g])) return [backwardKernel(x, t, lse, g, params.classes, params.eps), null];
    const [d, p] = softmaxMinusTarget(x, t, lse, params);
    const fromLoss = g ? mul(d, unsqueeze(g, -1)) : null;
    const fromLse = glse ? mul(p, unsqueeze(glse, -1)) : null;
    return [fromLoss && fromLse ? add(fromLoss, fromLse) : (fromLoss ?? fromLse), null];
  },
  jvp([tx], { inputs: [x, t], outputs: [, lse], params }) {
    if (!tx) return [null, null];
    const [d, p] = softmaxMinusTarget(x, t, lse, params);
    return [sum(mul(tx, d), -1), sum(mul(tx, p), -1)];
  },
  saves: { inputs: true, outputs: true },
});

// ---- op -------------------------------------------------------------------------------------------

/**
 * Cross-entropy between `logits` ([N, C] or [C]) and integer class `target` ([N] or [], float32 values or
 * a host array), like `torch.nn.functional.cross_entropy`: one fused, overflow-free log-softmax + NLL
 * kernel, and one kernel for its gradient. Targets given as arrays or CPU tensors are checked at the call;
 * a WebGPU target tensor is checked on the GPU and a bad label raises at the next readback (its loss is NaN).
 * @example crossEntropy(model.forward(x), labels, { labelSmoothing: 0.1 })
 */
export function crossEntropy(logits: Tensor, target: Labels, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const [rows, classes] = rowsAndClasses(op, logits);
  const reduction = checkReduction(op, options.reduction);
  const eps = options.labelSmoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1)) throw new WebgradError(op, `labelSmoothing must be a number in [0, 1], got ${eps}`);
  if (classes === 0) throw new WebgradError(op, `logits of shape ${fmt(logits.shape)} have no classes`);
  const { t, made } = labelTensor(op, logits, target, rows, classes);
  const x2 = logits.ndim === 2 ? logits : reshape(logits, [rows, classes]);
  const t1 = t.ndim === 1 ? t : reshape(t, [rows]);
  const [loss, lse] = bind(crossEntropyPrim, [x2, t1], { rows, classes, eps });
  for (const temp of [x2 !== logits && x2, t1 !== t && t1, made && t]) if (temp) temp.dispose();
  lse.dispose();
  const perRow = logits.ndim === 1 ? reshapeScalar(loss) : loss;
  return reduceLoss(perRow, reduction);
}

/** [1] → [] for 1-D logits (the loss of one sample), keeping the graph. */
function reshapeScalar(loss: Tensor): Tensor {
  const y = reshape(loss, []);
  loss.dispose();
  return y;
}
