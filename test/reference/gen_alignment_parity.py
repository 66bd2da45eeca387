#!/usr/bin/python3
"""Alignment parity data for facebench (run with Debian's /usr/bin/python3, python3-opencv and
python3-skimage installed). Writes test/data/alignment/:

  cases.json      per case: landmarks (10 floats), expected 2x3 matrix from
                  skimage.transform.SimilarityTransform.estimate(landmarks, template) in float64,
                  the image file and the expected crop file; plus 'matrices': extra landmark sets
                  with their expected matrices only (no image)
  img_XX.png      source images (lossless; 3 channels)
  crop_XX.png     cv2.warpAffine(img, M, (112, 112), borderValue=0) of the image as cv2 holds it
  jpg_XX.jpg      baseline JPEGs written by cv2.imwrite; their crop_jpg_XX.png comes from
                  cv2.imread(jpg) -> warpAffine, so the test also covers decoding (sharp vs cv2.imread)

Deterministic from the seed. Only this generator and its outputs are committed.
"""
import json
import os

import cv2
import numpy as np
from skimage.transform import SimilarityTransform

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'alignment')
TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                     [41.5493, 92.3655], [70.729904, 92.2041]], dtype=np.float64)
rng = np.random.default_rng(20261129)


def random_landmarks(w, h, extreme=False):
    scale = rng.uniform(0.6, 2.2) if not extreme else rng.uniform(0.3, 3.5)
    angle = rng.uniform(-0.7, 0.7) if not extreme else rng.uniform(-3.1, 3.1)
    c, s = np.cos(angle) * scale, np.sin(angle) * scale
    centre = TEMPLATE.mean(axis=0)
    pts = (TEMPLATE - centre) @ np.array([[c, s], [-s, c]])
    shift = np.array([rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h])
    if extreme:
        shift += rng.uniform(-0.5, 0.5, 2) * np.array([w, h])
    pts = pts + shift + rng.normal(0, 2.5 if not extreme else 6, pts.shape)
    if rng.random() < 0.3:
        pts[:, 0] = w - 1 - pts[:, 0]  # a mirrored face: exercises the reflection guard
    # IJB landmark files hold decimals; keep float32-representable values like ijb_11.py reads them.
    return pts.astype(np.float32).astype(np.float64)


def random_image(w, h):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3), np.float64)
    for ch in range(3):
        fx, fy, ph = rng.uniform(0.01, 0.2), rng.uniform(0.01, 0.2), rng.uniform(0, 6.3)
        img[..., ch] = 127.5 + 100 * np.sin(xx * fx + yy * fy + ph) + rng.normal(0, 4, (h, w))
    # a few saturated blocks so 0 and 255 occur
    for _ in range(4):
        x0, y0 = rng.integers(0, w - 10), rng.integers(0, h - 10)
        img[y0:y0 + 10, x0:x0 + 10, rng.integers(0, 3)] = rng.choice([0, 255])
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def with_exif_orientation(jpeg, orientation):
    """Inserts an APP1 Exif segment holding only the Orientation tag after the SOI marker."""
    import struct
    tiff = b'II*\x00' + struct.pack('<I', 8) + struct.pack('<H', 1) + struct.pack('<HHIHH', 0x0112, 3, 1, orientation, 0) + struct.pack('<I', 0)
    payload = b'Exif\x00\x00' + tiff
    return jpeg[:2] + b'\xff\xe1' + struct.pack('>H', len(payload) + 2) + payload + jpeg[2:]


def estimate(lm):
    t = SimilarityTransform()
    assert t.estimate(lm, TEMPLATE)
    return t.params[0:2, :]


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for i in range(24):
        w, h = [(160, 160), (128, 96), (97, 131), (250, 180)][i % 4]
        img = random_image(w, h)
        lm = random_landmarks(w, h, extreme=(i % 5 == 4))
        M = estimate(lm)
        crop = cv2.warpAffine(img, M, (112, 112), borderValue=0.0)
        cv2.imwrite(os.path.join(OUT, f'img_{i:02d}.png'), img)
        cv2.imwrite(os.path.join(OUT, f'crop_{i:02d}.png'), crop)
        cases.append({'image': f'img_{i:02d}.png', 'crop': f'crop_{i:02d}.png', 'width': w, 'height': h,
                      'landmarks': lm.reshape(-1).tolist(), 'matrix': M.reshape(-1).tolist()})
    jpegs = []
    for i in range(4):
        w, h = 160, 160
        img = random_image(w, h)
        name = f'jpg_{i:02d}.jpg'
        cv2.imwrite(os.path.join(OUT, name), img, [cv2.IMWRITE_JPEG_QUALITY, 90])
        decoded = cv2.imread(os.path.join(OUT, name))
        lm = random_landmarks(w, h)
        M = estimate(lm)
        crop = cv2.warpAffine(decoded, M, (112, 112), borderValue=0.0)
        cv2.imwrite(os.path.join(OUT, f'crop_{name[:-4]}.png'), crop)
        jpegs.append({'image': name, 'crop': f'crop_{name[:-4]}.png', 'width': w, 'height': h,
                      'landmarks': lm.reshape(-1).tolist(), 'matrix': M.reshape(-1).tolist()})
    # EXIF orientation: cv2.imread applies it (IMREAD_COLOR without IMREAD_IGNORE_ORIENTATION).
    for i, orientation in enumerate([3, 6, 8]):
        w, h = 120, 160
        img = random_image(w, h)
        ok, enc = cv2.imencode('.jpg', img, [cv2.IMWRITE_JPEG_QUALITY, 90])
        name = f'exif_{i:02d}.jpg'
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(with_exif_orientation(enc.tobytes(), orientation))
        decoded = cv2.imread(os.path.join(OUT, name))
        dh, dw = decoded.shape[:2]
        lm = random_landmarks(dw, dh)
        M = estimate(lm)
        crop = cv2.warpAffine(decoded, M, (112, 112), borderValue=0.0)
        cv2.imwrite(os.path.join(OUT, f'crop_{name[:-4]}.png'), crop)
        jpegs.append({'image': name, 'crop': f'crop_{name[:-4]}.png', 'width': dw, 'height': dh, 'orientation': orientation,
                      'landmarks': lm.reshape(-1).tolist(), 'matrix': M.reshape(-1).tolist()})
    matrices = []
    for i in range(300):
        lm = random_landmarks(200, 200, extreme=(i % 3 == 0))
        matrices.append({'landmarks': lm.reshape(-1).tolist(), 'matrix': estimate(lm).reshape(-1).tolist()})
    doc = {'generator': 'test/reference/gen_alignment_parity.py', 'opencv': cv2.__version__,
           'numpy': np.__version__, 'skimage': __import__('skimage').__version__,
           'template': TEMPLATE.reshape(-1).tolist(), 'cases': cases, 'jpegs': jpegs, 'matrices': matrices}
    with open(os.path.join(OUT, 'cases.json'), 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
