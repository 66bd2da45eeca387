/**
 * 1:N plots of several results in one chart each, as vega-lite specs rendered by `renderSvg`
 * (plots.ts): the curves `ijb --protocol 1n --curve` stores in the JSON.
 *
 * - DIR vs FPIR: the detection and identification rate (TPIR at rank 1) against FPIR on a log axis
 *   from 1e-4 to 1, one line per result × gallery (NIST's curve: one vertex per non-mated top score,
 *   thinned), FPIR targets marked by dashed rules. Vertices with FPIR = 0 cannot sit on a log axis.
 * - CMC: the identification rate against the rank (log axis), open set (ijb_evals.py, summed over
 *   the galleries) solid, closed set (ijb_1n.py, all galleries as one) dashed.
 */
import type { TopLevelSpec } from 'vega-lite';
import { DataError } from '../errors.js';
import { HEIGHT, LOG_LABEL, WIDTH } from './plots.js';

/** One DIR-vs-FPIR line. */
export interface DirFpirSeries {
  /** Legend entry: `label · aggregation · gallery`. */
  name: string;
  fpir: number[];
  dir: number[];
}

/** One CMC line. */
export interface CmcSeries {
  /** Legend entry: `label · aggregation · open set|closed set`. */
  name: string;
  rank: number[];
  rate: number[];
  definition: 'open set' | 'closed set';
}

const FPIR_MIN = 1e-4;

interface CurveJson {
  dir_fpir: Record<string, { fpir: number[]; dir: number[] }>;
  cmc: { rank: number[]; open_set: number[]; closed_set: number[] };
}

/** The `ijb-1n` object of a result file: the file itself, or its entry in `protocols`. */
function identificationObject(doc: unknown, file: string): { results: { aggregation: string; curve?: CurveJson }[] } {
  const d = doc as { protocol?: string; protocols?: { protocol?: string }[] };
  const found = d.protocol === 'ijb-1n' ? d : d.protocols?.find((p) => p.protocol === 'ijb-1n');
  if (!found) throw new DataError(`${file}: holds no ijb-1n result (run ijb with --protocol 1n)`);
  return found as ReturnType<typeof identificationObject>;
}

/** The curves of parsed result files (`label` names each file in the legend); every result must carry curves. */
export function identificationSeries(files: { label: string; file: string; doc: unknown }[]): { dirFpir: DirFpirSeries[]; cmc: CmcSeries[] } {
  const dirFpir: DirFpirSeries[] = [];
  const cmc: CmcSeries[] = [];
  for (const { label, file, doc } of files) {
    for (const r of identificationObject(doc, file).results) {
      if (!r.curve) throw new DataError(`${file}: 1:N result '${r.aggregation}' has no curve (run ijb with --curve to store one)`);
      for (const [gallery, c] of Object.entries(r.curve.dir_fpir)) dirFpir.push({ name: `${label} · ${r.aggregation} · ${gallery}`, fpir: c.fpir, dir: c.dir });
      cmc.push({ name: `${label} · ${r.aggregation} · open set`, rank: r.curve.cmc.rank, rate: r.curve.cmc.open_set, definition: 'open set' });
      cmc.push({ name: `${label} · ${r.aggregation} · closed set`, rank: r.curve.cmc.rank, rate: r.curve.cmc.closed_set, definition: 'closed set' });
    }
  }
  return { dirFpir, cmc };
}

/** The frame every chart shares. */
const chart = (title: string): Record<string, unknown> => ({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, width: WIDTH, height: HEIGHT, background: 'white' });

const legend = (names: string[]): Record<string, unknown> => ({ field: 'series', type: 'nominal', scale: { domain: names }, legend: { title: null, orient: 'bottom', columns: 2, labelLimit: 400 } });

/** DIR (TPIR at rank 1) against log FPIR, targets marked. */
export function dirFpirSpec(series: DirFpirSeries[], targets: number[], title = 'IJB 1:N — DIR vs FPIR'): TopLevelSpec {
  const values = series.flatMap((s) => s.fpir.flatMap((fpir, k) => (fpir >= FPIR_MIN ? [{ series: s.name, fpir, dir: s.dir[k] }] : [])));
  const x = { field: 'fpir', type: 'quantitative', scale: { type: 'log', domain: [FPIR_MIN, 1] } };
  return {
    ...chart(title),
    layer: [
      { data: { values: targets.filter((f) => f >= FPIR_MIN).map((fpir) => ({ fpir })) }, mark: { type: 'rule', strokeDash: [4, 4], color: '#999999', strokeWidth: 1 }, encoding: { x } },
      {
        data: { values },
        mark: { type: 'line', clip: true, strokeWidth: 1.75, interpolate: 'step-after' },
        encoding: {
          x: { ...x, axis: { title: 'FPIR (false positive identification rate)', labelExpr: LOG_LABEL, grid: true, values: [1e-4, 1e-3, 1e-2, 1e-1, 1] } },
          y: { field: 'dir', type: 'quantitative', scale: { domain: [0, 1] }, axis: { title: 'DIR = TPIR at rank 1', format: '.0%', grid: true } },
          color: legend(series.map((s) => s.name)),
          order: { field: 'fpir', type: 'quantitative' },
        },
      },
    ],
  } as unknown as TopLevelSpec;
}

/** Identification rate against log rank; open set solid, closed set dashed. */
export function cmcSpec(series: CmcSeries[], title = 'IJB 1:N — CMC'): TopLevelSpec {
  const values = series.flatMap((s) => s.rank.map((rank, k) => ({ series: s.name, rank, rate: s.rate[k], definition: s.definition })));
  const maxRank = Math.max(1, ...series.flatMap((s) => s.rank));
  return {
    ...chart(title),
    data: { values },
    mark: { type: 'line', clip: true, strokeWidth: 1.75, interpolate: 'step-after' },
    encoding: {
      x: { field: 'rank', type: 'quantitative', scale: { type: 'log', domain: [1, maxRank] }, axis: { title: 'rank', grid: true } },
      y: { field: 'rate', type: 'quantitative', scale: { zero: false }, axis: { title: 'identification rate (mate within rank)', format: '.0%', grid: true } },
      color: legend(series.map((s) => s.name)),
      strokeDash: { field: 'definition', type: 'nominal', scale: { domain: ['open set', 'closed set'], range: [[1, 0], [5, 3]] }, legend: { title: null, orient: 'top' } },
      order: { field: 'rank', type: 'quantitative' },
    },
  } as unknown as TopLevelSpec;
}
