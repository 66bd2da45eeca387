/**
 * The DET plot biometric papers print: FNMR against FMR, both on normal-deviate (probit) axes, where
 * two Gaussian score distributions give a straight line. vega has no probit scale, so the data are
 * transformed (z = Φ⁻¹(rate)) onto linear axes and the ticks are placed at Φ⁻¹ of round rates and
 * labelled with the rates themselves (0.01 %, 0.1 %, 1 %, 5 %, 20 %, 40 % …).
 *
 * Built from generic series (FMR, FNMR arrays per named series), so any protocol's curves can use it
 * (`compare --det` among them). Rates of 0 sit at −∞ on these axes: they are drawn just outside the
 * plot and clipped, so a curve runs to the edge instead of stopping short.
 */
import type { TopLevelSpec } from 'vega-lite';
import { normalDeviate } from '../metrics/probit.js';

export interface DetSeries {
  /** Legend entry. */
  name: string;
  /** Element i: the FMR of the i-th point. */
  fmr: ArrayLike<number>;
  /** Element i: the FNMR of the i-th point (same threshold as fmr[i]). */
  fnmr: ArrayLike<number>;
}

export interface DetOptions {
  title: string;
  /** FMR values marked by dashed vertical rules (e.g. the FAR targets). */
  fmrMarks?: number[];
  width?: number;
  height?: number;
}

/** Candidate tick rates, ascending; the axes start at 1e-6 at the lowest (0.0001 %). */
const TICKS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.99];

/** A rate as a percentage label: 1e-4 → '0.01 %', 0.4 → '40 %'. */
export function rateLabel(rate: number): string {
  return `${Number((rate * 100).toPrecision(2))} %`;
}

/** The axis range in rates: from the largest tick <= the smallest positive value, to `upper` or the smallest tick >= the largest value. */
function axisRange(values: number[], lowest: number, upper: number): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v > 0 && v < min) min = v;
    if (v > 0 && v > max) max = v;
  }
  min = Math.max(lowest, min === Infinity ? lowest : min);
  if (max === -Infinity) max = upper;
  const lo = [...TICKS].reverse().find((t) => t <= min) ?? TICKS[0];
  const hi = Math.min(upper, TICKS.find((t) => t >= max) ?? upper);
  return [lo, Math.max(hi, TICKS[TICKS.indexOf(lo) + 1] ?? hi)];
}

/** Pixels a tick label needs along the axis: its width on the FMR axis, its height on the FNMR axis. */
const LABEL_WIDTH = 56;
const LABEL_HEIGHT = 18;

/**
 * Axis settings: ticks at Φ⁻¹(tick rate), labelled by a lookup on the tick's deviate; a tick closer
 * than `labelPixels` to the previous one (the probit scale squeezes the smallest rates) is left out.
 */
function probitAxis(title: string, range: [number, number], pixels: number, labelPixels: number): Record<string, unknown> {
  const [z0, z1] = range.map(normalDeviate);
  const ticks: number[] = [];
  for (const t of TICKS.filter((t) => t >= range[0] && t <= range[1])) {
    const last = ticks[ticks.length - 1];
    if (last === undefined || ((normalDeviate(t) - normalDeviate(last)) / (z1 - z0)) * pixels >= labelPixels) ticks.push(t);
  }
  const expr = ticks.reduceRight((rest, t) => `abs(datum.value - ${normalDeviate(t)}) < 1e-9 ? '${rateLabel(t)}' : ${rest}`, "''");
  return { title, values: ticks.map(normalDeviate), labelExpr: expr, labelOverlap: false, grid: true };
}

/** The vega-lite spec of a DET plot on probit axes (render with `renderSvg` of plots.ts). */
export function detProbitSpec(series: DetSeries[], options: DetOptions): TopLevelSpec {
  const allFmr = series.flatMap((s) => Array.from(s.fmr));
  const xRange = axisRange(allFmr, TICKS[0], 0.5);
  // The FNMR axis spans the points inside the FMR range (FNMR at FMR 0 is often 100 %).
  const visibleFnmr = series.flatMap((s) => Array.from(s.fnmr).filter((_, i) => s.fmr[i] >= xRange[0]));
  const yRange = axisRange(visibleFnmr, TICKS[0], 0.99);
  const [x0, x1] = xRange.map(normalDeviate);
  const [y0, y1] = yRange.map(normalDeviate);
  // −∞ (a rate of 0) and anything below the axis are drawn one unit beyond it, where clip hides them.
  const z = (rate: number, floor: number): number => Math.max(floor - 1, normalDeviate(rate));
  const values: { series: string; x: number; y: number; order: number }[] = [];
  for (const s of series) {
    for (let i = 0; i < s.fmr.length; i++) values.push({ series: s.name, x: z(s.fmr[i], x0), y: z(s.fnmr[i], y0), order: i });
  }
  const marks = (options.fmrMarks ?? []).filter((m) => m >= xRange[0] && m <= xRange[1]);
  const width = options.width ?? 480;
  const height = options.height ?? 480;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    width,
    height,
    background: 'white',
    layer: [
      {
        data: { values: marks.map((m) => ({ x: normalDeviate(m) })) },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#999999', strokeWidth: 1 },
        encoding: { x: { field: 'x', type: 'quantitative', scale: { domain: [x0, x1] } } },
      },
      {
        data: { values },
        mark: { type: 'line', clip: true, strokeWidth: 1.75 },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: { domain: [x0, x1], nice: false, zero: false }, axis: probitAxis('FMR (false match rate)', xRange, width, LABEL_WIDTH) },
          y: { field: 'y', type: 'quantitative', scale: { domain: [y0, y1], nice: false, zero: false }, axis: probitAxis('FNMR (false non-match rate)', yRange, height, LABEL_HEIGHT) },
          color: { field: 'series', type: 'nominal', scale: { domain: series.map((s) => s.name) }, legend: { title: null, orient: 'bottom', columns: 2, labelLimit: 400 } },
          order: { field: 'order', type: 'quantitative' },
        },
      },
    ],
  } as unknown as TopLevelSpec;
}
