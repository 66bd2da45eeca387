/**
 * ROC and DET plots of several results in one chart each: vega-lite specs compiled to vega and
 * rendered headless to SVG (no canvas, no fonts needed for SVG). The curves are the ones `ijb --curve`
 * stores in the JSON (thinned ROC vertices); FAR targets are marked by dashed vertical rules.
 *
 * - ROC: TAR (linear, 0–1) against FAR on a log axis from 1e-6 to 1; vertices with FAR = 0 cannot
 *   sit on a log axis and are left out.
 * - DET: FNMR against FMR on probit axes (plots-det-probit.ts).
 */
import type { TopLevelSpec } from 'vega-lite';
import { tarTarget } from './metric-keys.js';
import { detProbitSpec } from './plots-det-probit.js';
import { DataError } from '../errors.js';
import type { ResultFile } from '../io/results-json.js';
import { datasetName } from '../io/results-json.js';

export interface PlotSeries {
  /** Legend entry: `label · aggregation`. */
  name: string;
  far: number[];
  tar: number[];
}

export const FAR_MIN = 1e-6;
export const WIDTH = 560;
export const HEIGHT = 400;

/** One series per checkpoint × aggregation; every input must carry curves (`ijb --curve`). */
export function curveSeries(files: ResultFile[]): PlotSeries[] {
  const out: PlotSeries[] = [];
  for (const f of files) {
    if (f.protocol !== 'ijb') throw new DataError(`${f.file}: a ${f.protocol} result has no ROC curve to plot`);
    for (const r of f.rows) {
      if (!r.curve) throw new DataError(`${f.file}: results '${r.name}' has no curve (run ijb with --curve to store one)`);
      out.push({ name: `${f.label} · ${r.name}`, far: r.curve.far, tar: r.curve.tar });
    }
  }
  return out;
}

/** The FAR targets present in the inputs (for the dashed rules). */
export function farTargets(files: ResultFile[]): number[] {
  const targets = new Set(files.flatMap((f) => f.rows.flatMap((r) => r.metrics.map((m) => tarTarget(m.key)))).filter((t) => t !== undefined));
  return [...targets].sort((a, b) => a - b);
}

function title(files: ResultFile[], what: string): string {
  const datasets = [...new Set(files.map((f) => datasetName(f.dataset)))].join(', ');
  return `${datasets} 1:1 verification — ${what}`;
}

/** Tick labels of log axes: powers of ten only, 1e-6 … 1e-1, then 1 (d3's '.0e' would print 1e+0). */
export const LOG_LABEL = "abs(log(datum.value) / LN10 - round(log(datum.value) / LN10)) > 1e-9 ? '' : datum.value >= 1 ? '1' : format(datum.value, '.0e')";
const AXIS_FAR = { title: 'FAR (false accept rate)', labelExpr: LOG_LABEL, grid: true, values: [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1] };

export function rocSpec(files: ResultFile[]): TopLevelSpec {
  const series = curveSeries(files);
  const values: { series: string; far: number; tar: number }[] = [];
  for (const s of series) {
    for (let k = 0; k < s.far.length; k++) if (s.far[k] >= FAR_MIN / 10) values.push({ series: s.name, far: s.far[k], tar: s.tar[k] });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: title(files, 'ROC'),
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    layer: [
      {
        data: { values: farTargets(files).map((far) => ({ far })) },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#999999', strokeWidth: 1 },
        encoding: { x: { field: 'far', type: 'quantitative', scale: { type: 'log', domain: [FAR_MIN, 1] } } },
      },
      {
        data: { values },
        mark: { type: 'line', clip: true, strokeWidth: 1.75, interpolate: 'linear' },
        encoding: {
          x: { field: 'far', type: 'quantitative', scale: { type: 'log', domain: [FAR_MIN, 1] }, axis: AXIS_FAR },
          y: { type: 'quantitative', field: 'tar', scale: { domain: [0, 1] }, axis: { title: 'TAR (true accept rate)', format: '.0%', grid: true } },
          color: { field: 'series', type: 'nominal', scale: { domain: series.map((s) => s.name) }, legend: { title: null, orient: 'bottom', columns: 2, labelLimit: 400 } },
          order: { field: 'far', type: 'quantitative' },
        },
      },
    ],
  } as unknown as TopLevelSpec;
}

/** The DET on probit (normal-deviate) axes, as biometric papers print it (plots-det-probit.ts). */
export function detSpec(files: ResultFile[]): TopLevelSpec {
  const series = curveSeries(files).map((s) => ({ name: s.name, fmr: s.far, fnmr: s.tar.map((t) => 1 - t) }));
  return detProbitSpec(series, { title: title(files, 'DET (probit axes)'), fmrMarks: farTargets(files) });
}

/** vega-lite → vega → SVG, headless (renderer 'none': no DOM, no canvas). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // Loaded here, not at start-up: vega and vega-lite take ~250 ms to import.
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
