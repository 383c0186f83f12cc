// memory() over a long training loop, in a file of its own: live-tensor counts include garbage other tests
// left for the FinalizationRegistry, which a collection in the middle of the window would subtract. The
// test disposes everything it made, so its CPU pass leaves no garbage for its WebGPU pass either.
import { describe, expect, it } from 'vitest';
import { data, memory, nn, noGrad, optim, tidy } from '../src/index';
import { forEachBackend } from './setup/backends';

forEachBackend(() => {
  describe('training', () => {
    it('memory stays flat over 1,000 mini-batch steps (tensors, bytes, pooled GPU bytes)', async () => {
      const set = data.blobs({ n: 256, seed: 2 });
      const [x, y] = data.toTensors(set);
      const loader = new data.DataLoader(x, y, { batchSize: 64, seed: 3 });
      const model = new nn.Sequential(new nn.Linear(2, 32, { seed: 1 }), new nn.Tanh(), new nn.Linear(32, 3, { seed: 2 }));
      const opt = new optim.AdamW(model.parameters(), { lr: 0.01 });
      const epoch = () => {
        for (const [xb, yb] of loader.epoch()) {
          tidy(() => {
            opt.zeroGrad();
            nn.functional.crossEntropy(model.forward(xb), yb).backward();
            opt.step();
          });
          xb.dispose();
          yb.dispose();
        }
      };
      const lossOf = async () => {
        const l = noGrad(() => tidy(() => nn.functional.crossEntropy(model.forward(x), y)));
        const v = await l.item();
        l.dispose();
        return v;
      };
      // Warm-up: the GPU pool reaches its working set (an upload, here each epoch's order, cannot reuse a
      // buffer the open command batch still reads, so the pool holds a few per batch of commands).
      for (let e = 0; e < 250; e++) epoch();
      const loss = await lossOf();
      const before = memory();
      for (let e = 0; e < 250; e++) epoch(); // 1,000 steps
      const end = await lossOf();
      const after = memory();
      expect(after.tensors).toBe(before.tensors);
      expect(after.bytes).toBe(before.bytes);
      expect(after.pooledBytes).toBe(before.pooledBytes);
      expect(end).toBeLessThan(loss);
      model.dispose();
      opt.dispose();
      x.dispose();
      y.dispose();
    });
  });
});
