/**
 * The ROC of a float32 score vector in the WebAssembly kernels: split by label, radix sort of the
 * impostor scores and the vertex walk, all in the kernel memory, whose pages are reused from one
 * aggregation to the next (on this project's VMs, touching fresh memory costs more than sorting).
 * Same definition and same numbers as `splitByLabel` + `rocCurve` (tested against them).
 *
 * The returned arrays are VIEWS into the kernel memory: valid until the kernels are used again.
 * `scores` may itself be the view at `base` (where `scorePairsSimd` writes): it is CONSUMED then —
 * once split, its memory holds the sort's second buffer and, at the end, the sorted impostor scores.
 */
import { Kernels, align16 } from '../wasm/kernels.js';
import type { RocCurve, SortedScores } from './roc.js';
import { sortDescending } from './sort-descending.js';

export interface KernelRoc {
  sorted: SortedScores & { genuine: Float32Array; impostor: Float32Array };
  roc: RocCurve;
}

/** Kernel memory rocCurveInKernels uses from `base`, for a curve of `vertices` vertices. */
export function rocKernelBytes(n: number, positives: number, vertices: number): number {
  const N = n - positives;
  return align16(n * 4) + align16(n) + align16(N * 4) + align16(positives * 4) + 3 * 2048 * 4 + 5 * align16(vertices * 8);
}

export function rocCurveInKernels(scores: Float32Array, labels: Uint8Array, kernels: Kernels, dropIntermediate = true, base = 0): KernelRoc {
  const n = scores.length;
  // Kernel-resident inputs are used where they lie.
  const inPlace = kernels.owns(scores) && scores.byteOffset === base;
  const labelsInKernels = kernels.owns(labels); // the pair parser put them there
  let P = 0;
  for (let k = 0; k < n; k++) P += labels[k];
  const N = n - P;
  const scoresAt = base;
  const labelsAt = labelsInKernels ? labels.byteOffset : scoresAt + align16(n * 4);
  const keysAt = scoresAt + align16(n * 4) + (labelsInKernels ? 0 : align16(n));
  const tmpAt = scoresAt; // free once split: the radix sort's second buffer, and its output
  const genuineAt = keysAt + align16(N * 4);
  const histAt = genuineAt + align16(P * 4);
  const curveAt = histAt + 3 * 2048 * 4;
  kernels.ensureBytes(curveAt);
  // The simd scorer leaves its scores where they are needed.
  if (!inPlace) kernels.f32(scoresAt, n).set(scores);
  if (!labelsInKernels) kernels.u8(labelsAt, n).set(labels);
  kernels.i32(histAt, 3 * 2048).fill(0);
  const k = kernels.k;
  k.splitScores(scoresAt, labelsAt, n, genuineAt, keysAt, histAt);
  k.sortKeysDescending(keysAt, tmpAt, N, histAt);
  const genuine = kernels.f32(genuineAt, P);
  genuine.set(sortDescending(genuine.slice()));

  const drop = dropIntermediate ? 1 : 0;
  const count = k.rocVertices(genuineAt, P, tmpAt, N, drop, 0, 0, 0, 0, 0, 0);
  if (count < 0) throw new Error('rocCurveInKernels: NaN score');
  const bytes = count * 8;
  const [tpAt, fpAt, thrAt, fprAt, tprAt] = [0, 1, 2, 3, 4].map((a) => curveAt + a * align16(bytes));
  kernels.ensureBytes(tprAt + bytes);
  k.rocVertices(genuineAt, P, tmpAt, N, drop, 1, tpAt, fpAt, thrAt, fprAt, tprAt);
  const roc: RocCurve = {
    trueAccepts: kernels.f64(tpAt, count),
    falseAccepts: kernels.f64(fpAt, count),
    thresholds: kernels.f64(thrAt, count),
    fpr: kernels.f64(fprAt, count),
    tpr: kernels.f64(tprAt, count),
    positives: P,
    negatives: N,
  };
  // Vertex 0: (0, 0) at threshold +Infinity, rates as rocCurve computes them.
  roc.trueAccepts[0] = 0;
  roc.falseAccepts[0] = 0;
  roc.thresholds[0] = Infinity;
  roc.fpr[0] = 0 / N;
  roc.tpr[0] = 0 / P;
  return { sorted: { genuine: kernels.f32(genuineAt, P), impostor: kernels.f32(tmpAt, N) }, roc };
}
