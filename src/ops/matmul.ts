// Matrix products: matmul with torch.matmul's rules (1-D operands, broadcast batch dims) and dot.
// One kernel (shaders/matmul.wgsl) computes C = op(A)·op(B) per batch, op being identity or transpose, so
// the backward dA = dY·Bᵀ and dB = Aᵀ·dY reuse it reading an operand transposed.
import { add } from './elementwise';
import { bilinearJvp, bind1, primitive, Primitive } from '../autograd/primitive';
import { broadcastStrides, collapseDims, fmt, packDims, Shape, sizeOf, stridedOffsets, WebgradError } from '../shape';
import { assertUsable, Tensor } from '../tensor';
import type { GpuKernel } from '../backend/webgpu/kernel';
import { addMethods, asWebGPU, cpuData, empty, gpuBuffer, gpuKernel, uniformWords } from './util';
import { reshape } from './shape';
import matmulWgsl from '../../shaders/matmul.wgsl?raw';

/** Largest workgroup count in one dispatch dimension (WebGPU's default limit). */
const MAX_GROUPS = 65535;

/**
 * One product C[z] = op(A)[z] · op(B)[z] for z over the (collapsed) output batch dims. `a` is stored
 * [..., m, k] ([..., k, m] when transA), `b` [..., k, n] ([..., n, k] when transB); strides are per
 * operand, in elements, 0 on broadcast batch dims.
 */
interface Product {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  batch: number[];
  aStrides: number[];
  bStrides: number[];
}

/** Tile shape of the WGSL kernel: TM × TN outputs per workgroup, RM × RN per invocation, K step TK. */
export interface MatmulTiling {
  tm: number;
  tn: number;
  tk: number;
  rm: number;
  rn: number;
}

/**
 * Tilings by output tile size (largest first). GPUs: 16×16 invocations, with 4×4 outputs each on the
 * classic 64×64 tile. CPU drivers (SwiftShader, llvmpipe) run invocations 4 lanes at a time and turn every
 * load from workgroup memory into a per-lane gather, so there fewer invocations with taller blocks win:
 * 16×8 outputs each loads 3 values per 8 multiply-adds instead of 1 per 2, measured 2–3× faster on
 * SwiftShader than 4×4 (bench/matmul.mjs). Small tiles serve small matrices: a workgroup costs its whole
 * tile, however little of it lies inside C.
 */
export const MATMUL_TILINGS = {
  gpu: [
    { tm: 64, tn: 64, tk: 16, rm: 4, rn: 4 },
    { tm: 32, tn: 32, tk: 16, rm: 2, rn: 2 },
    { tm: 16, tn: 16, tk: 16, rm: 1, rn: 1 },
    { tm: 8, tn: 8, tk: 8, rm: 1, rn: 1 },
  ],
  cpu: [
    { tm: 64, tn: 64, tk: 16, rm: 16, rn: 8 },
    { tm: 32, tn: 32, tk: 16, rm: 16, rn: 4 },
    { tm: 16, tn: 16, tk: 16, rm: 8, rn: 4 },
    { tm: 8, tn: 8, tk: 8, rm: 4, rn: 2 },
  ],
} satisfies Record<string, MatmulTiling[]>;

let forcedTilings: readonly MatmulTiling[] | null = null;

/** Internal (tests): choose among `tilings` on every adapter, or among the adapter's own again with null. */
export function forceMatmulTilings(tilings: readonly MatmulTiling[] | null): void {
  forcedTilings = tilings;
}

/** The largest tile whose padded output area is at most twice the smallest padded area of any tiling. */
function tilingFor(cpuDriver: boolean, m: number, n: number): MatmulTiling {
  const tilings = forcedTilings ?? (cpuDriver ? MATMUL_TILINGS.cpu : MATMUL_TILINGS.gpu);
  const padded = (t: MatmulTiling): number => Math.ceil(m / t.tm) * t.tm * Math.ceil(n / t.tn) * t.tn;
  const least = Math.min(...tilings.map(padded));
  return tilings.find((t) => padded(t) <= 2 * least)!;
}

/** The kernel template's unrolled RM × RN register block: declarations, one K step, guarded stores. */
function registerBlock({ rm, rn }: MatmulTiling): Record<string, string> {
  const rows = [...Array(rm).keys()];
  const cols = [...Array(rn).keys()];
  const each = <T>(f: (r: number, c: number) => T): T[] => rows.flatMap((r) => cols.map((c) => f(r, c)));
  const step = [
    ...rows.map((r) => `let a_${r} = tile_a[a_at(my_row + ${r}u, kk)];`),
    ...cols.map((c) => `let b_${c} = tile_b[kk * TN + tx + ${c}u * WGX];`),
    ...each((r, c) => `acc_${r}_${c} = fma(a_${r}, b_${c}, acc_${r}_${c});`),
  ];
  const store = rows.map((r) =>
    [
      `if (row0 + my_row + ${r}u < params.m) {`,
      `    let row_${r} = c_base + (row0 + my_row + ${r}u) * params.n;`,
      ...cols.map((c) => `    if (col0 + tx + ${c}u * WGX < params.n) { cs[row_${r} + col0 + tx + ${c}u * WGX] = acc_${r}_${c}; }`),
      '  }',
    ].join('\n'),
  );
  return {
    ACC_DECL: each((r, c) => `var acc_${r}_${c} = 0.0;`).join('\n  '),
    ACCUMULATE: step.join('\n      '),
    STORE: store.join('\n  '),
  };
}

const matmulKernels = new Map<string, GpuKernel>();

function gpuProduct(a: Tensor, b: Tensor, out: Tensor, p: Product): void {
  const gpu = asWebGPU(a.backend);
  const t = tilingFor(gpu.cpuDriver, p.m, p.n);
  const trans = `${p.transA ? 'T' : 'N'}${p.transB ? 'T' : 'N'}`;
  const key = `matmul:${t.tm}x${t.tn}x${t.tk}:${t.rm}x${t.rn}:${trans}`;
  let kernel = matmulKernels.get(key);
  if (!kernel) {
    // The unrolled body is built once per tiling, not per call (string building cost ~100 µs).
    const values = {
      TM: t.tm,
      TN: t.tn,
      TK: t.tk,
      RM: t.rm,
      WGX: t.tn / t.rn,
      WGY: t.tm / t.rm,
      TRANS_A: String(p.transA),
      TRANS_B: String(p.transB),
      ...registerBlock(t),
    };
    kernel = gpuKernel(key, matmulWgsl, values, [2, 1]);
    matmulKernels.set(key, kernel);
  }
  const buffers = [gpuBuffer(a), gpuBuffer(b), gpuBuffer(out)];
  const dims = packDims('matmul', [p.batch, p.aStrides, p.bStrides]);
  const groups = [Math.ceil(p.n / t.tn), Math.ceil(p.m / t.tm), sizeOf(p.batch)];
  // Grids past the per-dimension limit go in several dispatches, each offset by its first workgroup.
  for (let z = 0; z < groups[2]; z += MAX_GROUPS) {
    for (let y = 0; y < groups[1]; y += MAX_GROUPS) {
      for (let x = 0; x < groups[0]; x += MAX_GROUPS) {
        const words = uniformWords([p.m, p.n, p.k, p.batch.length, x, y, z, 0, ...dims]);
        const count = [x, y, z].map((o, i) => Math.min(MAX_GROUPS, groups[i] - o));
        gpu.run(kernel, buffers, words, count);
      }
    }
  }
}

/** CPU reference: per batch, i-k-j loops (i-j-k dot products when B is read transposed) in float64. */
function cpuProduct(a: Tensor, b: Tensor, out: Tensor, p: Product): void {
  const [as, bs, cs] = [cpuData(a), cpuData(b), cpuData(out)];
  const { m, n, k, transA, transB } = p;
  const rowA = transA ? 1 : k; // step between rows of op(A)
  const colA = transA ? m : 1; // step between columns of op(A)
  const row = new Float64Array(n);
  const at = [0, 0];
  for (let z = 0; z < sizeOf(p.batch); z++) {
    const [oa, ob] = stridedOffsets(z, p.batch, p.aStrides, p.bStrides, at);
    const oc = z * m * n;
    for (let i = 0; i < m; i++) {
      const ai = oa + i * rowA;
      if (transB) {
        // B stored [n, k]: both operands walk k contiguously.
        for (let j = 0; j < n; j++) {
          let s = 0;
          const bj = ob + j * k;
          for (let q = 0; q < k; q++) s += as[ai + q * colA] * bs[bj + q];
          cs[oc + i * n + j] = s;
        }
        continue;
      }
      row.fill(0);
      for (let q = 0; q < k; q++) {
        const aiq = as[ai + q * colA];
        const bq = ob + q * n;
        for (let j = 0; j < n; j++) row[j] += aiq * bs[bq + j];
      }
      for (let j = 0; j < n; j++) cs[oc + i * n + j] = row[j];
    }
  }
}

/**
 * The plan of op(a)·op(b) for operands stored with shapes `aShape`, `bShape` (at least 2 dims, batch
 * dims broadcasting to those of `outShape` = [...outBatch, m, n]).
 */
function plan(aShape: Shape, bShape: Shape, transA: boolean, transB: boolean, outShape: Shape): Product {
  const outBatch = outShape.slice(0, -2);
  const [m, n] = outShape.slice(-2);
  const k = aShape[aShape.length - (transA ? 2 : 1)];
  const strides = (s: Shape): number[] => {
    const matrix = s[s.length - 1] * s[s.length - 2];
    return broadcastStrides(s.slice(0, -2), outBatch).map((st) => st * matrix);
  };
  const batch = collapseDims(outBatch, [strides(aShape), strides(bShape)]);
  return { m, n, k, transA, transB, batch: batch.shape, aStrides: batch.strides[0], bStrides: batch.strides[1] };
}

interface ProductParams {
  transA: boolean;
  transB: boolean;
}

/** op(a)·op(b) for operands of at least 2 dims with broadcast batch dims: the output's shape. */
function productShape(a: Shape, b: Shape, { transA, transB }: ProductParams): number[] {
  const m = a[a.length - (transA ? 1 : 2)];
  const n = b[b.length - (transB ? 2 : 1)];
  return [...broadcastBatch(a.slice(0, -2), b.slice(0, -2), a, b), m, n];
}

/** Runs op(a)·op(b) into a new tensor (`run` is the backend's kernel). */
function runProduct(a: Tensor, b: Tensor, p: ProductParams, run: (a: Tensor, b: Tensor, out: Tensor, p: Product) => void): Tensor[] {
  const outShape = productShape(a.shape, b.shape, p);
  const out = empty(a.backend, outShape);
  if (out.size === 0) return [out];
  const [m, n] = outShape.slice(-2);
  const k = a.shape[a.ndim - (p.transA ? 2 : 1)];
  const batch = sizeOf(outShape.slice(0, -2));
  // B shared by every batch of A (A not transposed): the batches stack into one [Z·m, k]·[k, n] product.
  if (!p.transA && batch > 1 && sizeOf(b.shape.slice(0, -2)) === 1 && sizeOf(a.shape.slice(0, -2)) === batch) {
    run(a, b, out, plan([batch * m, k], b.shape.slice(-2), false, p.transB, [batch * m, n]));
  } else {
    run(a, b, out, plan(a.shape, b.shape, p.transA, p.transB, outShape));
  }
  return [out];
}

/**
 * op(A)·op(B), op being identity or transpose. Its VJP is the same primitive with other flags, so it is
 * fused at every order: dA = g·op(B)ᵀ (or op(B)·gᵀ when A is read transposed), dB = op(A)ᵀ·g (or gᵀ·op(A)).
 */
const productPrim: Primitive<ProductParams> = primitive<ProductParams>({
  name: 'matmul',
  impl: {
    cpu: ([a, b], p) => runProduct(a, b, p, cpuProduct),
    webgpu: ([a, b], p) => runProduct(a, b, p, gpuProduct),
  },
  vjp([g], { inputs: [a, b], params: { transA, transB } }) {
    if (!g) return [null, null];
    const da = !a.requiresGrad ? null : transA ? product(b, g, transB, true) : product(g, b, false, !transB);
    return [da, b.requiresGrad ? gradOfB(a, b, g, transA, transB) : null];
  },
  // Bilinear: op(Ȧ)·op(B) + op(A)·op(Ḃ).
  jvp: (tangents, ctx) => bilinearJvp(productPrim, add)(tangents, ctx),
});

/** dB, with A's batches stacked into rows when B is shared by all of them (one product, no batch sum). */
function gradOfB(a: Tensor, b: Tensor, g: Tensor, transA: boolean, transB: boolean): Tensor {
  if (!transA && b.ndim === 2 && a.ndim > 2) {
    const [rows, k] = [a.size / a.shape[a.ndim - 1], a.shape[a.ndim - 1]];
    const [a2, g2] = [reshape(a, [rows, k]), reshape(g, [rows, g.shape[g.ndim - 1]])];
    return transB ? product(g2, a2, true, false) : product(a2, g2, true, false);
  }
  return transB ? product(g, a, true, transA) : product(a, g, !transA, false);
}

/** op(a)·op(b) recorded for autograd (both operands at least 2-D). */
export function product(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  return bind1(productPrim, [a, b], { transA, transB });
}

/**
 * Matrix product with `torch.matmul`'s rules: `[..., m, k] @ [..., k, n]` with NumPy-broadcast batch
 * dims; a 1-D first operand is a row vector and a 1-D second operand a column vector, the added dim
 * removed from the result (1-D @ 1-D is the 0-d dot product).
 * @example matmul(randn([8, 3, 4]), randn([4, 5])) // shape [8, 3, 5]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) {
    throw new WebgradError('matmul', `expected two Tensors, got ${typeof a} and ${typeof b}`);
  }
  assertUsable('matmul', a, b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new WebgradError('matmul', `both operands need at least 1 dim, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  const kA = a.shape[a.ndim - 1];
  const kB = b.ndim === 1 ? b.shape[0] : b.shape[b.ndim - 2];
  if (kA !== kB) {
    throw new WebgradError('matmul', `inner dims differ: ${fmt(a.shape)} @ ${fmt(b.shape)} (${kA} vs ${kB})`);
  }
  const a2 = a.ndim === 1 ? reshape(a, [1, kA]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [kB, 1]) : b;
  const outBatch = broadcastBatch(a2.shape.slice(0, -2), b2.shape.slice(0, -2), a.shape, b.shape);
  const y = product(a2, b2);
  if (a.ndim > 1 && b.ndim > 1) return y;
  const shape = [...outBatch, ...(a.ndim > 1 ? [a.shape[a.ndim - 2]] : []), ...(b.ndim > 1 ? [b.shape[b.ndim - 1]] : [])];
  const out = reshape(y, shape);
  // Outside the graph the 2-D views and the 2-D result are only handles on shared storage: free them now.
  if (!out.requiresGrad) [y, a2, b2].forEach((t) => t !== a && t !== b && t.dispose());
  return out;
}

/** NumPy broadcast of the batch dims, with an error naming the full operand shapes. */
function broadcastBatch(x: Shape, y: Shape, aShape: Shape, bShape: Shape): number[] {
  const n = Math.max(x.length, y.length);
  return Array.from({ length: n }, (_, i) => {
    const dx = x[x.length - n + i] ?? 1;
    const dy = y[y.length - n + i] ?? 1;
    if (dx !== dy && dx !== 1 && dy !== 1) {
      throw new WebgradError('matmul', `batch dims of ${fmt(aShape)} and ${fmt(bShape)} cannot be broadcast (${dx} vs ${dy})`);
    }
    return dx === 1 ? dy : dx;
  });
}

/** Inner product of two 1-D tensors of the same length (a 0-d tensor). */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor) || a.ndim !== 1 || b.ndim !== 1) {
    const show = (t: unknown): string => (t instanceof Tensor ? fmt(t.shape) : typeof t);
    throw new WebgradError('dot', `needs two 1-D tensors, got ${show(a)} and ${show(b)}`);
  }
  if (a.shape[0] !== b.shape[0]) throw new WebgradError('dot', `lengths differ: ${fmt(a.shape)} and ${fmt(b.shape)}`);
  return matmul(a, b);
}

declare module '../tensor' {
  interface Tensor {
    /** Matrix product with batch broadcasting (`torch.matmul` rules, 1-D operands included). */
    matmul(other: Tensor): Tensor;
    /** The inner product of two vectors of equal length, as a 0-d tensor. */
    dot(other: Tensor): Tensor;
  }
}

addMethods({ matmul, dot });
