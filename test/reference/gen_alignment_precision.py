#!/usr/bin/python3
"""How exactly facebench's alignment reproduces insightface's, measured (docs/alignment.md).

insightface's arcface_torch/eval_ijbc.py (`Embedding.get`) passes *float32* landmarks and a float32
template to skimage's `SimilarityTransform.estimate`, which then takes the means, the centred points
and the SVD in float32; facebench estimates in float64. This generator measures, on two sets of
loose crops, how many crop values that changes, and checks the warp separately:

  loose     48 synthetic loose crops (JPEG, written here from the seed: faces under random similarity
            poses, textured background, sensor noise), landmarks written with 3 decimals as IJB's
            face lists hold them
  fixtures  the 120 faces of fixtures/ijb-images (fixtures/make-extract-demo.mjs)

Per face, with the landmarks parsed as eval_ijbc.py parses them (float(x) -> float32 array):

  float32           skimage estimate(lm32, template32): the published call, the reference
  facebench         skimage estimate(lm64, template in float64 decimals): what facebench computes
                    (src/extract/align.ts similarityTransform equals it to 1e-9, see
                    gen_alignment_parity.py)
  float32-template  float64 estimate, template = the float32 values eval_ijbc.py builds
  float32-means     float32-template with the two means taken in float32 as numpy does
                    (lm32.mean(axis=0)), everything else in float64: our re-statement of skimage
                    0.19's _umeyama, checked to give skimage's float64 estimate with float64 means

and each matrix's crop = cv2.warpAffine(img, M, (112, 112), borderValue=0) with Debian's OpenCV (4.6).
Recorded: per face the matrices, sha256 of the decoded image and of the float32 and facebench crops,
per variant the count and largest size of crop values differing from the float32 path's crop, and
how many of those sit where the crop meets the image's edge (the 2x2 neighbourhood reaches outside
the image, into warpAffine's black border); per set the sizes of the differences inside the image.

Newer OpenCV (--newer-opencv DIR, repeatable: a folder holding a pip opencv-python(-headless) `cv2`)
warps the same decoded pixels with the float32 matrix in a child process; recorded per face: the
crop's sha256 and the values differing from OpenCV 4.6's crop.

Run (from the repository root; Debian 12: apt-get install -y python3-skimage python3-opencv;
the pip wheels came from this machine's local package index, PyPI itself is not reachable here):
  python3 -m pip install --no-deps --target /tmp/cv-4.14 opencv-python-headless==4.14.0.94
  python3 -m pip install --no-deps --target /tmp/cv-5.0 opencv-python-headless==5.0.0.93
  /usr/bin/python3 test/reference/gen_alignment_precision.py --newer-opencv /tmp/cv-4.14 --newer-opencv /tmp/cv-5.0
Writes test/data/alignment-precision/ (cases.json, loose_XX.jpg). Deterministic from the seed.
"""
import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile

import cv2
import numpy as np
import skimage
from skimage.transform import SimilarityTransform

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, '..', '..'))
# The 112x112 ArcFace template as facebench holds it (float64 decimals, REFERENCE.md section 4).
TEMPLATE64 = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                       [41.5493, 92.3655], [70.729904, 92.2041]], dtype=np.float64)


def insightface_template():
    """The template as arcface_torch/eval_ijbc.py builds it (Embedding.__init__): float32, x += 8."""
    src = np.array([[30.2946, 51.6963], [65.5318, 51.5014], [48.0252, 71.7366],
                    [33.5493, 92.3655], [62.7299, 92.2041]], dtype=np.float32)
    src[:, 0] += 8.0
    return src


TEMPLATE32 = insightface_template()
VARIANTS = ['facebench', 'float32-template', 'float32-means']


def estimate(src, dst):
    t = SimilarityTransform()
    assert t.estimate(src, dst)
    return t.params[0:2, :]


def estimate_float32_means(lm32, t32):
    """skimage 0.19's _umeyama (estimate_scale=True) re-stated in float64, except that the two means
    are numpy's float32 means (lm32.mean(axis=0)) as the float32 call takes them. Ours, not skimage's:
    with a float64 mean, it gives skimage's float64 estimate (checked in main)."""
    return umeyama64(lm32, t32, lm32.mean(axis=0), t32.mean(axis=0))


def umeyama64(src, dst, src_mean, dst_mean):
    src = src.astype(np.float64)
    dst = dst.astype(np.float64)
    src_mean = src_mean.astype(np.float64)
    dst_mean = dst_mean.astype(np.float64)
    src_demean = src - src_mean
    dst_demean = dst - dst_mean
    A = dst_demean.T @ src_demean / src.shape[0]
    d = np.ones((2,), dtype=np.double)
    if np.linalg.det(A) < 0:
        d[1] = -1
    U, S, V = np.linalg.svd(A)
    assert np.linalg.matrix_rank(A) == 2
    R = U @ np.diag(d) @ V
    scale = 1.0 / src_demean.var(axis=0).sum() * (S @ d)
    t = dst_mean - scale * (R @ src_mean.T)
    return np.hstack([scale * R, t[:, None]])


def matrices(lm32):
    restated = umeyama64(lm32, TEMPLATE32, lm32.astype(np.float64).mean(axis=0), TEMPLATE32.astype(np.float64).mean(axis=0))
    assert np.abs(restated - estimate(lm32.astype(np.float64), TEMPLATE32.astype(np.float64))).max() < 1e-12
    return {
        'float32': estimate(lm32, TEMPLATE32),
        'facebench': estimate(lm32.astype(np.float64), TEMPLATE64),
        'float32-template': estimate(lm32.astype(np.float64), TEMPLATE32.astype(np.float64)),
        'float32-means': estimate_float32_means(lm32, TEMPLATE32),
    }


def warp(img, M):
    return cv2.warpAffine(img, M, (112, 112), borderValue=0.0)


def sha256(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def difference(a, b, edge):
    """Values of crops a and b that differ: how many, the largest |delta|, and how many of them lie
    where the bilinear 2x2 neighbourhood reaches outside the source image (`edge`, [112, 112])."""
    d = np.abs(a.astype(np.int32) - b.astype(np.int32))
    return {'count': int((d > 0).sum()), 'max': int(d.max()), 'atImageEdge': int((d[edge] > 0).sum())}


def image_edge_mask(M, w, h):
    """[112, 112] bool: output pixels whose source 2x2 neighbourhood is not entirely inside the image."""
    inv = cv2.invertAffineTransform(M)
    yy, xx = np.mgrid[0:112, 0:112].astype(np.float64)
    sx = np.floor(inv[0, 0] * xx + inv[0, 1] * yy + inv[0, 2])
    sy = np.floor(inv[1, 0] * xx + inv[1, 1] * yy + inv[1, 2])
    return (sx < 0) | (sy < 0) | (sx + 1 >= w) | (sy + 1 >= h)


def parse_landmarks(tokens):
    """eval_ijbc.py get_image_feature: np.array([float(x) for x in tokens], dtype=np.float32)."""
    return np.array([float(x) for x in tokens], dtype=np.float32).reshape((5, 2))


# ---------------------------------------------------------------- the synthetic loose crops

def smooth_noise(rng, h, w, sigma, amplitude):
    n = cv2.GaussianBlur(rng.normal(0, 1, (h, w)), (0, 0), sigma)
    return n * (amplitude / max(n.std(), 1e-9))


def loose_crop(rng):
    """A face under a random similarity pose in a textured loose crop, and its 5 landmarks (x y)."""
    w, h = int(rng.integers(120, 321)), int(rng.integers(120, 321))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    scale = rng.uniform(0.7, 2.4) * min(w, h) / 170
    angle = rng.uniform(-0.6, 0.6)
    # the face centre; now and then near an edge so that the 112x112 crop reaches outside the image
    cx = w / 2 + rng.uniform(-0.3, 0.3) * w
    cy = h / 2 + rng.uniform(-0.3, 0.3) * h
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) * scale
    inv = np.linalg.inv(R)
    # template-frame coordinates (u, v) of every pixel; the face centre is (56, 66) there
    u = inv[0, 0] * (xx - cx) + inv[0, 1] * (yy - cy) + 56
    v = inv[1, 0] * (xx - cx) + inv[1, 1] * (yy - cy) + 66
    img = np.empty((h, w, 3))
    background, skin, hair = rng.uniform(20, 235, 3), rng.uniform(70, 235, 3), rng.uniform(10, 140, 3)
    bg_texture = smooth_noise(rng, h, w, rng.uniform(1.0, 4.0), rng.uniform(5, 30))
    for c in range(3):
        img[..., c] = background[c] + bg_texture + rng.uniform(-0.4, 0.4) * xx
    r_face = ((u - 56) / 33) ** 2 + ((v - 70) / 42) ** 2
    r_head = ((u - 56) / 40) ** 2 + ((v - 62) / 50) ** 2
    head = np.clip((1 - r_head) * 10, 0, 1)
    face = np.clip((1 - r_face) * 10, 0, 1) * np.clip((v - 38) / 3, 0, 1)
    hair_texture = smooth_noise(rng, h, w, 0.8, 18)
    pores = smooth_noise(rng, h, w, 0.6, 3)
    shade = 1 - 0.3 * ((u - 56) / 40) ** 2 - 0.2 * (v - 60) / 50
    for c in range(3):
        hair_c = hair[c] + hair_texture
        skin_c = skin[c] * shade + pores
        img[..., c] = img[..., c] * (1 - head) + hair_c * head
        img[..., c] = img[..., c] * (1 - face) + skin_c * face
    for k in (0, 1):  # eyes and brows
        ex, ey = TEMPLATE64[k]
        img *= (1 - 0.75 * np.exp(-(((u - ex) / 5) ** 2 + ((v - ey) / 2.6) ** 2)))[..., None]
        img *= (1 - 0.5 * np.exp(-(((u - ex) / 8) ** 2 + ((v - ey + 8) / 1.5) ** 2)))[..., None]
    nx, ny = TEMPLATE64[2]
    img *= (1 - 0.25 * np.exp(-(((u - nx) / 4) ** 2 + ((v - ny + 6) / 8) ** 2)))[..., None]
    mx, my = TEMPLATE64[3:].mean(axis=0)
    lips = np.exp(-(((u - mx) / 13) ** 2 + ((v - my) / 3) ** 2))
    img[..., 2] = img[..., 2] * (1 - 0.5 * lips) + 0.5 * lips * 190
    img[..., 1] *= 1 - 0.3 * lips
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 1.2)) + rng.normal(0, rng.uniform(1, 4), img.shape)
    img = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    pts = (TEMPLATE64 - [56, 66]) @ R.T + [cx, cy] + rng.normal(0, 1.2, (5, 2))
    return img, ['%.3f' % p for p in pts.reshape(-1)]


def loose_set(out, rng, count):
    cases = []
    for i in range(count):
        img, tokens = loose_crop(rng)
        name = f'loose_{i:02d}.jpg'
        cv2.imwrite(os.path.join(out, name), img, [cv2.IMWRITE_JPEG_QUALITY, 92])
        cases.append({'image': f'test/data/alignment-precision/{name}', 'tokens': tokens})
    return cases


def fixture_set():
    root = os.path.join(REPO, 'fixtures', 'ijb-images')
    cases = []
    with open(os.path.join(root, 'meta', 'ijbc_name_5pts_score.txt')) as f:
        for line in f:
            parts = line.strip().split(' ')
            cases.append({'image': f'fixtures/ijb-images/loose_crop/{parts[0]}', 'tokens': parts[1:-1]})
    return cases


# ---------------------------------------------------------------- newer OpenCV in a child process

CHILD = r'''
import sys, numpy as np, cv2
d = np.load(sys.argv[1])
crops = [cv2.warpAffine(d['img%d' % i], d['M'][i], (112, 112), borderValue=0.0) for i in range(int(d['n']))]
np.save(sys.argv[2], np.stack(crops))
print(cv2.__version__)
'''


def newer_crops(site, images, Ms, tmp):
    np.savez(os.path.join(tmp, 'in.npz'), n=len(images), M=np.stack(Ms), **{f'img{i}': im for i, im in enumerate(images)})
    env = dict(os.environ, PYTHONPATH=site)
    r = subprocess.run([sys.executable, '-c', CHILD, os.path.join(tmp, 'in.npz'), os.path.join(tmp, 'out.npy')],
                       env=env, check=True, capture_output=True, text=True)
    return r.stdout.strip(), np.load(os.path.join(tmp, 'out.npy'))


def pip_package(site):
    """'opencv-python-headless 4.14.0.94' from the dist-info folder pip wrote into `site`."""
    for entry in sorted(os.listdir(site)):
        if entry.startswith('opencv_python') and entry.endswith('.dist-info'):
            name, version = entry[:-len('.dist-info')].rsplit('-', 1)
            return f"{name.replace('_', '-')} {version}"
    return 'unknown'


def histogram(diffs):
    """Values differing by 1, 2, ... grey levels (index k = |delta| = k + 1)."""
    d = np.concatenate([x.ravel() for x in diffs])
    counts = np.bincount(d)
    return [int(c) for c in counts[1:]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(REPO, 'test', 'data', 'alignment-precision'))
    ap.add_argument('--newer-opencv', action='append', default=[], metavar='DIR')
    ap.add_argument('--loose', type=int, default=48)
    ap.add_argument('--seed', type=int, default=20261201)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    sets = {'loose': loose_set(args.out, rng, args.loose), 'fixtures': fixture_set()}
    newer = []
    summary = {}
    for set_name, cases in sets.items():
        images, refs, diffs = [], [], {v: [] for v in VARIANTS}
        for case in cases:
            img = cv2.imread(os.path.join(REPO, case['image']))
            lm32 = parse_landmarks(case['tokens'])
            Ms = matrices(lm32)
            crops = {k: warp(img, M) for k, M in Ms.items()}
            case['landmarks'] = [float(x) for x in lm32.reshape(-1)]
            case['decodedSha256'] = sha256(img)
            case['matrices'] = {k: [float(x) for x in M.reshape(-1)] for k, M in Ms.items()}
            case['cropSha256'] = {'float32': sha256(crops['float32']), 'facebench': sha256(crops['facebench'])}
            edge = image_edge_mask(Ms['float32'], img.shape[1], img.shape[0])
            case['differs'] = {v: difference(crops[v], crops['float32'], edge) for v in VARIANTS}
            for v in VARIANTS:
                diffs[v].append(np.abs(crops[v].astype(np.int32) - crops['float32']) * ~edge[..., None])
            images.append(img)
            refs.append(crops['float32'])
            del case['tokens']
        values = len(cases) * 112 * 112 * 3
        summary[set_name] = {'faces': len(cases), 'values': values, 'variants': {}}
        for v in VARIANTS:
            dm = max(float(np.abs(np.array(c['matrices'][v]) - np.array(c['matrices']['float32'])).max()) for c in cases)
            summary[set_name]['variants'][v] = {
                'matrixMaxAbsDiff': dm,
                'facesWithDifferences': sum(1 for c in cases if c['differs'][v]['count'] > 0),
                'count': sum(c['differs'][v]['count'] for c in cases),
                'max': max(c['differs'][v]['max'] for c in cases),
                'atImageEdge': sum(c['differs'][v]['atImageEdge'] for c in cases),
                'interiorByLevel': histogram(diffs[v]),
            }
        summary[set_name]['opencv'] = {}
        for site in args.newer_opencv:
            with tempfile.TemporaryDirectory() as tmp:
                version, out = newer_crops(site, images, [np.array(c['matrices']['float32']).reshape(2, 3) for c in cases], tmp)
            if version not in [n['version'] for n in newer]:
                newer.append({'version': version, 'package': pip_package(site)})
            d = [np.abs(out[i].astype(np.int32) - refs[i]) for i in range(len(cases))]
            for i, case in enumerate(cases):
                case.setdefault('opencv', {})[version] = {'cropSha256': sha256(out[i]), 'count': int((d[i] > 0).sum()), 'max': int(d[i].max())}
            summary[set_name]['opencv'][version] = {
                'facesWithDifferences': sum(1 for x in d if x.max() > 0),
                'count': sum(int((x > 0).sum()) for x in d),
                'max': max(int(x.max()) for x in d),
                'byLevel': histogram(d),
            }
    doc = {
        'generator': 'test/reference/gen_alignment_precision.py',
        'seed': args.seed,
        'python': platform.python_version(), 'numpy': np.__version__, 'skimage': skimage.__version__,
        'opencv': cv2.__version__, 'newerOpencv': newer, 'machine': platform.machine(),
        'template32': [float(x) for x in TEMPLATE32.reshape(-1)],
        'summary': summary,
        'sets': sets,
    }
    with open(os.path.join(args.out, 'cases.json'), 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')
    json.dump(summary, sys.stdout, indent=1)
    print()


if __name__ == '__main__':
    main()
