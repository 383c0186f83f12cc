import { describe, expect, it } from 'vitest';
import { data, tensor } from '../src/index';
import { forEachBackend, values } from './setup/backends';

describe('synthetic 2-D sets', () => {
  it('are seeded, balanced and shaped [n, 2]', () => {
    for (const make of [data.spiral, data.circles, data.xor, data.blobs]) {
      const a = make({ n: 120, seed: 5 });
      const b = make({ n: 120, seed: 5 });
      expect(a.x.length).toBe(240);
      expect(Array.from(a.x)).toEqual(Array.from(b.x));
      expect(Array.from(a.x)).not.toEqual(Array.from(make({ n: 120, seed: 6 }).x));
      const counts = Array.from({ length: a.classes }, (_, k) => a.y.filter((v) => v === k).length);
      expect(counts.reduce((s, c) => s + c, 0)).toBe(120);
      expect(Math.min(...counts)).toBeGreaterThan(120 / a.classes / 2);
    }
    expect(data.spiral({ classes: 5, n: 100 }).classes).toBe(5);
    expect(() => data.spiral({ n: 0 })).toThrow(/webgrad\.data\.spiral: n must be a positive integer/);
  });

  it('have the geometry their names promise', () => {
    const c = data.circles({ n: 200, noise: 0, factor: 0.4 });
    for (let i = 0; i < c.n; i++) expect(Math.hypot(c.x[2 * i], c.x[2 * i + 1])).toBeCloseTo(c.y[i] === 0 ? 1 : 0.4, 5);
    const x = data.xor({ n: 200, noise: 0 });
    for (let i = 0; i < x.n; i++) expect(x.y[i]).toBe(x.x[2 * i] * x.x[2 * i + 1] < 0 ? 1 : 0);
  });
});

describe('image files', () => {
  it('encode and parse round trip; a foreign file is refused', () => {
    const images = Float32Array.from({ length: 2 * 4 }, (_, i) => i / 7);
    const bytes = data.encodeImageSet(images, [3, 9], 2);
    const set = data.parseImageSet(bytes);
    expect([set.count, set.side]).toEqual([2, 2]);
    expect(Array.from(set.labels)).toEqual([3, 9]);
    set.images.forEach((v, i) => expect(Math.abs(v - images[i])).toBeLessThanOrEqual(0.5 / 255 + 1e-7));
    expect(() => data.parseImageSet(new Uint8Array(40))).toThrow(/webgrad\.data\.parseImageSet: not a webgrad image file/);
    expect(() => data.parseImageSet(bytes.subarray(0, 20))).toThrow(/does not hold 2 images of 2×2/);
  });
});

forEachBackend(() => {
  describe('DataLoader', () => {
    it('visits every sample once per epoch, in a seeded order that changes each epoch', async () => {
      const n = 10;
      const x = tensor(
        Float32Array.from({ length: 2 * n }, (_, i) => i),
        { shape: [n, 2] },
      );
      const y = tensor(Float32Array.from({ length: n }, (_, i) => i));
      const loader = new data.DataLoader(x, y, { batchSize: 4, seed: 1 });
      expect(loader.length).toBe(3);
      const run = async () => {
        const seen: number[] = [];
        for (const [xb, yb] of loader.epoch()) {
          const ys = await values(yb);
          const xs = await values(xb);
          ys.forEach((v, k) => expect([xs[2 * k], xs[2 * k + 1]]).toEqual([2 * v, 2 * v + 1])); // rows stay paired
          seen.push(...ys);
        }
        return seen;
      };
      const e1 = await run();
      const e2 = await run();
      expect([...e1].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
      expect(e1).not.toEqual(e2);
      const again = new data.DataLoader(x, y, { batchSize: 4, seed: 1 });
      const first: number[] = [];
      for (const [, yb] of again.epoch()) first.push(...(await values(yb)));
      expect(first).toEqual(e1);
      const ordered = new data.DataLoader(x, y, { batchSize: 3, shuffle: false, dropLast: true });
      const batches: number[][] = [];
      for (const [, yb] of ordered.epoch()) batches.push(await values(yb));
      expect(batches).toEqual([
        [0, 1, 2],
        [3, 4, 5],
        [6, 7, 8],
      ]);
      expect(() => new data.DataLoader(x, tensor([1, 2]), { batchSize: 2 })).toThrow(
        /data\.DataLoader: features \[10, 2\] and labels \[2\] must have the same first dim/,
      );
      expect(() => new data.DataLoader(x, y, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    });
  });
});
