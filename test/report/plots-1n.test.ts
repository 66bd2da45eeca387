import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { runIjb } from '../../src/protocols/ijb-pipeline.js';
import { ijbRunJson } from '../../src/report/ijb-report.js';
import { ijb1nJson } from '../../src/report/ijb-1n-report.js';
import { cmcSpec, dirFpirSpec, identificationSeries } from '../../src/report/plots-1n.js';
import { renderSvg } from '../../src/report/plots.js';

const DEMO = join(import.meta.dirname, '..', '..', 'fixtures', 'ijb-demo');

describe('1:N plots', () => {
  it('DIR vs FPIR and CMC of result files (standalone or inside protocols) render to SVG', async () => {
    const run = await runIjb({
      root: DEMO,
      target: 'IJBC',
      features: join(DEMO, 'magface-r18', 'features.npy'),
      flipFeatures: join(DEMO, 'magface-r18', 'features_flip.npy'),
      aggregate: 'plain,magnitude',
      fars: [1e-1],
      rule: 'nearest',
      scoring: 'exact',
      protocols: ['1v1', '1n'],
      fpirs: [2e-2, 1e-1],
    });
    const files = [
      { label: 'a', file: 'a.json', doc: JSON.parse(ijbRunJson(run, { curve: true })) },
      { label: 'b', file: 'b.json', doc: JSON.parse(ijb1nJson(run.oneToN!, { curve: true })) },
    ];
    const { dirFpir, cmc } = identificationSeries(files);
    expect(dirFpir.map((s) => s.name)).toEqual(['a · plain · G1', 'a · plain · G2', 'a · magnitude · G1', 'a · magnitude · G2', 'b · plain · G1', 'b · plain · G2', 'b · magnitude · G1', 'b · magnitude · G2']);
    expect(cmc.length).toBe(8);
    for (const s of dirFpir) {
      expect(s.fpir[0]).toBe(0);
      expect(s.fpir[s.fpir.length - 1]).toBe(1);
    }
    const dirSvg = await renderSvg(dirFpirSpec(dirFpir, [2e-2, 1e-1]));
    const cmcSvg = await renderSvg(cmcSpec(cmc));
    for (const svg of [dirSvg, cmcSvg]) {
      expect(svg).toMatch(/^<svg/);
      expect(svg).toContain('a · plain');
    }
    expect(dirSvg).toContain('FPIR (false positive identification rate)');
    expect(cmcSvg).toContain('closed set');
  });

  it('refuses a file without 1:N results or without curves', () => {
    expect(() => identificationSeries([{ label: 'x', file: 'x.json', doc: { protocol: 'ijb-1v1' } }])).toThrow(DataError);
    expect(() => identificationSeries([{ label: 'x', file: 'x.json', doc: { protocol: 'ijb-1n', results: [{ aggregation: 'plain' }] } }])).toThrow(/has no curve/);
  });
});
