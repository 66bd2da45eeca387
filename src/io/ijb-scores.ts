/**
 * The pair scores `facebench ijb --scores DIR` writes — `DIR/<aggregation>.npy`, one value per line of
 * the pair file, NaN for a pair dropped because a template lost all its faces — read back with the
 * pair file's labels, so a run can be re-evaluated (another --rule, other targets) without features.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataError } from '../errors.js';
import { ijbMetaPaths, readTemplatePairs, type IjbTarget } from './ijb-meta.js';
import { readNpyScores } from './npy.js';
import type { LabelledScores } from './score-text.js';

export interface IjbScoreSet extends LabelledScores {
  /** The file name without `.npy` (the aggregation; `:` was written as `_`). */
  name: string;
}

/** Every `.npy` in `dir` (by name), or the named ones (`<name>.npy`, `:` → `_`), with the labels of `root`'s pair file. */
export function readIjbScores(dir: string, root: string, target: IjbTarget, names?: string[]): IjbScoreSet[] {
  const files = names ? names.map((n) => join(dir, `${n.replace(/:/g, '_')}.npy`)) : listNpy(dir);
  const pairFile = ijbMetaPaths(root, target).pairs;
  // Only the labels are needed: every template id is accepted.
  const labels = readTemplatePairs(pairFile, () => 0, 1).labels;
  return files.map((file) => {
    const scores = readNpyScores(file);
    if (scores.length !== labels.length) {
      throw new DataError(`${file}: has ${scores.length} scores but ${pairFile} has ${labels.length} pairs (ijb --scores writes one per pair-file line)`);
    }
    let positives = 0;
    let droppedNan = 0;
    for (let k = 0; k < scores.length; k++) {
      if (Number.isNaN(scores[k])) droppedNan++;
      else positives += labels[k];
    }
    const genuine = new Float64Array(positives);
    const impostor = new Float64Array(scores.length - droppedNan - positives);
    let g = 0;
    let i = 0;
    for (let k = 0; k < scores.length; k++) {
      const s = scores[k];
      if (Number.isNaN(s)) continue;
      if (!Number.isFinite(s)) throw new DataError(`${file}: score ${k} (pair-file line ${k + 1}) is ${s}: expected a finite score or NaN`);
      if (labels[k]) genuine[g++] = s;
      else impostor[i++] = s;
    }
    return { name: basename(file).replace(/\.npy$/i, ''), genuine, impostor, droppedNan };
  });
}

function listNpy(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    throw new DataError(`${dir}: cannot list (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const files = entries.filter((f) => f.toLowerCase().endsWith('.npy')).sort();
  if (files.length === 0) throw new DataError(`${dir}: no .npy score files (ijb --scores DIR writes one per aggregation)`);
  return files.map((f) => join(dir, f));
}
