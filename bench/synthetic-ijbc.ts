/**
 * Writes an IJB-C-sized synthetic IJB_release (meta files + features .npy) with the real protocol's
 * structure, deterministic from the seed: 469,375 faces × 512 with flip features, 23,124 templates,
 * 3,531 gallery × 19,593 probe templates, 15,658,489 pairs of which 19,557 genuine. Features are
 * subject directions plus noise whose size falls with a per-face quality that also sets the feature
 * magnitude (so magnitude weighting matters, as with MagFace).
 *
 * The 1:N files have IJB-C's sizes too: gallery G1 = the first 1,772 gallery templates, G2 = the
 * other 1,759 (one template per subject), `ijbc_1N_probe_mixed.csv` = all 19,593 probe templates,
 * one row per face (`TEMPLATE_ID,SUBJECT_ID,FILENAME`). They are written from the same random
 * stream's results without drawing from it, so the 1:1 files are those of the earlier generator.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const IJBC_SCALE = {
  faces: 469_375,
  gallery: 3_531,
  galleryG1: 1_772,
  probes: 19_593,
  pairs: 15_658_489,
  genuine: 19_557,
  dim: 512,
};

function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

function npyHeader(rows: number, cols: number): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 11, ' ') + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1')]);
}

/** Buffered text writer (writeSync in 16 MB blocks). */
class TextOut {
  private buf = Buffer.alloc(1 << 24);
  private n = 0;
  private fd: number;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  line(s: string): void {
    if (this.n + s.length + 1 > this.buf.length) this.flush();
    this.n += this.buf.write(s, this.n, 'latin1');
    this.buf[this.n++] = 10;
  }
  flush(): void {
    writeSync(this.fd, this.buf, 0, this.n);
    this.n = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export function writeSyntheticIjbc(root: string, seed = 1): void {
  const S = IJBC_SCALE;
  const rand = xorshift32(seed);
  const templates = S.gallery + S.probes;
  mkdirSync(join(root, 'meta'), { recursive: true });

  // Template ids: distinct, shuffled; gallery = first S.gallery, one subject each; probes belong to
  // gallery subjects (the first S.genuine probes have a mate in the pair list).
  const ids = Array.from({ length: templates }, (_, i) => 1 + i * 8 + Math.floor(rand() * 8));
  for (let i = templates - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const subjectOf = new Int32Array(templates);
  for (let t = 0; t < templates; t++) subjectOf[t] = t < S.gallery ? t : Math.floor(rand() * S.gallery);

  // Faces per template: ~20.3 on average but skewed, as in IJB-C: many templates of a few stills,
  // some with long videos.
  const facesPerTemplate = new Int32Array(templates);
  let assigned = 0;
  for (let t = 0; t < templates; t++) {
    facesPerTemplate[t] = rand() < 0.4 ? 1 + Math.floor(rand() * 3) : 1 + Math.floor(rand() * 64);
    assigned += facesPerTemplate[t];
  }
  for (let t = 0; assigned !== S.faces; t = (t + 1) % templates) {
    const step = assigned < S.faces ? 1 : facesPerTemplate[t] > 1 ? -1 : 0;
    facesPerTemplate[t] += step;
    assigned += step;
  }

  const D = S.dim;
  const directions = new Float32Array(S.gallery * D);
  for (let i = 0; i < directions.length; i++) directions[i] = rand() - 0.5;
  const faceFd = openSync(join(root, 'features.npy'), 'w');
  const flipFd = openSync(join(root, 'features_flip.npy'), 'w');
  writeSync(faceFd, npyHeader(S.faces, D));
  writeSync(flipFd, npyHeader(S.faces, D));
  const tidMid = new TextOut(join(root, 'meta', 'ijbc_face_tid_mid.txt'));
  const lists = ['ijbc_1N_gallery_G1.csv', 'ijbc_1N_gallery_G2.csv', 'ijbc_1N_probe_mixed.csv'].map((name) => new TextOut(join(root, 'meta', name)));
  for (const list of lists) list.line('TEMPLATE_ID,SUBJECT_ID,FILENAME');
  const listOf = (t: number): TextOut => lists[t >= S.gallery ? 2 : t < S.galleryG1 ? 0 : 1];
  const lmk = new TextOut(join(root, 'meta', 'ijbc_name_5pts_score.txt'));
  const BLOCK = 4096;
  const face = new Float32Array(BLOCK * D);
  const flip = new Float32Array(BLOCK * D);
  let inBlock = 0;
  let faceNo = 0;
  let media = 100_000;
  const flush = (): void => {
    writeSync(faceFd, new Uint8Array(face.buffer, 0, inBlock * D * 4));
    writeSync(flipFd, new Uint8Array(flip.buffer, 0, inBlock * D * 4));
    inBlock = 0;
  };
  for (let t = 0; t < templates; t++) {
    let left = facesPerTemplate[t];
    while (left > 0) {
      const frames = rand() < 0.5 ? 1 : Math.min(left, 1 + Math.floor(rand() * 12));
      media++;
      for (let f = 0; f < frames; f++, left--) {
        const quality = 0.2 + 0.8 * rand();
        const noise = 1.2 + 6 * (1 - quality) ** 2;
        const magnitude = 12 + 20 * quality;
        const o = inBlock * D;
        const dir = subjectOf[t] * D;
        let ss = 0;
        for (let j = 0; j < D; j++) {
          const v = directions[dir + j] + noise * (rand() + rand() - 1);
          face[o + j] = v;
          flip[o + j] = v + 0.02 * (rand() - 0.5);
          ss += v * v;
        }
        // Direction from the noisy sample, magnitude from the quality alone (as MagFace learns it).
        const scale = magnitude / Math.sqrt(ss);
        for (let j = 0; j < D; j++) {
          face[o + j] *= scale;
          flip[o + j] *= scale;
        }
        faceNo++;
        tidMid.line(`${faceNo}.jpg ${ids[t]} ${media}`);
        listOf(t).line(`${ids[t]},${subjectOf[t] + 1},img/${faceNo}.jpg`);
        lmk.line(`${faceNo}.jpg 38.3 51.7 73.5 51.5 56.0 71.7 41.5 92.4 70.7 92.2 ${(0.5 + 0.5 * quality).toFixed(6)}`);
        if (++inBlock === BLOCK) flush();
      }
    }
  }
  flush();
  closeSync(faceFd);
  closeSync(flipFd);
  tidMid.close();
  lmk.close();
  for (const list of lists) list.close();

  // Pairs: every probe meets its mate (for the first S.genuine probes) and impostor gallery
  // templates until the total is S.pairs (~799 per probe).
  const pairs = new TextOut(join(root, 'meta', 'ijbc_template_pair_label.txt'));
  const impostorTotal = S.pairs - S.genuine;
  let written = 0;
  for (let p = 0; p < S.probes; p++) {
    const t = S.gallery + p;
    const hasMate = p < S.genuine;
    if (hasMate) pairs.line(`${ids[subjectOf[t]]} ${ids[t]} 1`);
    const quota = Math.floor((impostorTotal * (p + 1)) / S.probes) - written;
    const start = Math.floor(rand() * S.gallery);
    for (let k = 0, g = start; k < quota; g = (g + 1) % S.gallery) {
      if (g === subjectOf[t]) continue;
      pairs.line(`${ids[g]} ${ids[t]} 0`);
      k++;
    }
    written += quota;
  }
  pairs.close();
}
