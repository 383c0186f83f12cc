import { describe, expect, it } from 'vitest';
import { dot, gradcheck, matmul, memory, randn, tensor, Tensor, zeros } from '../src/index';
import { mulberry32 } from '../src/ops/creation';
import { forceMatmulTilings, MATMUL_TILINGS } from '../src/ops/matmul';
import { expectClose, forEachBackend, values } from './setup/backends';

/** Seeded standard-normal-ish data (sum of uniforms), rounded to float32 like the tensors holding it. */
function data(size: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: size }, () => next() + next() + next() - 1.5);
}

const sizeOf = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/**
 * The oracle: a naive float64 batched matmul on plain arrays with NumPy batch broadcasting, written apart
 * from the library's CPU reference. Shapes have at least 2 dims.
 */
function naive(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[]): { out: Float64Array; shape: number[] } {
  const [m, k] = aShape.slice(-2);
  const n = bShape[bShape.length - 1];
  const ab = aShape.slice(0, -2);
  const bb = bShape.slice(0, -2);
  const rank = Math.max(ab.length, bb.length);
  const pad = (s: number[]): number[] => [...Array(rank - s.length).fill(1), ...s];
  const [pa, pb] = [pad(ab), pad(bb)];
  const batch = pa.map((d, i) => Math.max(d, pb[i]));
  const out = new Float64Array(sizeOf(batch) * m * n);
  for (let z = 0; z < sizeOf(batch); z++) {
    let rest = z;
    let za = 0;
    let zb = 0;
    let sa = 1;
    let sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const c = rest % batch[d];
      rest = Math.floor(rest / batch[d]);
      za += (pa[d] === 1 ? 0 : c) * sa;
      zb += (pb[d] === 1 ? 0 : c) * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a[za * m * k + i * k + q] * b[zb * k * n + q * n + j];
        out[z * m * n + i * n + j] = s;
      }
    }
  }
  return { out, shape: [...batch, m, n] };
}

/** Transpose of the last two dims of flat data. */
function transposed(x: Float32Array, shape: number[]): Float32Array {
  const [r, c] = shape.slice(-2);
  const out = new Float32Array(x.length);
  for (let z = 0; z < x.length / (r * c); z++) {
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[z * r * c + j * r + i] = x[z * r * c + i * c + j];
  }
  return out;
}

/** Sums a gradient of the broadcast batch shape down to an operand's shape (both with 2 trailing matrix dims). */
function sumBatchTo(g: Float64Array, gShape: number[], shape: number[]): Float64Array {
  const matrix = sizeOf(shape.slice(-2));
  const gb = gShape.slice(0, -2);
  const sb = [...Array(gb.length - (shape.length - 2)).fill(1), ...shape.slice(0, -2)];
  const out = new Float64Array(sizeOf(shape));
  for (let z = 0; z < sizeOf(gb); z++) {
    let rest = z;
    let target = 0;
    let stride = 1;
    for (let d = gb.length - 1; d >= 0; d--) {
      const c = rest % gb[d];
      rest = Math.floor(rest / gb[d]);
      target += (sb[d] === 1 ? 0 : c) * stride;
      stride *= sb[d];
    }
    for (let e = 0; e < matrix; e++) out[target * matrix + e] += g[z * matrix + e];
  }
  return out;
}

/** Float32-aware tolerance for sums of k products of O(1) values. */
const atolFor = (k: number): number => 1e-4 * Math.sqrt(Math.max(k, 1));

/** Swaps the last two dims of a shape. */
const swapped = (s: number[]): number[] => [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];

/**
 * Forward and backward of matmul at shapes with at least 2 dims against the oracle: y, then
 * dA = G·Bᵀ and dB = Aᵀ·G at the broadcast batch shape, summed down to each operand's shape.
 */
async function checkForwardBackward(as: number[], bs: number[], seed: number): Promise<void> {
  const [ad, bd] = [data(sizeOf(as), seed), data(sizeOf(bs), seed + 1)];
  const a = tensor(ad, { shape: as, requiresGrad: true });
  const b = tensor(bd, { shape: bs, requiresGrad: true });
  const y = matmul(a, b);
  const ref = naive(ad, as, bd, bs);
  expect(y.shape).toEqual(ref.shape);
  expectClose(await y.data(), ref.out, atolFor(as[as.length - 1]), 1e-5);
  const gd = data(y.size, seed + 2);
  y.backward(tensor(gd, { shape: y.shape }));
  const dA = naive(gd, ref.shape, transposed(bd, bs), swapped(bs));
  const dB = naive(transposed(ad, as), swapped(as), gd, ref.shape);
  expectClose(await a.grad!.data(), sumBatchTo(dA.out, dA.shape, as), 1e-3, 1e-4);
  expectClose(await b.grad!.data(), sumBatchTo(dB.out, dB.shape, bs), 1e-3, 1e-4);
}

forEachBackend((backend) => {
  describe('values against a naive float64 product', () => {
    const cases: [number, number, number][] = [
      [1, 1, 1],
      [7, 7, 7],
      [33, 33, 33],
      [67, 129, 45],
      [5, 3, 70],
      [130, 2, 3],
      [257, 257, 257],
    ];
    for (const [m, k, n] of cases) {
      it(`[${m}, ${k}] @ [${k}, ${n}]`, async () => {
        const [ad, bd] = [data(m * k, m + 1), data(k * n, n + 2)];
        const y = matmul(tensor(ad, { shape: [m, k] }), tensor(bd, { shape: [k, n] }));
        expect(y.shape).toEqual([m, n]);
        expectClose(await y.data(), naive(ad, [m, k], bd, [k, n]).out, atolFor(k), 1e-5);
      });
    }

    const batched: [number[], number[]][] = [
      [
        [3, 5, 4],
        [3, 4, 6],
      ], // same batch
      [
        [2, 1, 3, 4],
        [5, 4, 6],
      ], // both broadcast: [2, 5]
      [
        [4, 9, 5],
        [5, 7],
      ], // B shared: batches stacked into one product
      [
        [1, 2, 9, 5],
        [3, 1, 5, 7],
      ], // [3, 2]
      [
        [9, 5],
        [3, 5, 7],
      ], // A shared
      [
        [2, 3, 17, 33],
        [2, 1, 33, 65],
      ], // several tiles per batch, odd sizes
    ];
    for (const [as, bs] of batched) {
      it(`batched [${as}] @ [${bs}]`, async () => {
        const [ad, bd] = [data(sizeOf(as), 11), data(sizeOf(bs), 12)];
        const y = tensor(ad, { shape: as }).matmul(tensor(bd, { shape: bs }));
        const ref = naive(ad, as, bd, bs);
        expect(y.shape).toEqual(ref.shape);
        expectClose(await y.data(), ref.out, atolFor(as[as.length - 1]), 1e-5);
      });
    }
  });

  describe('1-D operands as torch.matmul', () => {
    const a = [1, 2, 3];
    it('1-D @ 1-D is the 0-d dot product', async () => {
      const y = matmul(tensor(a), tensor([4, -5, 6]));
      expect(y.shape).toEqual([]);
      expect(await y.item()).toBe(1 * 4 - 2 * 5 + 3 * 6);
      expect(await dot(tensor(a), tensor([1, 1, 1])).item()).toBe(6);
      expect(await tensor(a).dot(tensor(a)).item()).toBe(14);
    });
    it('1-D @ 2-D prepends then removes a dim', async () => {
      const y = matmul(
        tensor(a),
        tensor([
          [1, 0],
          [0, 1],
          [1, 1],
        ]),
      );
      expect(y.shape).toEqual([2]);
      expect(await values(y)).toEqual([4, 5]);
    });
    it('2-D @ 1-D appends then removes a dim', async () => {
      const y = matmul(
        tensor([
          [1, 0, 1],
          [0, 2, 0],
        ]),
        tensor(a),
      );
      expect(y.shape).toEqual([2]);
      expect(await values(y)).toEqual([4, 4]);
    });
    it('outside the graph, only the result stays alive (the 2-D views are freed)', async () => {
      const [x, w] = [
        tensor(a),
        tensor([
          [1, 0],
          [0, 1],
          [1, 1],
        ]),
      ];
      const before = memory().tensors;
      const y = matmul(x, w);
      expect(memory().tensors).toBe(before + 1);
      expect(await values(y)).toEqual([4, 5]);
      expect(await values(x)).toEqual(a);
    });
    it('1-D with batched operands broadcasts', async () => {
      const bd = data(2 * 3 * 4, 5);
      const y = matmul(tensor(a), tensor(bd, { shape: [2, 3, 4] }));
      expect(y.shape).toEqual([2, 4]);
      expectClose(await y.data(), naive(Float32Array.from(a), [1, 3], bd, [2, 3, 4]).out, 1e-5);
      const x = matmul(tensor(bd, { shape: [2, 4, 3] }), tensor(a));
      expect(x.shape).toEqual([2, 4]);
      expectClose(await x.data(), naive(bd, [2, 4, 3], Float32Array.from(a), [3, 1]).out, 1e-5);
    });
  });

  describe('empty dims', () => {
    it('k = 0 gives zeros; m = 0 gives an empty result', async () => {
      const y = matmul(zeros([3, 0]), zeros([0, 2]));
      expect(y.shape).toEqual([3, 2]);
      expect(await values(y)).toEqual([0, 0, 0, 0, 0, 0]);
      const e = matmul(zeros([2, 0, 4]), zeros([4, 5]));
      expect(e.shape).toEqual([2, 0, 5]);
      expect((await e.data()).length).toBe(0);
    });
  });

  describe('gradients', () => {
    const check = (as: number[], bs: number[]) =>
      it(`gradcheck [${as}] @ [${bs}]`, async () => {
        const a = randn(as, { seed: 3 });
        const b = randn(bs, { seed: 4 });
        const report = await gradcheck((x, y) => matmul(x, y), [a, b], { atol: 1e-3, rtol: 1e-3 });
        expect(report.ok).toBe(true);
        expect(report.maxAbsError).toBeLessThan(1e-3);
      });
    check([3, 4], [4, 5]);
    check([2, 1, 3, 4], [3, 4, 2]); // broadcast on both sides: gradients summed down
    check([3, 2, 4], [4, 3]); // B shared (stacked)
    check([1, 3, 4], [2, 4, 3]); // A shared
    check([4], [4]);
    check([4], [4, 3]);
    check([3, 4], [4]);
    check([4], [2, 4, 3]);
    check([2, 3, 4], [4]);

    // Several tiles and partial tiles in both transposed backward products.
    it('backward at [2, 67, 45] @ [45, 129] and [3, 1, 40, 33] @ [2, 33, 70]', async () => {
      await checkForwardBackward([2, 67, 45], [45, 129], 21);
      await checkForwardBackward([3, 1, 40, 33], [2, 33, 70], 24);
    });
  });

  describe('grids past 65535 workgroups per dimension', () => {
    // Each runs as several dispatches offset by their first workgroup (batches in z, columns in x, rows in y).
    const cases: [number[], number[]][] = [
      [
        [70000, 1, 2],
        [70000, 2, 1],
      ],
      [
        [1, 1],
        [1, 530000],
      ],
      [
        [530000, 1],
        [1, 1],
      ],
    ];
    for (const [as, bs] of cases) {
      it(`[${as}] @ [${bs}]`, async () => {
        const [ad, bd] = [data(sizeOf(as), 31), data(sizeOf(bs), 32)];
        const y = matmul(tensor(ad, { shape: as }), tensor(bd, { shape: bs }));
        expectClose(await y.data(), naive(ad, as, bd, bs).out, 1e-5, 1e-5);
      });
    }
  });

  // The adapter picks one family of tilings (GPU or CPU driver); run the other family's here too.
  describe.skipIf(backend !== 'webgpu')('every tiling of both families', () => {
    const all = [...MATMUL_TILINGS.gpu, ...MATMUL_TILINGS.cpu];
    for (const t of all) {
      it(`${t.tm}×${t.tn}×${t.tk} tile, ${t.rm}×${t.rn} per invocation: forward and backward`, async () => {
        forceMatmulTilings([t]);
        try {
          await checkForwardBackward([2, 37, 45], [45, 29], 41); // B shared: batches stacked
          await checkForwardBackward([2, 1, 13, 9], [3, 9, 11], 44); // batch strides, broadcast both ways
        } finally {
          forceMatmulTilings(null);
        }
      });
    }
  });

  describe('errors', () => {
    it('names both shapes when inner dims differ', () => {
      expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow('webgrad.matmul: inner dims differ: [2, 3] @ [4, 5] (3 vs 4)');
      expect(() => matmul(zeros([3]), zeros([2]))).toThrow('webgrad.matmul: inner dims differ: [3] @ [2] (3 vs 2)');
      expect(() => zeros([2, 2, 3]).matmul(zeros([3]).reshape([1, 3]))).toThrow('[2, 2, 3] @ [1, 3] (3 vs 1)');
    });
    it('rejects batch dims that do not broadcast and 0-d operands', () => {
      expect(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 5]))).toThrow(
        'webgrad.matmul: batch dims of [2, 3, 4] and [3, 4, 5] cannot be broadcast (2 vs 3)',
      );
      expect(() => matmul(tensor(2), zeros([3]))).toThrow('webgrad.matmul: both operands need at least 1 dim, got shapes [] and [3]');
      expect(() => matmul(zeros([3]), 2 as unknown as Tensor)).toThrow('webgrad.matmul: expected two Tensors, got object and number');
    });
    it('dot needs two 1-D tensors of one length', () => {
      expect(() => dot(zeros([2, 2]), zeros([2]))).toThrow('webgrad.dot: needs two 1-D tensors, got [2, 2] and [2]');
      expect(() => dot(zeros([2]), zeros([3]))).toThrow('webgrad.dot: lengths differ: [2] and [3]');
    });
    it('rejects a disposed operand', () => {
      const a = zeros([2, 2]);
      a.dispose();
      expect(() => matmul(a, zeros([2, 2]))).toThrow(/webgrad\.matmul: tensor #\d+ of shape \[2, 2\] was disposed/);
    });
  });
});
