/**
 * Alignment for the IJB-B clustering protocols, which give each face a box and three landmarks
 * (two eyes and the nose) instead of insightface's five. facebench's choice (no reference exists):
 *
 * - three landmarks: the least-squares similarity (align.ts `similarityTransform`, Umeyama) from
 *   the eyes and nose to the matching points of the ArcFace template — the eye with the smaller x
 *   to the template's first eye (38.29, 51.70), the other to (73.53, 51.50), the nose to
 *   (56.03, 71.74). Taking the eyes by x works whichever way a protocol names them (subject's or
 *   image's left) for faces turned less than 90° in the image plane.
 * - a landmark missing (empty fields in the release): the box alone — its centre to the crop's
 *   centre, its longer side to the crop's side, no rotation.
 *
 * The warp is align.ts's, reference-exact to cv2.warpAffine. So that the unchanged 5-point
 * extractor can apply it, each transform is handed over as five *virtual* landmarks: the template's
 * five points mapped back into the image. Their 5-point least-squares fit is the transform itself
 * (zero residual; stored as float32, as the extractor takes landmarks, the refit agrees to ~1e-5
 * pixel). PURE.
 */
import type { IjbbClusteringProtocol } from '../io/ijbb-clustering.js';
import { ARCFACE_TEMPLATE_112, invertAffine, similarityTransform, type Affine2x3 } from './align.js';

/** The template's eyes and nose (x y), in the order the least squares pairs them. */
const TEMPLATE_EYES_NOSE: readonly number[] = ARCFACE_TEMPLATE_112.slice(0, 6);

/**
 * The similarity taking a face's eyes and nose onto the template's. `points`: right eye x y, left
 * eye x y, nose x y (the protocol's column order). NaNs when the points are degenerate.
 */
export function threePointTransform(points: ArrayLike<number>, size = 112): Affine2x3 {
  const [ax, ay, bx, by, nx, ny] = Array.from({ length: 6 }, (_, k) => points[k]);
  const src = ax <= bx ? [ax, ay, bx, by, nx, ny] : [bx, by, ax, ay, nx, ny];
  return similarityTransform(src, TEMPLATE_EYES_NOSE.map((v) => (v * size) / 112));
}

/** The box-only fallback: box centre → crop centre, longer side → crop side. */
export function boxTransform(x: number, y: number, width: number, height: number, size = 112): Affine2x3 {
  const scale = size / Math.max(width, height);
  return [scale, 0, size / 2 - scale * (x + width / 2), 0, scale, size / 2 - scale * (y + height / 2)];
}

/** The template's five points mapped back through `m`: landmarks whose 5-point fit is `m`. */
export function virtualFivePoints(m: Affine2x3, size = 112): Float32Array {
  const inv = invertAffine(m);
  const out = new Float32Array(10);
  for (let p = 0; p < 5; p++) {
    const tx = (ARCFACE_TEMPLATE_112[2 * p] * size) / 112, ty = (ARCFACE_TEMPLATE_112[2 * p + 1] * size) / 112;
    out[2 * p] = inv[0] * tx + inv[1] * ty + inv[2];
    out[2 * p + 1] = inv[3] * tx + inv[4] * ty + inv[5];
  }
  return out;
}

export interface IjbbImageList {
  /** Element i: image of protocol row i, relative to the IJB-B root. */
  names: string[];
  /** [rows, 10]: virtual five landmarks of row i (what the 5-point extractor takes). */
  landmarks: Float32Array;
  /** Rows aligned by their three landmarks. */
  fromLandmarks: number;
  /** Rows with a landmark missing, aligned by their box. */
  fromBox: number;
  /**
   * Protocol rows that can be aligned neither way (no landmarks, no usable box): element k is the
   * k-th such row's 1-based line in the protocol file. The caller decides (error, or skip).
   */
  unalignable: number[];
}

/** The image list for the extractor: protocol row order, virtual landmarks per face. */
export function ijbbClusteringImageList(protocol: IjbbClusteringProtocol, size = 112): IjbbImageList {
  const n = protocol.rows;
  const landmarks = new Float32Array(10 * n);
  let fromLandmarks = 0, fromBox = 0;
  const unalignable: number[] = [];
  for (let i = 0; i < n; i++) {
    const pts = protocol.points.subarray(6 * i, 6 * i + 6);
    let m: Affine2x3 | undefined;
    if (pts.every(Number.isFinite)) {
      m = threePointTransform(pts, size);
      if (Number.isFinite(m[0])) fromLandmarks++;
      else m = undefined;
    }
    if (!m) {
      const [x, y, w, h] = protocol.boxes.subarray(4 * i, 4 * i + 4);
      if ([x, y, w, h].every(Number.isFinite) && w > 0 && h > 0) {
        m = boxTransform(x, y, w, h, size);
        fromBox++;
      }
    }
    if (m) landmarks.set(virtualFivePoints(m, size), 10 * i);
    else {
      landmarks.fill(NaN, 10 * i, 10 * i + 10);
      unalignable.push(protocol.lines[i]);
    }
  }
  return { names: protocol.filenames.slice(), landmarks, fromLandmarks, fromBox, unalignable };
}
