// Finite differences in float64 JS, for the error-versus-step-size plot: forward (f(x+h) − f(x))/h has
// truncation error ~ |f''|h/2, central (f(x+h) − f(x−h))/2h ~ |f'''|h²/6; both suffer round-off ~ ε|f|/h.

/** Step sizes 1e-12 … 1e-1, four per decade, ascending (uPlot wants sorted x). */
export const STEPS: readonly number[] = Array.from({ length: 45 }, (_, k) => 10 ** (-12 + k / 4));

export interface FdCurves {
  forward: number[];
  central: number[];
}

/** |FD(h) − exact| for each step, for the derivative of the one-variable function g at x. */
export function fdErrors(g: (x: number) => number, x: number, exact: number): FdCurves {
  const gx = g(x);
  return {
    forward: STEPS.map((h) => Math.abs((g(x + h) - gx) / h - exact)),
    central: STEPS.map((h) => Math.abs((g(x + h) - g(x - h)) / (2 * h) - exact)),
  };
}

/** The step with the smallest error. */
export function best(errors: readonly number[]): { h: number; error: number } {
  let k = 0;
  for (let i = 1; i < errors.length; i++) if (errors[i] < errors[k]) k = i;
  return { h: STEPS[k], error: errors[k] };
}
