// Plotting for the demos, on uPlot. Why uPlot: it is small (~50 kB, no dependencies), actively maintained,
// draws to one canvas and redraws thousands of points in well under a millisecond, so the Hamiltonian
// curves can be replaced on every slider step without lag; it does linear and log axes, labels, legends
// and hover readouts out of the box, which is all these pages need (Chart.js is heavier per update,
// Observable Plot re-renders SVG from scratch on every change).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface SeriesSpec {
  label: string;
  stroke: string;
  width?: number;
  dash?: number[];
  /** Draw point markers (for sparse data). */
  points?: boolean;
  /** Markers only, no line. */
  pointsOnly?: boolean;
  /** Connect across null gaps (series sampled on a shared x with holes). */
  spanGaps?: boolean;
}

export interface PlotSpec {
  title?: string;
  xLabel: string;
  yLabel: string;
  series: SeriesSpec[];
  logX?: boolean;
  logY?: boolean;
  height?: number;
  /** Fixed y range, read on every redraw (null: auto). */
  yRange?: () => [number, number] | null;
  xRange?: () => [number, number] | null;
  /** Tick value formatter for the legend and axes. */
  format?: (v: number) => string;
  /** Show the hovered values in the legend (off: the legend only names the series). */
  liveLegend?: boolean;
  /** Extra canvas drawing after each redraw (annotations). */
  draw?: (u: uPlot) => void;
}

export type Column = ArrayLike<number | null>;

const axisStyle = {
  stroke: '#5d6679',
  grid: { stroke: '#eceff4', width: 1 },
  ticks: { stroke: '#dfe3ea', width: 1 },
  font: '12px system-ui, sans-serif',
  labelFont: '600 12px system-ui, sans-serif',
};

/** A uPlot chart that fills its container's width and follows resizes. */
export class Plot {
  readonly u: uPlot;

  constructor(container: HTMLElement, spec: PlotSpec) {
    const height = spec.height ?? 300;
    const fmt = spec.format;
    const opts: uPlot.Options = {
      title: spec.title,
      width: Math.max(280, container.clientWidth),
      height,
      legend: { live: spec.liveLegend ?? false },
      hooks: spec.draw ? { draw: [spec.draw] } : {},
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false, distr: spec.logX ? 3 : 1, ...(spec.xRange ? { range: (_u, lo, hi) => spec.xRange!() ?? [lo, hi] } : {}) },
        y: {
          distr: spec.logY ? 3 : 1,
          ...(spec.yRange ? { range: (_u, lo, hi) => spec.yRange!() ?? uPlot.rangeNum(lo, hi, 0.1, true) } : {}),
        },
      },
      axes: [
        { ...axisStyle, label: spec.xLabel, size: 36, ...(fmt ? { values: (_u, vals) => vals.map((v) => (v == null ? '' : fmt(v))) } : {}) },
        { ...axisStyle, label: spec.yLabel, size: 64, ...(fmt ? { values: (_u, vals) => vals.map((v) => (v == null ? '' : fmt(v))) } : {}) },
      ],
      series: [
        { label: spec.xLabel, value: fmt ? (_u, v) => (v == null ? '—' : fmt(v)) : undefined },
        ...spec.series.map(
          (s): uPlot.Series => ({
            label: s.label,
            stroke: s.stroke,
            width: s.width ?? 2,
            dash: s.dash,
            spanGaps: s.spanGaps ?? false,
            show: true,
            paths: s.pointsOnly ? () => null : undefined,
            points: s.pointsOnly || s.points ? { show: true, size: s.pointsOnly ? 7 : 5, fill: s.stroke, stroke: s.stroke } : { show: false },
            value: fmt ? (_u, v) => (v == null ? '—' : fmt(v)) : undefined,
          }),
        ),
      ],
    };
    const empty: uPlot.AlignedData = [[], ...spec.series.map(() => [])] as unknown as uPlot.AlignedData;
    this.u = new uPlot(opts, empty, container);
    new ResizeObserver(() => {
      const w = Math.max(280, container.clientWidth);
      if (Math.abs(w - this.u.width) > 1) this.u.setSize({ width: w, height });
    }).observe(container);
  }

  /** Replaces the data: one x column and one y column per series (same length; null for gaps). */
  set(x: ArrayLike<number>, ys: Column[]): void {
    this.u.setData([x, ...ys] as unknown as uPlot.AlignedData, true);
  }
}

/**
 * Puts curves with their own x values on one shared, sorted x column (uPlot's aligned data), filling the
 * other curves' columns with null there; draw such series with `spanGaps`.
 */
export function align(curves: readonly (readonly [ArrayLike<number>, ArrayLike<number>])[]): [number[], (number | null)[][]] {
  const xs = [...new Set(curves.flatMap(([x]) => Array.from(x)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = curves.map(([x, y]) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    for (let i = 0; i < x.length; i++) col[index.get(x[i])!] = Number.isFinite(y[i]) ? y[i] : null;
    return col;
  });
  return [xs, ys];
}
