/**
 * 5-point face alignment, reference-exact (REFERENCE.md §4):
 *
 * - `similarityTransform(landmarks, template)`: the least-squares similarity (rotation + uniform
 *   scale + translation, no reflection) of Umeyama (1991), as
 *   `skimage.transform.SimilarityTransform.estimate(landmarks, template)` computes it in float64.
 *   For 2-D points the SVD has a closed form: with A = dstᵀ·src / n of the centred points,
 *   p = A00 + A11, q = A10 − A01, the rotation is [[p, −q], [q, p]] / hypot(p, q) and the scale is
 *   hypot(p, q) / Σ var(src). (skimage computes the same through np.linalg.svd; the tests check
 *   agreement to 1e-9.) Note: insightface's eval scripts pass float32 arrays, so skimage then works
 *   in float32; we always work in float64 (see docs/extract.md).
 * - `warpAffineBilinear(src, M, 112, 112)`: `cv2.warpAffine(img, M, (w, h), flags=INTER_LINEAR,
 *   borderMode=BORDER_CONSTANT, borderValue=0)` for 8-bit interleaved images, pixel for pixel.
 *   It follows OpenCV's fixed-point scheme: the matrix is inverted in float64; source coordinates
 *   are computed in 1/1024-pixel integers (each term rounded half-to-even, as cvRound does), then
 *   reduced to 1/32 pixel (INTER_BITS = 5); the bilinear weights are 15-bit integers
 *   (INTER_REMAP_COEF_BITS) that sum to 32768 exactly; the weighted sum is rounded with
 *   (v + 2^14) >> 15. Neighbours outside the image read as 0; a sample whose 2×2 neighbourhood is
 *   entirely outside is 0.
 * PURE: no I/O.
 */

/** The 112×112 ArcFace template (insightface arcface_torch/eval_ijbc.py), x y per landmark. */
export const ARCFACE_TEMPLATE_112: readonly number[] = Object.freeze([
  38.2946, 51.6963, 73.5318, 51.5014, 56.0252, 71.7366, 41.5493, 92.3655, 70.729904, 92.2041,
]);

/** Row-major 2×3 affine matrix [a, b, c, d, e, f]: x' = a·x + b·y + c, y' = d·x + e·y + f. */
export type Affine2x3 = [number, number, number, number, number, number];

/**
 * Least-squares similarity mapping `src` points onto `dst` points (x y interleaved, same count).
 * Returns NaNs when the source points are all equal (skimage's rank-0 case).
 */
export function similarityTransform(src: ArrayLike<number>, dst: ArrayLike<number> = ARCFACE_TEMPLATE_112): Affine2x3 {
  const n = src.length / 2;
  if (!Number.isInteger(n) || n < 1 || dst.length !== src.length) {
    throw new Error(`similarityTransform: need equal, even-length point lists (got ${src.length} and ${dst.length})`);
  }
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[2 * i];
    sy += src[2 * i + 1];
    dx += dst[2 * i];
    dy += dst[2 * i + 1];
  }
  sx /= n; sy /= n; dx /= n; dy /= n;
  let a00 = 0, a01 = 0, a10 = 0, a11 = 0, varSum = 0;
  for (let i = 0; i < n; i++) {
    const ux = src[2 * i] - sx, uy = src[2 * i + 1] - sy;
    const vx = dst[2 * i] - dx, vy = dst[2 * i + 1] - dy;
    a00 += vx * ux; a01 += vx * uy; a10 += vy * ux; a11 += vy * uy;
    varSum += ux * ux + uy * uy;
  }
  a00 /= n; a01 /= n; a10 /= n; a11 /= n; varSum /= n;
  const p = a00 + a11;
  const q = a10 - a01;
  const norm = Math.hypot(p, q);
  if (norm === 0 || varSum === 0) return [NaN, NaN, NaN, NaN, NaN, NaN];
  const cos = p / norm, sin = q / norm;
  const scale = norm / varSum;
  const a = scale * cos, b = -scale * sin, d = scale * sin, e = scale * cos;
  return [a, b, dx - (a * sx + b * sy), d, e, dy - (d * sx + e * sy)];
}

/** cvRound / saturate_cast<int>(double): round half to even, clamp to int32. */
function roundInt(v: number): number {
  let r = Math.round(v);
  if (r - v === 0.5 && r % 2 !== 0) r -= 1; // Math.round rounds .5 up; make ties even
  if (r > 2147483647) return 2147483647;
  if (r < -2147483648) return -2147483648;
  return r;
}

function clampShort(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

const INTER_BITS = 5;
const INTER_TAB_SIZE = 1 << INTER_BITS;
const AB_BITS = 10;
const AB_SCALE = 1 << AB_BITS;
const ROUND_DELTA = AB_SCALE / INTER_TAB_SIZE / 2;
const COEF_BITS = 15;

/**
 * Bilinear weights per (ty, tx) in 1/32 px: products of (1 − t, t) in float32, times 32768. For
 * bilinear they are exact integers (a·b·32), so OpenCV's sum correction never applies.
 */
const WEIGHTS: Int32Array = (() => {
  const w = new Int32Array(INTER_TAB_SIZE * INTER_TAB_SIZE * 4);
  for (let ty = 0; ty < INTER_TAB_SIZE; ty++) {
    for (let tx = 0; tx < INTER_TAB_SIZE; tx++) {
      const k = (ty * INTER_TAB_SIZE + tx) * 4;
      w[k] = (INTER_TAB_SIZE - ty) * (INTER_TAB_SIZE - tx) * 32;
      w[k + 1] = (INTER_TAB_SIZE - ty) * tx * 32;
      w[k + 2] = ty * (INTER_TAB_SIZE - tx) * 32;
      w[k + 3] = ty * tx * 32;
    }
  }
  return w;
})();

export interface RawImage {
  /** Interleaved 8-bit pixels, row-major [height, width, channels]. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** Inverse of a forward 2×3 affine, in float64 with OpenCV's operation order. */
export function invertAffine(m: Affine2x3): Affine2x3 {
  let det = m[0] * m[4] - m[1] * m[3];
  det = det !== 0 ? 1 / det : 0;
  const a = m[4] * det, b = m[1] * -det, d = m[3] * -det, e = m[0] * det;
  return [a, b, -a * m[2] - b * m[5], d, e, -d * m[2] - e * m[5]];
}

/**
 * `cv2.warpAffine(src, M, (width, height), borderValue=0)` (M maps source → destination).
 * Output: interleaved 8-bit, same channel count as the source.
 */
export function warpAffineBilinear(src: RawImage, m: Affine2x3, width: number, height: number, out?: Uint8Array): Uint8Array {
  const cn = src.channels;
  const sw = src.width, sh = src.height, s = src.data;
  const dst = out ?? new Uint8Array(width * height * cn);
  const inv = invertAffine(m);
  const adelta = new Int32Array(width);
  const bdelta = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    adelta[x] = roundInt(inv[0] * x * AB_SCALE);
    bdelta[x] = roundInt(inv[3] * x * AB_SCALE);
  }
  const rowStride = sw * cn;
  for (let y = 0; y < height; y++) {
    const x0 = roundInt((inv[1] * y + inv[2]) * AB_SCALE) + ROUND_DELTA;
    const y0 = roundInt((inv[4] * y + inv[5]) * AB_SCALE) + ROUND_DELTA;
    let o = y * width * cn;
    for (let x = 0; x < width; x++, o += cn) {
      const X = (x0 + adelta[x]) >> (AB_BITS - INTER_BITS);
      const Y = (y0 + bdelta[x]) >> (AB_BITS - INTER_BITS);
      const sx = clampShort(X >> INTER_BITS);
      const sy = clampShort(Y >> INTER_BITS);
      const k = ((Y & (INTER_TAB_SIZE - 1)) * INTER_TAB_SIZE + (X & (INTER_TAB_SIZE - 1))) * 4;
      const w0 = WEIGHTS[k], w1 = WEIGHTS[k + 1], w2 = WEIGHTS[k + 2], w3 = WEIGHTS[k + 3];
      if (sx >= 0 && sy >= 0 && sx + 1 < sw && sy + 1 < sh) {
        const p = sy * rowStride + sx * cn;
        const q = p + rowStride;
        for (let c = 0; c < cn; c++) {
          const v = s[p + c] * w0 + s[p + cn + c] * w1 + s[q + c] * w2 + s[q + cn + c] * w3;
          dst[o + c] = (v + (1 << (COEF_BITS - 1))) >> COEF_BITS;
        }
      } else if (sx >= sw || sx + 1 < 0 || sy >= sh || sy + 1 < 0) {
        for (let c = 0; c < cn; c++) dst[o + c] = 0;
      } else {
        const in00 = sx >= 0 && sy >= 0 && sx < sw && sy < sh;
        const in01 = sx + 1 >= 0 && sy >= 0 && sx + 1 < sw && sy < sh;
        const in10 = sx >= 0 && sy + 1 >= 0 && sx < sw && sy + 1 < sh;
        const in11 = sx + 1 >= 0 && sy + 1 >= 0 && sx + 1 < sw && sy + 1 < sh;
        const p = sy * rowStride + sx * cn;
        const q = p + rowStride;
        for (let c = 0; c < cn; c++) {
          const v =
            (in00 ? s[p + c] : 0) * w0 + (in01 ? s[p + cn + c] : 0) * w1 + (in10 ? s[q + c] : 0) * w2 + (in11 ? s[q + cn + c] : 0) * w3;
          dst[o + c] = (v + (1 << (COEF_BITS - 1))) >> COEF_BITS;
        }
      }
    }
  }
  return dst;
}

/** Landmarks a face cannot be aligned with; the message is the reason. */
export class LandmarkError extends Error {}

/**
 * Largest landmark coordinate accepted (pixels, either sign). OpenCV's warp works in 1/1024-pixel
 * int32 steps, which overflow near ±2²¹; a coordinate past a million pixels is not a landmark.
 */
export const MAX_LANDMARK_COORDINATE = 1e6;

/** Why these x y pairs cannot be aligned, or undefined when they can. */
function landmarkProblem(landmarks: ArrayLike<number>): string | undefined {
  for (let k = 0; k < landmarks.length; k++) {
    const v = landmarks[k];
    const name = `${k % 2 === 0 ? 'x' : 'y'}${Math.floor(k / 2) + 1}`;
    // A value beyond float32 (1e300 in the file) is read as ±Infinity, as ijb_11.py's float32 array holds it.
    if (!Number.isFinite(v)) return `landmark ${name} is ${v}: not a finite float32 coordinate`;
    if (Math.abs(v) > MAX_LANDMARK_COORDINATE) return `landmark ${name} = ${v} is outside ±${MAX_LANDMARK_COORDINATE} pixels`;
  }
  return undefined;
}

/** Aligns one face: similarity from its 5 landmarks to the template, then the exact warp. */
export function alignFace(src: RawImage, landmarks: ArrayLike<number>, size = 112, template: ArrayLike<number> = ARCFACE_TEMPLATE_112, out?: Uint8Array): Uint8Array {
  const problem = landmarkProblem(landmarks);
  if (problem) throw new LandmarkError(problem);
  let t = template;
  if (size !== 112 && template === ARCFACE_TEMPLATE_112) t = ARCFACE_TEMPLATE_112.map((v) => (v * size) / 112);
  const m = similarityTransform(landmarks, t);
  if (!Number.isFinite(m[0])) {
    const coincide = Array.from({ length: landmarks.length / 2 }, (_, i) => i).every((i) => landmarks[2 * i] === landmarks[0] && landmarks[2 * i + 1] === landmarks[1]);
    throw new LandmarkError(coincide ? 'degenerate landmarks (all five points coincide)' : 'degenerate landmarks (no rotation and scale maps them onto the template)');
  }
  return warpAffineBilinear(src, m, size, size, out);
}
