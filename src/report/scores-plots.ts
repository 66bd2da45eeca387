/**
 * The pictures of a score-level result: one DET plot on probit axes of every set, per set the genuine
 * and impostor score histograms with the chosen thresholds marked, and the EPC of every set that has
 * one. vega-lite specs, rendered to SVG by `renderSvg` (plots.ts).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ScoreSetResult, ScoresResult } from '../protocols/scores.js';
import { farKey } from './format.js';
import { detProbitSpec } from './plots-det-probit.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** DET (probit axes) of every set that kept its curve (ScoresOptions.curves). */
export function scoresDetSpec(result: ScoresResult): TopLevelSpec {
  const series = result.results
    .filter((r) => r.curve)
    .map((r) => ({ name: r.label, fmr: r.curve!.far, fnmr: r.curve!.tar.map((t) => 1 - t) }));
  const targets = result.results[0]?.tarAtFar.map((t) => t.target) ?? [];
  return detProbitSpec(series, { title: `DET — ${result.results.map((r) => r.label).join(', ')}`, fmrMarks: targets });
}

/** The thresholds marked on a set's histogram, in the user's units. */
function thresholdMarks(result: ScoresResult, r: ScoreSetResult): { name: string; threshold: number }[] {
  const user = (t: number): number => (result.distance ? -t : t);
  const marks = [
    { name: 'EER', threshold: r.eerThreshold },
    { name: 'min HTER', threshold: r.minHter.threshold },
    { name: `FMR ${farKey(1e-2)}`, threshold: r.fmr100.threshold },
    { name: `FMR ${farKey(1e-3)}`, threshold: r.fmr1000.threshold },
  ];
  return marks.filter((m) => Number.isFinite(m.threshold)).map((m) => ({ name: m.name, threshold: user(m.threshold) }));
}

/** Genuine and impostor histograms of one set (each normalised to its own total) with its thresholds. */
export function scoreHistogramSpec(result: ScoresResult, r: ScoreSetResult): TopLevelSpec {
  const h = r.histogram;
  if (!h) throw new Error('scoreHistogramSpec: the result kept no histogram (ScoresOptions.curves)');
  const edge = (i: number): number => (result.distance ? -h.edges[i] : h.edges[i]);
  const bars: { side: string; lo: number; hi: number; fraction: number }[] = [];
  const sides: [string, Float64Array, number][] = [
    ['impostor', h.impostor, r.counts.impostor],
    ['genuine', h.genuine, r.counts.genuine],
  ];
  for (const [side, counts, total] of sides) {
    counts.forEach((c, i) => {
      if (c > 0) bars.push({ side, lo: Math.min(edge(i), edge(i + 1)), hi: Math.max(edge(i), edge(i + 1)), fraction: c / total });
    });
  }
  const marks = thresholdMarks(result, r);
  const x = { field: 'lo', type: 'quantitative', title: result.distance ? 'distance' : 'score' };
  return {
    $schema: SCHEMA,
    title: `${r.label}: score distributions (${r.counts.genuine} genuine, ${r.counts.impostor} impostor)`,
    width: 560,
    height: 300,
    background: 'white',
    layer: [
      {
        data: { values: bars },
        mark: { type: 'rect', opacity: 0.55 },
        encoding: {
          x,
          x2: { field: 'hi' },
          y: { field: 'fraction', type: 'quantitative', title: 'fraction of the side per bin' },
          color: { field: 'side', type: 'nominal', scale: { domain: ['genuine', 'impostor'], range: ['#1f77b4', '#d62728'] }, legend: { title: null, orient: 'top' } },
        },
      },
      {
        data: { values: marks },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#333333' },
        encoding: { x: { field: 'threshold', type: 'quantitative' } },
      },
      {
        data: { values: marks.map((m, i) => ({ ...m, row: i })) },
        mark: { type: 'text', align: 'left', dx: 3, fontSize: 10, color: '#333333' },
        encoding: { x: { field: 'threshold', type: 'quantitative' }, y: { value: 0 }, yOffset: { field: 'row', type: 'quantitative', scale: { range: [8, 44] }, legend: null }, text: { field: 'name' } },
      },
    ],
  } as unknown as TopLevelSpec;
}

/** HTER against the cost α of every set with an EPC (dev → eval where there was an evaluation set). */
export function epcSpec(result: ScoresResult): TopLevelSpec {
  const values = result.results.flatMap((r) => (r.epc ? [...r.epc.cost].map((c, i) => ({ series: r.decision.evaluation ? `${r.label} (dev → eval)` : `${r.label} (on itself)`, cost: c, hter: r.epc!.hter[i] })) : []));
  return {
    $schema: SCHEMA,
    title: 'EPC — HTER at the threshold minimising α·FMR + (1 − α)·FNMR',
    width: 560,
    height: 320,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: { size: 12 }, strokeWidth: 1.75 },
    encoding: {
      x: { field: 'cost', type: 'quantitative', title: 'α (cost of a false match)', scale: { domain: [0, 1] } },
      y: { field: 'hter', type: 'quantitative', title: 'HTER', axis: { format: '.1%' } },
      color: { field: 'series', type: 'nominal', legend: { title: null, orient: 'bottom', columns: 2, labelLimit: 400 } },
    },
  } as unknown as TopLevelSpec;
}
