/**
 * What PyTorch computes in MagFace's `eval_ijb.py` (float32 tensors), reproduced as closely as
 * docs/numerics.md says. PURE.
 */
const fround = Math.fround;
const FLOAT32_PI = fround(Math.PI);

/**
 * MagFace eval_ijb.py's score from a cosine, in float32 as torch computes it:
 * 1 − acos(clamp(cos, −1, 1)) / π.
 */
export function magfaceAngularScore(cos: number): number {
  const c = Math.min(1, Math.max(-1, fround(cos)));
  return fround(1 - fround(fround(Math.acos(c)) / FLOAT32_PI));
}

/**
 * torch `F.normalize(x)` of a float32 row in place: x / max(‖x‖, 1e-12), each quotient rounded to
 * float32. The norm is summed in float64 and rounded once (torch's vectorised float32 reduction
 * rounds differently: within a float32 ulp of it).
 */
export function torchNormaliseInPlace(x: Float32Array): void {
  let ss = 0;
  for (let j = 0; j < x.length; j++) ss += x[j] * x[j];
  const norm = Math.max(fround(Math.sqrt(ss)), 1e-12);
  for (let j = 0; j < x.length; j++) x[j] = x[j] / norm;
}
