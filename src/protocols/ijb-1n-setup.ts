/**
 * The 1:N lists resolved against the face list (REFERENCE.md §6): each list's templates (unique
 * template ids, ascending, as `np.unique` gives them), each template's subject = the subject of its
 * first row (ijb_1n.py / ijb_evals.py `image2template_feature`), and every probe's mate. Bad lists
 * are data errors naming file and line: a template the face list lacks, galleries sharing a subject,
 * a probe subject with no mate or with two in the galleries (ijb_1n.py's `gen_mask` refuses both).
 */
import { DataError, at } from '../errors.js';
import { readTemplateSubjectList, type Ijb1nListPaths, type TemplateSubjectRows } from '../io/ijb-1n-lists.js';

/** One list's templates. Element i of each array is about its i-th template (ascending id). */
export interface ListTemplates {
  name: string;
  file: string;
  /** Template index in the run's template grouping. */
  templates: Int32Array;
  subjects: Float64Array;
  /** Line of the template's first row (for messages). */
  lines: Int32Array;
}

export interface IdentificationLists {
  galleries: ListTemplates[];
  probes: ListTemplates;
  /** Element p: the gallery holding probe p's mate (−1: none, its mate's template lost every face). */
  mateGallery: Int8Array;
  /** Element p: the position of the mate in that gallery. */
  matePosition: Int32Array;
  warnings: string[];
}

/**
 * `indexInFaceList` maps a template id to its index in the face list's grouping (−1: not there);
 * `indexInRun` to the run's grouping, which lacks templates whose faces were all excluded (those
 * templates drop out of the lists, with a warning).
 */
export function resolveIdentificationLists(
  paths: Ijb1nListPaths,
  facesFile: string,
  indexInFaceList: (id: number) => number,
  indexInRun: (id: number) => number,
): IdentificationLists {
  const warnings: string[] = [];
  const resolve = (name: string, rows: TemplateSubjectRows): ListTemplates => listTemplates(name, rows, facesFile, indexInFaceList, indexInRun, warnings);
  const galleries = paths.galleries.map((g) => resolve(g.name, readTemplateSubjectList(g.file)));
  const probes = resolve('probes', readTemplateSubjectList(paths.probes));
  const subjectHome = gallerySubjects(galleries);
  const mateGallery = new Int8Array(probes.templates.length);
  const matePosition = new Int32Array(probes.templates.length);
  let orphans = 0;
  probes.subjects.forEach((subject, p) => {
    const home = subjectHome.get(subject);
    if (!home) throw new DataError(at(probes.file, probes.lines[p], `probe subject ${subject} has no template in ${galleryNames(galleries)}: the closed-set protocol (ijb_1n.py gen_mask) needs exactly one`));
    if (home.length > 1) {
      const where = home.map(([g, i]) => `${galleries[g].file}:${galleries[g].lines[i]}`).join(', ');
      throw new DataError(at(probes.file, probes.lines[p], `probe subject ${subject} has ${home.length} templates in the galleries (${where}): the closed-set protocol (ijb_1n.py gen_mask) needs exactly one`));
    }
    [[mateGallery[p], matePosition[p]]] = home;
    if (galleries[mateGallery[p]].templates[matePosition[p]] < 0) {
      mateGallery[p] = -1;
      orphans++;
    }
  });
  if (orphans) warnings.push(`${orphans} probe templates lost their mate (a gallery template without faces) and are left out of 1:N`);
  return dropLostTemplates({ galleries, probes, mateGallery, matePosition, warnings });
}

/** Unique template ids ascending, subject of each one's first row; ids checked against the face list. */
function listTemplates(name: string, rows: TemplateSubjectRows, facesFile: string, inFaceList: (id: number) => number, inRun: (id: number) => number, warnings: string[]): ListTemplates {
  const firstRow = new Map<number, number>();
  let mixed = 0;
  rows.templateIds.forEach((id, i) => {
    const first = firstRow.get(id);
    if (first === undefined) firstRow.set(id, i);
    else if (rows.subjectIds[first] !== rows.subjectIds[i]) mixed++;
  });
  const ids = [...firstRow.keys()].sort((a, b) => a - b);
  for (const id of ids) {
    if (inFaceList(id) < 0) throw new DataError(at(rows.file, rows.lines[firstRow.get(id)!], `template ${id} is not in the face list ${facesFile}`));
  }
  if (mixed) warnings.push(`${rows.file}: ${mixed} rows give their template another subject than its first row; the first row's is used (as the published scripts do)`);
  return {
    name,
    file: rows.file,
    templates: Int32Array.from(ids, (id) => inRun(id)),
    subjects: Float64Array.from(ids, (id) => rows.subjectIds[firstRow.get(id)!]),
    lines: Int32Array.from(ids, (id) => rows.lines[firstRow.get(id)!]),
  };
}

/** Subject → its [gallery, position] entries; fails when two galleries share a subject. */
function gallerySubjects(galleries: ListTemplates[]): Map<number, [number, number][]> {
  const home = new Map<number, [number, number][]>();
  galleries.forEach((g, gi) =>
    g.subjects.forEach((subject, i) => {
      const entries = home.get(subject) ?? [];
      const other = entries.find(([og]) => og !== gi);
      if (other) {
        const o = galleries[other[0]];
        throw new DataError(at(g.file, g.lines[i], `subject ${subject} is also in gallery ${o.name} (${o.file}:${o.lines[other[1]]}); the galleries must not share a subject`));
      }
      entries.push([gi, i]);
      home.set(subject, entries);
    }),
  );
  return home;
}

const galleryNames = (galleries: ListTemplates[]): string => galleries.map((g) => g.name).join(' or ');

/** Leaves out templates without faces in this run (index −1) and probes without a mate. */
function dropLostTemplates(lists: IdentificationLists): IdentificationLists {
  const keepProbe = (p: number): boolean => lists.probes.templates[p] >= 0 && lists.mateGallery[p] >= 0;
  const lostGallery = lists.galleries.reduce((n, g) => n + g.templates.filter((t) => t < 0).length, 0);
  const lostProbes = lists.probes.templates.filter((t) => t < 0).length;
  if (lostGallery + lostProbes === 0 && lists.mateGallery.every((g) => g >= 0)) return lists;
  if (lostGallery + lostProbes) lists.warnings.push(`${lostGallery} gallery and ${lostProbes} probe templates of the 1:N lists have no faces left (excluded) and are left out`);
  const positions = lists.galleries.map((g) => remapKept(g.templates));
  const kept = lists.probes.templates.map((_, p) => (keepProbe(p) ? 1 : 0));
  const pick = <T extends Int32Array | Float64Array | Int8Array>(a: T, keep: ArrayLike<number>): T => a.filter((_, i) => keep[i]) as T;
  const mateGallery = pick(lists.mateGallery, kept);
  return {
    galleries: lists.galleries.map((g) => {
      const keep = g.templates.map((t) => (t >= 0 ? 1 : 0));
      return { ...g, templates: pick(g.templates, keep), subjects: pick(g.subjects, keep), lines: pick(g.lines, keep) };
    }),
    probes: { ...lists.probes, templates: pick(lists.probes.templates, kept), subjects: pick(lists.probes.subjects, kept), lines: pick(lists.probes.lines, kept) },
    mateGallery,
    matePosition: Int32Array.from(pick(lists.matePosition, kept), (pos, i) => positions[mateGallery[i]][pos]),
    warnings: lists.warnings,
  };
}

/** Element i: the position of template i among the kept (index ≥ 0) ones, or −1. */
function remapKept(templates: Int32Array): Int32Array {
  let n = 0;
  return templates.map((t) => (t >= 0 ? n++ : -1));
}
