/**
 * runQuality end to end: LFW-style sets against the published scripts' numbers (parity data of
 * test/reference/gen_quality_parity.py, now from our own distances and norms), the untrusted points
 * nulled with their warnings, an IJB set against brute force, the random baseline, the .bin path.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNameList, readPairsCsv, resolvePairRows } from '../../src/io/lfw-pairs.js';
import { readNpyMatrix, readNpyScores, encodeNpy } from '../../src/io/npy.js';
import { angularDistances, featureNorms } from '../../src/metrics/quality-scores.js';
import { ERC_DISCARD_FRACTIONS, discardCounts } from '../../src/metrics/error-reject.js';
import { numpyArgsort } from '../../src/numeric/numpy-argsort.js';
import { randomQualities, runQuality, type QualityOptions, type QualitySet } from '../../src/protocols/quality.js';
import { runIjb1v1 } from '../../src/protocols/ijb-1v1.js';
import { bruteCrfiqa, bruteMagface } from '../metrics/erc-brute-force.js';
import { ROOT, tempDir } from '../helpers.js';

const DATA = join(ROOT, 'test', 'data', 'quality-parity');
const expected = JSON.parse(readFileSync(join(DATA, 'expected.json'), 'utf8'));
const OPTS = { norm: true, fmrs: [1e-2, 1e-3, 1e-4], startingError: 0.05, paucLimit: 0.2, seed: 0 } satisfies Omit<QualityOptions, 'sets'>;

function paritySet(name: string): QualitySet {
  const dir = join(DATA, name);
  return {
    kind: 'pairs',
    name,
    format: 'pairs-csv',
    pairs: join(dir, 'pairs.csv'),
    names: join(dir, 'names.txt'),
    features: join(dir, 'features.npy'),
    qualityFiles: ['coarse', 'fine'].map((q) => ({ name: q, file: join(dir, `${q}.txt`) })),
  };
}

describe('pair scores and norms against MagFace distance_ / calc_quality', () => {
  it.each(['large', 'small'])('%s: angular distances and feature norms', (name) => {
    const dir = join(DATA, name);
    const names = readNameList(join(dir, 'names.txt'));
    const { rowA, rowB } = resolvePairRows(readPairsCsv(join(dir, 'pairs.csv')), names, 'names.txt');
    const f = readNpyMatrix(join(dir, 'features.npy'));
    const ours = angularDistances({ ...f, rowA, rowB });
    const ref = readNpyScores(join(dir, 'reference_distances.npy'));
    const dDiff = ref.map((r, i) => Math.abs(r - ours[i]));
    const norms = featureNorms(f.data, f.rows, f.cols);
    const refNorms = readNpyScores(join(dir, 'reference_norms.npy'));
    const nDiff = refNorms.map((r, i) => Math.abs(r - norms[i]) / r);
    // numpy's arccos (SIMD) and V8's Math.acos may differ in the last bit; np.linalg.norm of a row is BLAS ddot.
    expect(Math.max(...dDiff)).toBeLessThan(1e-15);
    expect(Math.max(...nDiff)).toBeLessThan(1e-15);
    console.log(`${name}: distances max |Δ| ${Math.max(...dDiff).toExponential(2)}, ${dDiff.filter((d) => d === 0).length}/${dDiff.length} identical; norms max rel |Δ| ${Math.max(...nDiff).toExponential(2)}, ${nDiff.filter((d) => d === 0).length}/${nDiff.length} identical`);
  });
});

describe('runQuality on LFW-style sets equals the published scripts where the numbers can be trusted', () => {
  it.each(['large', 'small'])('%s', async (name) => {
    const result = await runQuality({ ...OPTS, sets: [paritySet(name)] });
    const set = result.sets[0];
    const exp = expected.sets[name];
    expect([set.pairs, set.genuine, set.impostor, set.samples]).toEqual([exp.pairs, exp.genuine, exp.impostor, exp.images]);
    expect(set.sources.map((s) => s.quality)).toEqual(['norm', 'coarse', 'fine', 'random']);
    expect(set.score).toBe('angular-distance');
    for (const source of set.sources.filter((s) => s.kind !== 'random')) {
      const e = exp.sources[source.quality];
      // MagFace: equal where ≥ 1000 impostors are left; null (NaN) elsewhere.
      source.magfaceErc.fnmr.forEach((x, k) => {
        if (source.keptImpostor[k] >= 1000) expect(x).toBe(e.magface.fnmr[k]);
        else expect(x).toBeNaN();
      });
      for (const c of source.erc) {
        const r = e.crfiqa[c.target.toExponential()];
        c.fnmr.forEach((x, k) => {
          if (source.keptImpostor[k] * c.target >= 1) expect(x).toBe(r.fnmr[k]);
          else expect(x).toBeNaN();
        });
        if (c.fnmr.every((x) => !Number.isNaN(x))) expect(c.auc).toBe(r.auc);
        else expect(c.auc).toBeNaN();
      }
      for (const kind of ['fnm', 'fm'] as const) {
        const ours = source.edc[kind];
        const ref = e.edc[kind];
        expect(ours.discard.length).toBe(ref.discard.length);
        // Thresholds go out as distances: the reference's similarity is −distance.
        const diffs = [ours.threshold + ref.threshold, ours.pauc - ref.pauc, ...ref.error.map((x: number, i: number) => ours.error[i] - x), ...ref.discard.map((x: number, i: number) => ours.discard[i] - x)];
        expect(Math.max(...diffs.map(Math.abs))).toBeLessThanOrEqual(1e-12);
      }
    }
    if (name === 'large') {
      // 11,217 impostors: FMR 1e-4 resolvable at discard 0.10 only, 1e-3 up to 0.90.
      expect(result.warnings).toContain('large: norm: ERC at FMR 1e-4: from discard 0.15 on, fewer than 10000 impostor pairs are left (9545): the target cannot be resolved (null; so is the AUC)');
      expect(result.warnings).toContain('large: norm: MagFace ERC: from discard 0.95 on, fewer than 1000 impostor pairs are left (545): its "FMR 1e-3" threshold cannot be resolved (null)');
    } else {
      expect(result.warnings.some((w) => w.startsWith('small: norm: MagFace ERC: from discard 0.00 on, fewer than 1000 impostor pairs are left (714)'))).toBe(true);
    }
  });
});

describe('random baseline', () => {
  it('is seeded: same seed, same qualities and curves; another seed, others', async () => {
    expect(randomQualities(5, 7)).toEqual(randomQualities(5, 7));
    expect(randomQualities(5, 7)).not.toEqual(randomQualities(5, 8));
    const q = randomQualities(10_000, 0);
    expect(Math.min(...q)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...q)).toBeLessThan(1);
    expect(Math.abs(q.reduce((a, b) => a + b, 0) / q.length - 0.5)).toBeLessThan(0.01);
    const a = await runQuality({ ...OPTS, norm: true, sets: [{ ...paritySet('small'), qualityFiles: [] }] });
    const b = await runQuality({ ...OPTS, norm: true, sets: [{ ...paritySet('small'), qualityFiles: [] }] });
    const c = await runQuality({ ...OPTS, norm: true, seed: 1, sets: [{ ...paritySet('small'), qualityFiles: [] }] });
    const random = (r: typeof a) => r.sets[0].sources.find((s) => s.kind === 'random')!;
    expect(random(a).erc[0].fnmr).toEqual(random(b).erc[0].fnmr);
    expect(random(a).edc.fnm.error).not.toEqual(random(c).edc.fnm.error);
  });
});

describe('IJB 1:1 sets', () => {
  const root = join(ROOT, 'fixtures', 'ijb-demo');
  const features = join(root, 'magface-r18', 'features.npy');
  it.each([
    ['mean', 'exact'],
    ['min', 'simd'],
  ] as const)('template quality = %s of face norms, %s scores; ERC equals brute force on the pipeline scores', async (how, scoring) => {
    const result = await runQuality({ ...OPTS, fmrs: [1e-2, 1e-1], sets: [{ kind: 'ijb', root, target: 'IJBC', features, templateQuality: how, scoring }] });
    const set = result.sets[0];
    expect([set.kind, set.score, set.aggregation, set.templateQuality, set.sampleKind]).toEqual(['ijb', 'cosine', 'plain', how, 'template']);
    // Independent: face norms, template groups and pair list read here.
    const f = readNpyMatrix(features);
    const faceLines = readFileSync(join(root, 'meta', 'ijbc_face_tid_mid.txt'), 'utf8').trim().split('\n').map((l) => l.split(' '));
    const byTemplate = new Map<number, number[]>();
    faceLines.forEach(([, tid], i) => {
      let s = 0;
      for (let c = 0; c < f.cols; c++) s += f.data[i * f.cols + c] ** 2;
      byTemplate.set(Number(tid), [...(byTemplate.get(Number(tid)) ?? []), Math.sqrt(s)]);
    });
    const tq = new Map([...byTemplate].map(([t, n]) => [t, how === 'mean' ? n.reduce((a, b) => a + b, 0) / n.length : Math.min(...n)]));
    const pairs = readFileSync(join(root, 'meta', 'ijbc_template_pair_label.txt'), 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number));
    const labels = pairs.map((p) => p[2]);
    const pairQuality = Float64Array.from(pairs, ([a, b]) => Math.min(tq.get(a)!, tq.get(b)!));
    const run = await runIjb1v1({ root, target: 'IJBC', features, aggregate: 'plain', fars: [1e-3], rule: 'nearest', scoring, keepScores: true });
    const scores = run.results[0].scores!;
    const order = numpyArgsort(pairQuality);
    const norm = set.sources[0];
    discardCounts(ERC_DISCARD_FRACTIONS, pairs.length).forEach((cut, k) => {
      const kept = Array.from(order.subarray(cut));
      const gen = kept.filter((p) => labels[p]).map((p) => scores[p]);
      const imp = kept.filter((p) => !labels[p]).map((p) => scores[p]);
      const m = bruteMagface(gen, imp);
      expect(norm.magfaceErc.fnmr[k]).toEqual(imp.length >= 1000 ? m.fnmr : NaN);
      result.fmrs.forEach((op, i) => expect(norm.erc[i].fnmr[k]).toEqual(imp.length * op >= 1 ? bruteCrfiqa(gen, imp, op).fnmr : NaN));
    });
    // Histogram: every pair counts its two templates.
    expect(norm.histogram!.genuine.reduce((a, b) => a + b, 0)).toBe(2 * set.genuine);
    expect(norm.histogram!.impostor.reduce((a, b) => a + b, 0)).toBe(2 * set.impostor);
  });

  it('quality files are matched by face name and averaged per template', async () => {
    const dir = tempDir();
    const names = readFileSync(join(root, 'meta', 'ijbc_face_tid_mid.txt'), 'utf8').trim().split('\n').map((l) => l.split(' ')[0]);
    // The norm of each face, written as a quality file with longer paths: the same curves as `norm`.
    const f = readNpyMatrix(features);
    const norms = featureNorms(f.data, f.rows, f.cols);
    writeFileSync(join(dir, 'q.txt'), names.map((n, i) => `/data/IJB_release/IJBC/loose_crop/${n} ${norms[i]}`).join('\n') + '\n');
    const result = await runQuality({ ...OPTS, sets: [{ kind: 'ijb', root, target: 'IJBC', features, qualityFiles: [{ name: 'file-norm', file: join(dir, 'q.txt') }] }] });
    const [norm, file] = result.sets[0].sources;
    expect(file.quality).toBe('file-norm');
    expect(file.magfaceErc.fnmr).toEqual(norm.magfaceErc.fnmr);
    expect(file.edc.fm.error).toEqual(norm.edc.fm.error);
  });
});

describe('.bin pairs (images by index) and the average-face strip', () => {
  it('quality by image index; strip from the pack images', async () => {
    const dir = tempDir();
    const bin = join(ROOT, 'fixtures', 'lfw-demo', 'demo.bin');
    const features = join(ROOT, 'fixtures', 'lfw-demo', 'demo_features.npy');
    const f = readNpyMatrix(features);
    writeFileSync(join(dir, 'q.txt'), Array.from({ length: f.rows }, (_, i) => `lfw/images/${String(i).padStart(5, '0')}.jpg ${(i * 7919) % 101}`).join('\n'));
    const result = await runQuality({ ...OPTS, averageFaces: { perDecile: 3 }, sets: [{ kind: 'pairs', format: 'insightface-bin', pairs: bin, features, qualityFiles: [{ name: 'idx', file: join(dir, 'q.txt') }] }] });
    const set = result.sets[0];
    expect([set.dataset, set.pairs, set.samples]).toEqual(['demo', 60, 120]);
    const strip = set.averageFaces!;
    expect(strip.deciles.map((d) => d.averaged)).toEqual(Array(10).fill(3));
    expect(Buffer.from(strip.png.subarray(1, 4)).toString()).toBe('PNG');
  });
});

describe('bad input', () => {
  const small = paritySet('small');
  it('a quality file missing an image: DataError naming both files', async () => {
    const dir = tempDir();
    const lines = readFileSync(join(DATA, 'small', 'coarse.txt'), 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'q.txt'), lines.slice(0, -2).join('\n'));
    await expect(runQuality({ ...OPTS, sets: [{ ...small, qualityFiles: [{ name: 'q', file: join(dir, 'q.txt') }] }] })).rejects.toThrow(
      /q\.txt: no quality score for 'p0059\/p0059_\d\d\.jpg' \(row 42[78] of .*names\.txt\); 2 images have none/,
    );
  });
  it('the data set names must agree, and built-in names are reserved', async () => {
    await expect(runQuality({ ...OPTS, sets: [small, { ...small, qualityFiles: [] }] })).rejects.toThrow('every data set needs quality files of the same names');
    await expect(runQuality({ ...OPTS, sets: [{ ...small, qualityFiles: [{ name: 'norm', file: 'x' }] }] })).rejects.toThrow("quality file name 'norm' is reserved");
    await expect(runQuality({ ...OPTS, norm: false, sets: [{ ...small, qualityFiles: [] }] })).rejects.toThrow('no quality source');
    await expect(runQuality({ ...OPTS, sets: [small, small] })).rejects.toThrow("two data sets are named 'small'");
    await expect(runQuality({ ...OPTS, sets: [{ ...small, qualityFiles: [{ name: 'q', file: '/nonexistent/q.txt' }] }] })).rejects.toThrow('/nonexistent/q.txt: cannot read (no such file)');
  });
  it('non-finite quality features: DataError naming row and column', async () => {
    const dir = tempDir();
    const f = readNpyMatrix(join(DATA, 'small', 'features.npy'));
    f.data[5 * f.cols + 3] = NaN;
    writeFileSync(join(dir, 'q.npy'), encodeNpy(f.data, [f.rows, f.cols]));
    await expect(runQuality({ ...OPTS, sets: [{ ...small, qualityFeatures: join(dir, 'q.npy') }] })).rejects.toThrow('q.npy: non-finite feature value NaN at row 6, column 4');
  });
});
