// Number formatting for the demo pages: fixed decimals for ordinary magnitudes, scientific otherwise.

const trimZeros = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);

/** `digits` significant figures (trailing zeros dropped); scientific notation outside [1e-4, 1e6). */
export function fmt(v: number, digits = 7): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e6) return trimZeros(v.toFixed(Math.max(0, digits - 1 - Math.floor(Math.log10(a)))));
  const [m, e] = v.toExponential(digits - 1).split('e');
  return `${trimZeros(m)}e${e.replace('+', '')}`;
}

/** Scientific notation with `digits` significant figures, e.g. 3.2e-9. */
export function sci(v: number, digits = 2): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const [m, e] = v.toExponential(digits - 1).split('e');
  return `${m}e${e.replace('+', '')}`;
}

/** Milliseconds for a timing readout. */
export function ms(t: number): string {
  return t >= 100 ? `${t.toFixed(0)} ms` : `${t.toFixed(1)} ms`;
}
