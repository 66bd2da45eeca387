/**
 * The 1:N protocol on the demo fixture: bad lists are data errors naming file and line (exit 2 in
 * the CLI); both protocols in one run give what each gives alone; excluded faces; the reporters.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { encodeNpy, readNpyMatrix } from '../../src/io/npy.js';
import { ijb1nListPaths } from '../../src/io/ijb-1n-lists.js';
import { runIjb, type IjbRunOptions, type IjbRunResult } from '../../src/protocols/ijb-pipeline.js';
import { runIjb1v1 } from '../../src/protocols/ijb-1v1.js';
import { ijbJson, ijbRunJson, ijbRunText } from '../../src/report/ijb-report.js';
import { ijb1nCsv, ijb1nJson, ijb1nMarkdown } from '../../src/report/ijb-1n-report.js';

const DEMO = join(import.meta.dirname, '..', '..', 'fixtures', 'ijb-demo');
const TMP = mkdtempSync(join(tmpdir(), 'facebench-1n-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const base = (root = DEMO): IjbRunOptions => ({
  root,
  target: 'IJBC',
  features: join(DEMO, 'magface-r18', 'features.npy'),
  flipFeatures: join(DEMO, 'magface-r18', 'features_flip.npy'),
  aggregate: 'plain,magnitude',
  fars: [1e-2, 1e-1],
  rule: 'nearest',
  scoring: 'exact',
  protocols: ['1n'],
  fpirs: [2e-2, 1e-1],
});

/** A copy of the demo meta folder with one list file rewritten by `edit` (lines without the newline). */
function variant(file: string, edit: (lines: string[]) => string[]): string {
  const root = mkdtempSync(join(TMP, 'v-'));
  cpSync(join(DEMO, 'meta'), join(root, 'meta'), { recursive: true });
  const path = join(root, 'meta', file);
  writeFileSync(path, edit(readFileSync(path, 'utf8').trimEnd().split('\n')).join('\n') + '\n');
  return root;
}

async function failure(root: string): Promise<DataError> {
  const e = await runIjb(base(root)).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DataError);
  expect((e as DataError).exitCode).toBe(2);
  return e as DataError;
}

describe('1:N bad input: data errors naming file:line', () => {
  it('a probe subject without a mate in the galleries', async () => {
    // line 5 is the first row of the second probe template: its subject is the template's
    const root = variant('ijbc_1N_probe_mixed.csv', (l) => l.map((x, i) => (i === 4 ? x.replace(/^(\d+),\d+,/, '$1,999,') : x)));
    expect((await failure(root)).message).toMatch(/ijbc_1N_probe_mixed\.csv:5: probe subject 999 has no template in G1 or G2: the closed-set protocol \(ijb_1n\.py gen_mask\) needs exactly one/);
  });
  it('a probe subject with two templates in the galleries', async () => {
    // gallery template 1007 (subject 101) refiled under subject 100, which already has template 1000
    const root = variant('ijbc_1N_gallery_G1.csv', (l) => l.map((x) => x.replace(/^1007,101,/, '1007,100,')));
    expect((await failure(root)).message).toMatch(/ijbc_1N_probe_mixed\.csv:\d+: probe subject 100 has 2 templates in the galleries \(.*ijbc_1N_gallery_G1\.csv:2, .*ijbc_1N_gallery_G1\.csv:\d+\)/);
  });
  it('a template the face list lacks', async () => {
    const root = variant('ijbc_1N_gallery_G2.csv', (l) => [...l, '424242,120,x.jpg']);
    expect((await failure(root)).message).toMatch(/ijbc_1N_gallery_G2\.csv:82: template 424242 is not in the face list .*ijbc_face_tid_mid\.txt/);
  });
  it('a subject id that is not an integer', async () => {
    const root = variant('ijbc_1N_probe_mixed.csv', (l) => l.map((x, i) => (i === 3 ? x.replace(/^(\d+),\d+,/, '$1,12a,') : x)));
    expect((await failure(root)).message).toMatch(/ijbc_1N_probe_mixed\.csv:4: expected a subject id \(an integer\), found '12a'/);
  });
  it('G1 and G2 sharing a subject', async () => {
    const root = variant('ijbc_1N_gallery_G2.csv', (l) => l.map((x) => x.replace(/^(\d+),120,/, '$1,100,')));
    expect((await failure(root)).message).toMatch(/ijbc_1N_gallery_G2\.csv:2: subject 100 is also in gallery G1 \(.*ijbc_1N_gallery_G1\.csv:2\); the galleries must not share a subject/);
  });
  it('a list without its header line', async () => {
    const root = variant('ijbc_1N_gallery_G1.csv', (l) => l.slice(1));
    expect((await failure(root)).message).toMatch(/ijbc_1N_gallery_G1\.csv:1: expected a header line \(TEMPLATE_ID,SUBJECT_ID,…\), found '1000,100,loose_crop\/1\.jpg'/);
  });
  it('missing 1N files when 1:N is asked (before anything is read), fine for 1:1 alone', async () => {
    const root = mkdtempSync(join(TMP, 'v-'));
    cpSync(join(DEMO, 'meta'), join(root, 'meta'), { recursive: true });
    rmSync(join(root, 'meta', 'ijbc_1N_gallery_G2.csv'));
    expect((await failure(root)).message).toMatch(/ijbc_1N_gallery_G2\.csv: cannot read \(no such file\); 1:N needs the gallery and probe lists/);
    await expect(runIjb({ ...base(root), protocols: ['1v1'] })).resolves.toBeDefined();
  });
  it('a long token is cut in the message', async () => {
    const root = variant('ijbc_1N_probe_mixed.csv', (l) => l.map((x, i) => (i === 2 ? `${'9'.repeat(80)},100,x` : x)));
    const m = (await failure(root)).message;
    expect(m).toMatch(/ijbc_1N_probe_mixed\.csv:3: expected a template id \(an integer\), found '9{37}…'/);
  });
});

describe('1:N list files', () => {
  it('IJB-C: G1 / G2; IJB-B: S1 / S2; and the probe list', () => {
    expect(ijb1nListPaths('R', 'IJBC')).toEqual({ galleries: [{ name: 'G1', file: join('R', 'meta', 'ijbc_1N_gallery_G1.csv') }, { name: 'G2', file: join('R', 'meta', 'ijbc_1N_gallery_G2.csv') }], probes: join('R', 'meta', 'ijbc_1N_probe_mixed.csv') });
    expect(ijb1nListPaths('R', 'IJBB').galleries.map((g) => g.file)).toEqual([join('R', 'meta', 'ijbb_1N_gallery_S1.csv'), join('R', 'meta', 'ijbb_1N_gallery_S2.csv')]);
  });
});

describe('1:N on the demo fixture', () => {
  let both: IjbRunResult;
  beforeAll(async () => {
    both = await runIjb({ ...base(), protocols: ['1v1', '1n'], keepScores: false });
  });

  it('one run of both protocols = each alone (1:1 JSON byte-identical; 1:N numbers identical)', async () => {
    const alone1v1 = await runIjb1v1({ ...base(), keepScores: false });
    expect(ijbJson(both.oneToOne!)).toBe(ijbJson(alone1v1));
    const alone1n = await runIjb(base());
    expect(ijb1nJson(both.oneToN!, { curve: true })).toBe(ijb1nJson(alone1n.oneToN!, { curve: true }));
  });

  it('counts and definitions: 120 probes, G1 and G2 of 20 templates, each probe mated once', () => {
    const r = both.oneToN!;
    expect(r.counts).toEqual({
      images: 520,
      probes: 120,
      galleries: [
        { name: 'G1', templates: 20, mated: 60, nonMated: 60 },
        { name: 'G2', templates: 20, mated: 60, nonMated: 60 },
      ],
    });
    for (const x of r.results) {
      // rank-k summed over galleries = hits over both / probes; closed-set ranks are never better than open-set ones
      expect(x.rank[0].hits).toBe(x.perGallery[0].rank[0].hits + x.perGallery[1].rank[0].hits);
      x.closedSet.rank.forEach((c, i) => expect(c.hits).toBeLessThanOrEqual(x.rank[i].hits));
      expect(x.cmc.closedSet[x.cmc.closedSet.length - 1]).toBe(1);
    }
  });

  it('JSON: the 1:N object as the issue shapes it; unresolvable targets null with a warning', () => {
    const doc = JSON.parse(ijbRunJson(both));
    expect(doc.schemaVersion).toBe(2);
    expect(doc.protocols.map((p: { protocol: string }) => p.protocol)).toEqual(['ijb-1v1', 'ijb-1n']);
    const onen = doc.protocols[1];
    const plain = onen.results[0];
    expect(Object.keys(plain)).toEqual(['aggregation', 'rank', 'tpir_at_fpir', 'per_gallery', 'closed_set']);
    expect(Object.keys(plain.rank)).toEqual(['1', '5', '10']);
    expect(Object.keys(plain.tpir_at_fpir)).toEqual(['2e-2', '1e-1']);
    expect(Object.keys(plain.per_gallery.G1)).toEqual(['rank', 'tpir_at_fpir', 'threshold', 'fpir_actual', 'mated_accepted', 'non_mated_accepted', 'rank_ties']);
    expect(Object.keys(plain.closed_set.insightface_far)).toEqual(['1e-2', '1e-1']);
    expect(plain.tpir_at_fpir['2e-2']).toBe((plain.per_gallery.G1.tpir_at_fpir['2e-2'] + plain.per_gallery.G2.tpir_at_fpir['2e-2']) / 2);
    const small = JSON.parse(ijb1nJson({ ...both.oneToN!, results: both.oneToN!.results }));
    expect(small.protocol).toBe('ijb-1n');
    expect(ijbRunJson({ oneToOne: both.oneToOne })).toBe(ijbJson(both.oneToOne!));
  });

  it('unresolvable FPIR targets are null in the JSON, with the reason in the warnings', async () => {
    const r = (await runIjb({ ...base(), fpirs: [1e-3, 1e-1] })).oneToN!;
    const doc = JSON.parse(ijb1nJson(r));
    expect(doc.results[0].tpir_at_fpir['1e-3']).toBeNull();
    expect(doc.results[0].per_gallery.G1.tpir_at_fpir['1e-3']).toBeNull();
    expect(doc.results[0].per_gallery.G1.threshold['1e-3']).toEqual(expect.any(Number));
    expect(doc.warnings.join('\n')).toMatch(/FPIR 1e-3 cannot be resolved with the 60 non-mated searches of G1 \(it needs at least 1,000\): its TPIR is reported as null/);
  });

  it('the text puts the 1:N tables under the 1:1 table, published rows on request; markdown and CSV', () => {
    const text = ijbRunText(both, { published: true });
    expect(text.indexOf('1:1 verification')).toBeLessThan(text.indexOf('1:N identification'));
    expect(text).toMatch(/ArcFace R100 MS1MV2 \(insightface\) \(published\)\s+96\.39\s+97\.54\s+97\.87\s+92\.94\s+95\.37/);
    expect(ijb1nMarkdown(both.oneToN!)).toMatch(/\| aggregation \| rank-1 \|/);
    const csv = ijb1nCsv(both.oneToN!).trim().split('\n');
    expect(csv[0]).toBe('dataset,aggregation,definition,gallery,metric,at,value,threshold,fpir_actual');
    expect(csv.length).toBe(1 + 2 * (3 + 2 + 2 * (3 + 2) + 3 + 2));
  });

  it('1:N alone aggregates only the templates of its lists (a broken face of another template does not matter)', async () => {
    const root = mkdtempSync(join(TMP, 'v-'));
    cpSync(join(DEMO, 'meta'), join(root, 'meta'), { recursive: true });
    for (const [file, line] of [['ijbc_face_tid_mid.txt', '9999.jpg 99999 777777'], ['ijbc_name_5pts_score.txt', '9999.jpg 1 2 3 4 5 6 7 8 9 10 0.9']]) {
      writeFileSync(join(root, 'meta', file), readFileSync(join(root, 'meta', file), 'utf8') + line + '\n');
    }
    // one more feature row, all zero: `plain` cannot normalise it
    for (const name of ['features.npy', 'features_flip.npy']) {
      const f = readNpyMatrix(join(DEMO, 'magface-r18', name));
      writeFileSync(join(root, name), encodeNpy(Float32Array.from([...f.data, ...new Float32Array(f.cols)]), [f.rows + 1, f.cols]));
    }
    const opts = { ...base(root), features: join(root, 'features.npy'), flipFeatures: join(root, 'features_flip.npy') };
    const alone = (await runIjb(opts)).oneToN!;
    expect(ijb1nJson(alone)).toBe(ijb1nJson((await runIjb(base())).oneToN!));
    await expect(runIjb({ ...opts, protocols: ['1v1', '1n'] })).rejects.toThrow(/row 521 \(face '9999\.jpg'\) has a zero feature vector/);
  });

  it('excluded faces: a gallery template without faces drops out with its probes, with warnings', async () => {
    const faces = readFileSync(join(DEMO, 'meta', 'ijbc_face_tid_mid.txt'), 'utf8').trim().split('\n');
    const ofTemplate1000 = faces.flatMap((l, i) => (l.split(' ')[1] === '1000' ? [i] : []));
    const r = (await runIjb({ ...base(), excludedFaces: ofTemplate1000 })).oneToN!;
    expect(r.counts.galleries[0]).toEqual({ name: 'G1', templates: 19, mated: 57, nonMated: 60 });
    expect(r.counts.probes).toBe(117);
    expect(r.warnings.join('\n')).toMatch(/3 probe templates lost their mate/);
  });
});
