/**
 * Groups faces into templates and media the way both reference scripts iterate them: templates by
 * ascending id, media within a template by ascending id, faces within a media by ascending face index
 * (np.unique + np.where order). PURE.
 */

export interface TemplateGrouping {
  /** Sorted unique template ids; template t of every result is templateIds[t]. */
  templateIds: Float64Array;
  /** Face indices in grouping order. */
  faceOrder: Int32Array;
  /** Length media+1: media k holds faceOrder[mediaOffsets[k] .. mediaOffsets[k+1]). */
  mediaOffsets: Int32Array;
  /** Length templates+1: template t holds media [templateMediaOffsets[t] .. templateMediaOffsets[t+1]). */
  templateMediaOffsets: Int32Array;
  /** Per face (file order): the media slot k it belongs to, or -1 for an excluded face. */
  mediaOfFace: Int32Array;
}

/** Maps a template id to its index in `sortedIds`, or -1. A dense table when the id range allows. */
export function templateIndexLookup(sortedIds: Float64Array): (id: number) => number {
  const min = sortedIds[0];
  const max = sortedIds[sortedIds.length - 1];
  if (min >= 0 && max < 1 << 24) {
    const table = new Int32Array(max + 1).fill(-1);
    for (let i = 0; i < sortedIds.length; i++) table[sortedIds[i]] = i;
    return (id) => (id >= 0 && id <= max ? table[id] : -1);
  }
  const map = new Map<number, number>();
  sortedIds.forEach((id, i) => map.set(id, i));
  return (id) => map.get(id) ?? -1;
}

/**
 * `excluded` (1 = leave the face out, e.g. an unreadable image): such faces join no media, and a
 * template left with no faces disappears from `templateIds`.
 */
export function groupFacesByTemplate(templateIds: Float64Array, mediaIds: Float64Array, excluded?: Uint8Array): TemplateGrouping {
  const n = templateIds.length;
  const kept = excluded ? templateIds.filter((_, i) => !excluded[i]) : templateIds;
  const sorted = Float64Array.from(kept).sort();
  let unique = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[unique++] = sorted[i];
  const uniqueIds = sorted.slice(0, unique);
  const indexOf = templateIndexLookup(uniqueIds);

  // Stable counting sort of faces by template index.
  const templateOf = new Int32Array(n);
  const start = new Int32Array(unique + 1);
  for (let i = 0; i < n; i++) {
    templateOf[i] = excluded?.[i] ? -1 : indexOf(templateIds[i]);
    if (templateOf[i] >= 0) start[templateOf[i] + 1]++;
  }
  for (let t = 0; t < unique; t++) start[t + 1] += start[t];
  const faceOrder = new Int32Array(start[unique]);
  const fill = start.slice(0, unique);
  for (let i = 0; i < n; i++) if (templateOf[i] >= 0) faceOrder[fill[templateOf[i]]++] = i;

  // Within a template, order by media id (stable, so ties keep ascending face index).
  const mediaStarts: number[] = [];
  const templateMediaOffsets = new Int32Array(unique + 1);
  for (let t = 0; t < unique; t++) {
    const lo = start[t];
    const hi = start[t + 1];
    let ordered = true;
    for (let k = lo + 1; k < hi && ordered; k++) ordered = mediaIds[faceOrder[k - 1]] <= mediaIds[faceOrder[k]];
    if (!ordered) {
      const slice = Array.from(faceOrder.subarray(lo, hi)).sort((a, b) => mediaIds[a] - mediaIds[b] || a - b);
      faceOrder.set(slice, lo);
    }
    templateMediaOffsets[t] = mediaStarts.length;
    for (let k = lo; k < hi; k++) {
      if (k === lo || mediaIds[faceOrder[k]] !== mediaIds[faceOrder[k - 1]]) mediaStarts.push(k);
    }
  }
  templateMediaOffsets[unique] = mediaStarts.length;
  mediaStarts.push(faceOrder.length);
  const mediaOffsets = Int32Array.from(mediaStarts);
  const mediaOfFace = new Int32Array(n).fill(-1);
  for (let m = 0; m + 1 < mediaOffsets.length; m++) {
    for (let k = mediaOffsets[m]; k < mediaOffsets[m + 1]; k++) mediaOfFace[faceOrder[k]] = m;
  }
  return { templateIds: uniqueIds, faceOrder, mediaOffsets, templateMediaOffsets, mediaOfFace };
}
