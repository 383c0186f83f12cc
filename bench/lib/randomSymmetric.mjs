// The benches' random symmetric test matrix: entries uniform in [−1, 1) from a fixed LCG (seed given),
// lower triangle drawn row by row and mirrored, so every bench that names (n, seed) solves the same matrix.
export function randomSymmetric(n, seed) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const a = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = next();
  return a;
}
