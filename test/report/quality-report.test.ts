/** The quality result's JSON contract, table, CSV and SVG pictures, on the small parity set. */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runQuality, type QualityResult } from '../../src/protocols/quality.js';
import { qualityCsv, qualityJson, qualityMarkdown, qualityText } from '../../src/report/quality-report.js';
import { edcSpec, ercSpec, qualityHistogramSpec } from '../../src/report/plots-quality.js';
import { renderSvg } from '../../src/report/plots.js';
import { qualityResultFromJson } from '../../src/io/quality-json.js';
import { ROOT } from '../helpers.js';

const DIR = join(ROOT, 'test', 'data', 'quality-parity', 'small');
const run = (): Promise<QualityResult> =>
  runQuality({
    norm: true,
    fmrs: [1e-2, 1e-3],
    startingError: 0.05,
    paucLimit: 0.2,
    seed: 0,
    sets: [{ kind: 'pairs', name: 'small', format: 'pairs-csv', pairs: join(DIR, 'pairs.csv'), names: join(DIR, 'names.txt'), features: join(DIR, 'features.npy'), qualityFiles: [{ name: 'coarse', file: join(DIR, 'coarse.txt') }] }],
  });

describe('quality report', () => {
  let result: QualityResult;
  beforeAll(async () => {
    result = await run();
  });

  it('JSON: schemaVersion 2, one result per data set × source, nulls where untrusted, no paths, byte-identical on re-run', async () => {
    const text = qualityJson(result);
    const doc = JSON.parse(text);
    expect([doc.schemaVersion, doc.protocol, doc.tool.name]).toEqual([2, 'quality', 'facebench']);
    expect(doc.discard).toHaveLength(20);
    expect(doc.datasets).toEqual([{ dataset: 'small', kind: 'pairs', score: 'angular-distance', pairs: 1020, genuine: 306, impostor: 714, samples: 429, sample_kind: 'image' }]);
    expect(doc.results.map((r: { quality: string }) => r.quality)).toEqual(['norm', 'coarse', 'random']);
    const norm = doc.results[0];
    expect(Object.keys(norm.erc.fmr)).toEqual(['1e-2', '1e-3']);
    // 714 impostors: MagFace's "1e-3" and the 1e-3 target are never resolvable.
    expect(norm.magface_erc.fnmr.every((x: number | null) => x === null)).toBe(true);
    expect(norm.erc.fmr['1e-3'].auc).toBeNull();
    expect(norm.erc.fmr['1e-2'].fnmr[0]).toBe(result.sets[0].sources[0].erc[0].fnmr[0]);
    expect(norm.edc.fnm.starting_error).toBe(0.05);
    expect(norm.edc.fnm.discard.at(-1)).toBe(1);
    expect(norm.histogram.edges).toHaveLength(41);
    expect(doc.results[2].histogram).toBeUndefined();
    expect(doc.warnings.length).toBeGreaterThan(0);
    expect(text).not.toContain(ROOT);
    expect(qualityJson(await run())).toBe(text);
  });

  it('the JSON reads back into the same result (saved runs can be plotted and compared)', () => {
    const text = qualityJson(result);
    const back = qualityResultFromJson(JSON.parse(text), 'saved.json');
    expect(qualityJson(back)).toBe(text);
    expect(back.sets[0].sources[0].erc[0].fnmr).toEqual(result.sets[0].sources[0].erc[0].fnmr);
    const broken = JSON.parse(text);
    broken.results[1].edc.fm.error[3] = 'x';
    expect(() => qualityResultFromJson(broken, 'saved.json')).toThrow('saved.json: results[1].edc.fm.error[3]: expected a number or null, found "x"');
    expect(() => qualityResultFromJson({ ...JSON.parse(text), protocol: 'ijb-1v1' }, 'saved.json')).toThrow('saved.json: protocol: expected "quality", found "ijb-1v1"');
  });

  it('table: a row per source, FNMR at 0 / 20 / 40 %, ERC AUC per FMR, pAUC of both EDCs; CSV and markdown alike', () => {
    const text = qualityText(result);
    const lines = text.trim().split('\n');
    expect(lines[2].split(/\s+/)).toEqual(['quality', '0%', '20%', '40%', 'AUC', '1e-2', 'AUC', '1e-3', 'pAUC', 'FNM', 'pAUC', 'FM']);
    const norm = result.sets[0].sources[0];
    // 1e-2 becomes unresolvable at discard 0.90 (fewer than 100 impostors left): its area too.
    expect(norm.erc[0].auc).toBeNaN();
    expect(lines[3].split(/\s+/)).toEqual(['norm', '—', '—', '—', '—', '—', norm.edc.fnm.pauc.toFixed(4), norm.edc.fm.pauc.toFixed(4)]);
    const csv = qualityCsv(result).trim().split('\n');
    expect(csv[0]).toBe('dataset,quality,fnmr_0,fnmr_20,fnmr_40,erc_auc_1e-2,erc_auc_1e-3,pauc_fnm_edc,pauc_fm_edc');
    expect(csv[1]).toBe(`small,norm,,,,,,${norm.edc.fnm.pauc},${norm.edc.fm.pauc}`);
    expect(qualityMarkdown(result)).toContain('| norm | — | — | — |');
  });

  it('SVG: ERC and EDC with every source and the baseline, histograms of the non-random sources', async () => {
    const erc = await renderSvg(ercSpec(result));
    for (const label of ['Error versus reject', 'MagFace, FMR 1e-3', 'FMR 1e-2 (nearest)', 'pairs discarded', 'FNMR', 'norm', 'coarse', 'random']) expect(erc).toContain(label);
    const edc = await renderSvg(edcSpec(result));
    for (const label of ['FNM-EDC', 'FM-EDC', 'theoretical best', 'random']) expect(edc).toContain(label);
    const hist = await renderSvg(qualityHistogramSpec(result));
    for (const label of ['norm (feature magnitude)', 'coarse', 'genuine pairs', 'impostor pairs']) expect(hist).toContain(label);
    expect(hist).not.toContain('>random<');
  });
});
