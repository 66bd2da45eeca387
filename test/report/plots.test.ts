import { describe, expect, it } from 'vitest';
import { parseResultDocument } from '../../src/io/results-json.js';
import { detSpec, renderSvg, rocSpec } from '../../src/report/plots.js';
import { ijbDoc } from '../helpers.js';

const withCurve = (label: string, tarScale: number) =>
  parseResultDocument(
    {
      ...ijbDoc([]),
      results: [
        {
          aggregation: 'plain',
          tar_at_far: { '1e-4': 0.5 * tarScale, '1e-2': 0.8 * tarScale },
          curve: { far: [0, 1e-5, 1e-4, 1e-2, 1], tar: [0.1, 0.3, 0.5 * tarScale, 0.8 * tarScale, 1], threshold: [null, 0.9, 0.8, 0.5, -1] },
        },
      ],
    },
    `${label}.json`,
    label,
  );

describe('ROC / DET plots (vega-lite → SVG, headless)', () => {
  const files = [withCurve('model-a', 1), withCurve('model-b', 0.9)];
  it('ROC: log FAR axis 1e-6 … 1, TAR axis, one legend entry per series, target rules', async () => {
    const svg = await renderSvg(rocSpec(files));
    expect(svg.startsWith('<svg')).toBe(true);
    for (const label of ['1e-6', '1e-5', '1e-4', '1e-3', '1e-2', '1e-1', '>1<', 'FAR (false accept rate)', 'TAR (true accept rate)', 'model-a · plain', 'model-b · plain', 'IJB-C 1:1 verification — ROC']) {
      expect(svg).toContain(label);
    }
    expect(svg).not.toContain('1e+0');
    // Two target rules (1e-4, 1e-2) drawn dashed.
    expect(svg.match(/stroke-dasharray="4,4"/g)?.length).toBe(2);
  });
  it('DET on probit axes: rate labels, same legend, the FAR targets marked; deterministic', async () => {
    const a = await renderSvg(detSpec(files));
    for (const label of ['FNMR (false non-match rate)', 'FMR (false match rate)', '>0.01 %<', '>1 %<', '>40 %<', 'DET (probit axes)']) expect(a).toContain(label);
    expect(a.match(/stroke-dasharray="4,4"/g)?.length).toBe(2);
    expect(a).toContain('model-b · plain');
    // vega numbers clip paths per process (clip1, clip2 …): unique ids, so two SVGs can share one HTML page.
    const norm = (svg: string): string => svg.replace(/clip\d+/g, 'clipN');
    expect(norm(await renderSvg(detSpec(files)))).toBe(norm(a));
  });
  it('refuses inputs without curves, naming the file', () => {
    const bare = parseResultDocument(ijbDoc([{ aggregation: 'plain', tar: { '1e-4': 0.5 } }]), 'bare.json', 'bare');
    expect(() => rocSpec([bare])).toThrow("bare.json: results 'plain' has no curve (run ijb with --curve to store one)");
  });
});
