// gradcheck: the recorded gradient (on the inputs' backend, so WebGPU backward kernels are what is checked)
// against central finite differences of the same function evaluated by the float64 CPU reference.
import { cpu64Backend, FloatArray } from '../backend/cpu';
import { fromArray, mulberry32 } from '../ops/creation';
import { withBackend } from '../runtime';
import { WebgradError } from '../shape';
import { Tensor } from '../tensor';
import { computeGradients } from './backward';
import { grad } from './functional';
import { enableGrad, noGrad } from './node';

/** Options of {@link gradcheck} and {@link gradgradcheck}. */
export interface GradcheckOptions {
  /** Finite-difference step (on the float64 reference). Default 1e-6. */
  eps?: number;
  /** Absolute tolerance. Default 1e-4. */
  atol?: number;
  /** Relative tolerance. Default 1e-3. */
  rtol?: number;
  /** Seed of the random projection of a non-scalar output. */
  seed?: number;
  /** Throw on mismatch (default) or return the report. */
  raise?: boolean;
}

/** The comparison {@link gradcheck} made. */
export interface GradcheckReport {
  /** Whether every element agreed within the tolerances. */
  ok: boolean;
  /** Largest |analytical − numerical| over all input elements. */
  maxAbsError: number;
  /** The recorded gradient per input. */
  analytical: Float32Array[];
  /** The float64 central differences per input. */
  numerical: Float64Array[];
}

/**
 * Checks d⟨v, f(x)⟩/dx from backward against central differences (f(x+h) − f(x−h)) / 2h computed in
 * float64 on the CPU reference, for a fixed random projection v of the output. `f` must build every tensor
 * it uses from its arguments or from creation functions (so it can be re-run on the reference backend).
 */
export async function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): Promise<GradcheckReport> {
  const { eps = 1e-6, atol = 1e-4, rtol = 1e-3, seed = 7, raise = true } = options;
  const leaves = inputs.map((x) => x.detach().requiresGrad_());
  const y = enableGrad(() => f(...leaves));
  if (!(y instanceof Tensor)) throw new WebgradError('gradcheck', 'the function must return a Tensor');
  const next = mulberry32(seed);
  const v = Float64Array.from({ length: y.size }, () => 2 * next() - 1);
  const vT = fromArray(v, y.shape, { backend: y.backend });
  const grads = y.requiresGrad ? computeGradients([y], [vT], leaves) : new Map<Tensor, Tensor>();
  const analytical = await Promise.all(leaves.map((l) => grads.get(l)?.data() ?? Promise.resolve(new Float32Array(l.size))));
  [...grads.values(), vT, y, ...leaves].forEach((t) => t.dispose());

  const base = await Promise.all(inputs.map(async (x) => Float64Array.from(await x.data())));
  const projected = (xs: Float64Array[]): number =>
    noGrad(() =>
      withBackend(cpu64Backend, () => {
        const ts = xs.map((d, i) => new Tensor(cpu64Backend.upload(d), inputs[i].shape));
        const out = f(...ts);
        const ys = out.storageFor('gradcheck').payload as FloatArray;
        let s = 0;
        for (let i = 0; i < v.length; i++) s += v[i] * ys[i];
        out.dispose();
        ts.forEach((t) => t.dispose());
        return s;
      }),
    );
  const numerical = base.map((xi) => {
    const g = new Float64Array(xi.length);
    for (let j = 0; j < xi.length; j++) {
      const orig = xi[j];
      xi[j] = orig + eps;
      const fp = projected(base);
      xi[j] = orig - eps;
      const fm = projected(base);
      xi[j] = orig;
      g[j] = (fp - fm) / (2 * eps);
    }
    return g;
  });

  let maxAbsError = 0;
  let worst = '';
  let ok = true;
  numerical.forEach((num, i) =>
    num.forEach((n, j) => {
      const a = analytical[i][j];
      const err = Math.abs(a - n);
      if (!(err <= atol + rtol * Math.abs(n))) {
        if (ok) worst = `input ${i}, element ${j}: analytical ${a}, numerical ${n}`;
        ok = false;
      }
      if (err > maxAbsError || Number.isNaN(err)) maxAbsError = err;
    }),
  );
  if (!ok && raise) throw new WebgradError('gradcheck', `gradient mismatch (atol ${atol}, rtol ${rtol}) at ${worst}; max abs error ${maxAbsError}`);
  return { ok, maxAbsError, analytical, numerical };
}

/**
 * Checks second derivatives like `torch.autograd.gradgradcheck`: for a fixed random projection v of the
 * output, the gradient x ↦ ∇ₓ⟨v, f(x)⟩ (recorded with a graph of its own) is itself checked by `gradcheck`
 * against central differences of that gradient on the float64 reference. Returns one report per input.
 */
export async function gradgradcheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): Promise<GradcheckReport[]> {
  const { seed = 7 } = options;
  const reports: GradcheckReport[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const gradient = (...xs: Tensor[]): Tensor =>
      grad((...ys: Tensor[]) => {
        const y = f(...ys);
        const next = mulberry32(seed + 1);
        const v = fromArray(
          Float64Array.from({ length: y.size }, () => 2 * next() - 1),
          y.shape,
          { backend: y.backend },
        );
        return v.mul(y).sum();
      })(...xs)[i];
    reports.push(await gradcheck(gradient, inputs, { ...options, seed: seed + 2 + i }));
  }
  return reports;
}
