import { describe, expect, it } from 'vitest';
import { normalDeviate } from '../../src/metrics/probit.js';
import { evaluateScoreFiles } from '../../src/protocols/scores.js';
import { detProbitSpec, rateLabel } from '../../src/report/plots-det-probit.js';
import { renderSvg } from '../../src/report/plots.js';
import { epcSpec, scoreHistogramSpec, scoresDetSpec } from '../../src/report/scores-plots.js';

type Layer = { data: { values: Record<string, number | string>[] }; encoding: Record<string, { axis?: { values: number[]; labelExpr: string }; scale?: { domain: number[] } }> };

describe('DET on probit axes', () => {
  const spec = detProbitSpec(
    [
      { name: 'a', fmr: [0, 1e-4, 1e-3, 1e-2, 0.1, 1], fnmr: [1, 0.4, 0.2, 0.05, 0.01, 0] },
      { name: 'b', fmr: [0, 2e-3, 0.3], fnmr: [0.9, 0.3, 0.02] },
    ],
    { title: 't', fmrMarks: [1e-3, 0.9] },
  ) as unknown as { layer: Layer[] };
  const [rules, lines] = spec.layer;
  it('places points at the normal deviates of their rates; zero rates just outside the axis', () => {
    const a = lines.data.values.filter((v) => v.series === 'a');
    expect(a[2]).toMatchObject({ x: normalDeviate(1e-3), y: normalDeviate(0.2) });
    const [x0] = lines.encoding.x.scale!.domain;
    expect(a[0].x).toBe(x0 - 1);
    expect(a[5].y).toBe(lines.encoding.y.scale!.domain[0] - 1);
  });
  it('ticks at Φ⁻¹ of round rates, labelled with the rates; the range follows the data', () => {
    const axis = lines.encoding.x.axis!;
    expect(axis.values[0]).toBe(normalDeviate(1e-4));
    expect(axis.values.at(-1)).toBe(normalDeviate(0.4));
    expect(axis.labelExpr).toContain("'0.01 %'");
    expect(rateLabel(1e-6)).toBe('0.0001 %');
    expect(rateLabel(0.4)).toBe('40 %');
    expect(rules.data.values).toEqual([{ x: normalDeviate(1e-3) }]);
  });
  it('leaves out ticks whose labels would touch (the probit scale squeezes the smallest rates)', () => {
    const wide = detProbitSpec([{ name: 'a', fmr: [1e-6, 0.3], fnmr: [0.3, 1e-5] }], { title: 't', width: 300 }) as unknown as { layer: Layer[] };
    const x = wide.layer[1].encoding.x;
    const [z0, z1] = x.scale!.domain;
    const px = x.axis!.values.map((z) => ((z - z0) / (z1 - z0)) * 300);
    for (let k = 1; k < px.length; k++) expect(px[k] - px[k - 1]).toBeGreaterThanOrEqual(56);
    expect(x.axis!.values.length).toBeLessThan(9);
  });
  it('renders to an SVG with the percentage tick labels', async () => {
    const svg = await renderSvg(spec as never);
    for (const label of ['0.01 %', '0.1 %', '1 %', '10 %', '40 %']) expect(svg).toContain(`>${label}<`);
  });
});

describe('score-set plots', () => {
  const result = evaluateScoreFiles({
    sets: [{ input: { format: 'bob', file: 'fixtures/scores-demo/dev.txt' }, evaluation: { format: 'bob', file: 'fixtures/scores-demo/eval.txt' } }],
    fars: [1e-3, 1e-2],
    rule: 'nearest',
    distance: false,
    criterion: 'eer',
    epcPoints: 11,
    histogramBins: 40,
    curves: true,
  });
  it('histograms: both sides, each summing to 1, with the EER / min HTER / FMR thresholds marked', async () => {
    const spec = scoreHistogramSpec(result, result.results[0]) as unknown as { layer: Layer[] };
    const bars = spec.layer[0].data.values as { side: string; fraction: number }[];
    for (const side of ['genuine', 'impostor']) expect(bars.filter((b) => b.side === side).reduce((a, b) => a + b.fraction, 0)).toBeCloseTo(1, 12);
    expect(spec.layer[1].data.values.map((m) => m.name)).toEqual(['EER', 'min HTER', 'FMR 1e-2', 'FMR 1e-3']);
    expect(await renderSvg(spec as never)).toContain('min HTER');
  });
  it('DET and EPC specs of the result render', async () => {
    expect(await renderSvg(scoresDetSpec(result))).toContain('FNMR (false non-match rate)');
    const epc = epcSpec(result) as unknown as { data: { values: { series: string }[] } };
    expect(epc.data.values.length).toBe(11);
    expect(epc.data.values[0].series).toBe('dev (dev → eval)');
  });
});
