#!/usr/bin/python3
"""Preprocessing parity data: the model input the reference pipelines build for fixture faces.

For faces of fixtures/ijb-images: cv2.imread -> SimilarityTransform.estimate(landmarks, template)
-> cv2.warpAffine(img, M, (112, 112), borderValue=0) -> per preset, in numpy float32:
  arcface (insightface eval_ijbc.py):  RGB, (x - 127.5) / 127.5
  magface (MagFace gen_feat.py):       BGR, x / 255
  adaface (AdaFace):                   BGR, (x / 255 - 0.5) / 0.5
as an NCHW [1, 3, 112, 112] float32 blob, also for the horizontally flipped crop. Only the sha256
of each blob's little-endian bytes and a few values are written (test/data/preprocess/expected.json).
"""
import hashlib
import json
import os

import cv2
import numpy as np
from skimage.transform import SimilarityTransform

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..', 'fixtures', 'ijb-images')
OUT = os.path.join(HERE, '..', 'data', 'preprocess')
TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                     [41.5493, 92.3655], [70.729904, 92.2041]], dtype=np.float64)


def blob(crop_bgr, preset):
    if preset == 'arcface':
        x = cv2.cvtColor(crop_bgr, cv2.COLOR_BGR2RGB).astype(np.float32)
        x = (x - np.float32(127.5)) / np.float32(127.5)
    elif preset == 'magface':
        x = crop_bgr.astype(np.float32) / np.float32(255)
    else:
        x = crop_bgr.astype(np.float32) / np.float32(255)
        x = (x - np.float32(0.5)) / np.float32(0.5)
    return np.ascontiguousarray(np.transpose(x, (2, 0, 1))[None]).astype('<f4')


def main():
    os.makedirs(OUT, exist_ok=True)
    lines = open(os.path.join(ROOT, 'meta', 'ijbc_name_5pts_score.txt')).read().split('\n')
    faces = []
    for line in [lines[0], lines[9], lines[50]]:
        parts = line.split()
        name = parts[0]
        lm = np.array([float(v) for v in parts[1:11]], dtype=np.float32).reshape(5, 2).astype(np.float64)
        t = SimilarityTransform()
        t.estimate(lm, TEMPLATE)
        img = cv2.imread(os.path.join(ROOT, 'loose_crop', name))
        crop = cv2.warpAffine(img, t.params[0:2, :], (112, 112), borderValue=0.0)
        entry = {'name': name, 'presets': {}}
        for preset in ['arcface', 'magface', 'adaface']:
            for flip in [False, True]:
                b = blob(crop[:, ::-1] if flip else crop, preset)
                entry['presets'][preset + (':flip' if flip else '')] = {
                    'sha256': hashlib.sha256(b.tobytes()).hexdigest(),
                    'first': [float(v) for v in b.reshape(-1)[:6]],
                    'sum': float(b.astype(np.float64).sum()),
                }
        faces.append(entry)
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump({'generator': 'test/reference/gen_preprocess_parity.py', 'opencv': cv2.__version__, 'faces': faces}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
