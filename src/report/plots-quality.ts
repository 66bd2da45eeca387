/**
 * The quality pictures as vega-lite specs, rendered to SVG by `renderSvg` (plots.ts):
 *
 * - ERC: FNMR against the fraction of pairs discarded, one panel per curve (MagFace's FMR-1e-3 rule,
 *   then each FMR target), one line per quality source; the random baseline dashed. Undefined or
 *   untrusted points (null) leave a gap.
 * - EDC: FNM-EDC and FM-EDC as step curves, each source plus the theoretical best (grey, dashed);
 *   the pAUC limit as a dashed rule. Curves with many points are drawn from the first and last
 *   point of every 1/1000-wide discard bucket (the JSON keeps every point).
 * - Quality histograms: each source's sample qualities over genuine and impostor pairs, as shares
 *   of that class's pair-samples (for `norm`: the feature-magnitude histogram).
 *
 * Several data sets become rows of panels.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { QualityResult } from '../protocols/quality.js';
import { farKey } from './format.js';

const PANEL_WIDTH = 300;
const PANEL_HEIGHT = 220;
const THEORETICAL_BEST = 'theoretical best';
const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d', '#ff9da6'];
const GREY = '#888888';
/** EDC points drawn per curve, at most about twice this. */
const EDC_BUCKETS = 1000;

/** Colour and dash per series: quality sources in order, the random baseline dashed, the theoretical best grey. */
function seriesScales(result: QualityResult, withBest: boolean): { color: Record<string, unknown>; strokeDash: Record<string, unknown> } {
  const names = result.sets[0].sources.map((s) => s.quality);
  const domain = withBest ? [...names, THEORETICAL_BEST] : names;
  const range = domain.map((n, k) => (n === THEORETICAL_BEST ? GREY : PALETTE[k % PALETTE.length]));
  const dashed = new Set(['random', THEORETICAL_BEST]);
  return {
    color: { field: 'quality', type: 'nominal', title: 'quality', scale: { domain, range }, legend: { orient: 'bottom' } },
    strokeDash: { field: 'quality', type: 'nominal', title: 'quality', scale: { domain, range: domain.map((n) => (dashed.has(n) ? [5, 4] : [1, 0])) }, legend: { orient: 'bottom' } },
  };
}

function facetted(result: QualityResult, title: string, values: Record<string, unknown>[], column: Record<string, unknown>, spec: Record<string, unknown>, independentY: boolean): TopLevelSpec {
  const several = result.sets.length > 1;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    background: 'white',
    data: { values },
    facet: { column, ...(several ? { row: { field: 'dataset', type: 'nominal', title: null } } : {}) },
    spec: { width: PANEL_WIDTH, height: PANEL_HEIGHT, ...spec },
    ...(independentY ? { resolve: { scale: { y: 'independent' } } } : {}),
  } as unknown as TopLevelSpec;
}

/** FNMR against the discarded fraction: MagFace's rule and each FMR target, every source. */
export function ercSpec(result: QualityResult): TopLevelSpec {
  const curves = ['MagFace, FMR 1e-3', ...result.fmrs.map((f) => `FMR ${farKey(f)} (nearest)`)];
  const values: Record<string, unknown>[] = [];
  for (const set of result.sets) {
    for (const s of set.sources) {
      const series = [s.magfaceErc.fnmr, ...s.erc.map((c) => c.fnmr)];
      series.forEach((fnmr, c) =>
        result.discard.forEach((u, k) => values.push({ dataset: set.dataset, curve: curves[c], quality: s.quality, discard: u, fnmr: Number.isFinite(fnmr[k]) ? fnmr[k] : null })),
      );
    }
  }
  const scales = seriesScales(result, false);
  return facetted(
    result,
    `Error versus reject: FNMR as the lowest-quality pairs are discarded — ${result.sets.map((s) => s.dataset).join(', ')}`,
    values,
    { field: 'curve', type: 'nominal', title: null, sort: curves },
    {
      mark: { type: 'line', point: { size: 18 }, strokeWidth: 1.75 },
      encoding: {
        x: { field: 'discard', type: 'quantitative', title: 'pairs discarded', scale: { domain: [0, 0.95] }, axis: { format: '.0%', grid: true } },
        y: { field: 'fnmr', type: 'quantitative', title: 'FNMR', axis: { format: '.1%', grid: true }, scale: { zero: true } },
        ...scales,
        order: { field: 'discard', type: 'quantitative' },
      },
    },
    true,
  );
}

/** First and last point of every 1/EDC_BUCKETS-wide discard bucket (all points when there are few). */
function thinSteps(discard: Float64Array, error: Float64Array): [number, number][] {
  const out: [number, number][] = [];
  const bucket = (i: number): number => Math.floor(discard[i] * EDC_BUCKETS);
  for (let i = 0; i < discard.length; i++) {
    if (discard.length <= 2 * EDC_BUCKETS || i === 0 || i === discard.length - 1 || bucket(i) !== bucket(i - 1) || bucket(i) !== bucket(i + 1)) {
      out.push([discard[i], error[i]]);
    }
  }
  return out;
}

/** FNM-EDC and FM-EDC (step curves) of every source, the theoretical best and the pAUC limit. */
export function edcSpec(result: QualityResult): TopLevelSpec {
  const curves = ['FNM-EDC', 'FM-EDC'];
  const values: Record<string, unknown>[] = [];
  for (const set of result.sets) {
    set.sources.forEach((s, n) => {
      for (const [c, edc] of [s.edc.fnm, s.edc.fm].entries()) {
        for (const [discard, error] of thinSteps(edc.discard, edc.error)) values.push({ dataset: set.dataset, curve: curves[c], quality: s.quality, discard, error });
        if (n === 0) {
          const e0 = edc.startingErrorActual;
          for (const [discard, error] of [[0, e0], [e0, 0], [1, 0]]) values.push({ dataset: set.dataset, curve: curves[c], quality: THEORETICAL_BEST, discard, error });
        }
      }
    });
  }
  const encoding = {
    x: { field: 'discard', type: 'quantitative', title: 'fraction of comparisons discarded', scale: { domain: [0, 1] }, axis: { format: '.0%', grid: true } },
    y: { field: 'error', type: 'quantitative', title: 'error (FNMR / FMR of the pairs left)', axis: { format: '.1%', grid: true } },
    ...seriesScales(result, true),
    order: { field: 'discard', type: 'quantitative' },
  };
  return facetted(
    result,
    `Error versus discard (starting error ${result.startingError}; pAUC to ${result.paucLimit}, dashed) — ${result.sets.map((s) => s.dataset).join(', ')}`,
    values,
    { field: 'curve', type: 'nominal', title: null, sort: curves },
    {
      layer: [
        // EDCs are steps (edc.py's pAUC integrates them stepwise); the theoretical best is a straight line.
        { transform: [{ filter: `datum.quality !== '${THEORETICAL_BEST}'` }], mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 }, encoding },
        { transform: [{ filter: `datum.quality === '${THEORETICAL_BEST}'` }], mark: { type: 'line', strokeWidth: 1.25 }, encoding },
        {
          // One rule per panel at the pAUC limit.
          transform: [{ aggregate: [{ op: 'count', as: 'points' }], groupby: ['dataset', 'curve'] }],
          mark: { type: 'rule', strokeDash: [2, 3], color: '#999999' },
          encoding: { x: { datum: result.paucLimit } },
        },
      ],
    },
    true,
  );
}

/** Histograms of each (non-random) source's sample quality over genuine and impostor pairs. */
export function qualityHistogramSpec(result: QualityResult): TopLevelSpec {
  const values: Record<string, unknown>[] = [];
  for (const set of result.sets) {
    for (const s of set.sources) {
      const h = s.histogram;
      if (!h) continue;
      for (const [cls, counts] of [['genuine pairs', h.genuine], ['impostor pairs', h.impostor]] as const) {
        const total = counts.reduce((a, b) => a + b, 0);
        counts.forEach((c, k) => values.push({ dataset: set.dataset, quality: s.quality === 'norm' ? 'norm (feature magnitude)' : s.quality, class: cls, from: h.edges[k], to: h.edges[k + 1], share: total > 0 ? c / total : 0 }));
      }
    }
  }
  return {
    ...facetted(
      result,
      `Sample quality over genuine and impostor pairs (share of each class's pair-samples; each pair counts its two ${result.sets[0].sampleKind}s) — ${result.sets.map((s) => s.dataset).join(', ')}`,
      values,
      { field: 'quality', type: 'nominal', title: null, sort: result.sets[0].sources.map((s) => (s.quality === 'norm' ? 'norm (feature magnitude)' : s.quality)) },
      {
        mark: { type: 'rect', opacity: 0.55 },
        encoding: {
          x: { field: 'from', type: 'quantitative', title: 'sample quality', scale: { zero: false } },
          x2: { field: 'to' },
          y: { field: 'share', type: 'quantitative', title: 'share of pair-samples', axis: { format: '.0%' } },
          y2: { datum: 0 },
          color: { field: 'class', type: 'nominal', title: null, scale: { domain: ['genuine pairs', 'impostor pairs'], range: ['#54a24b', '#e45756'] }, legend: { orient: 'bottom' } },
        },
      },
      true,
    ),
    resolve: { scale: { x: 'independent', y: 'independent' } },
  } as unknown as TopLevelSpec;
}
