#!/usr/bin/python3
"""Generates test/data/lfw-parity/: seeded features + names + pairs files, and the numbers the
PUBLISHED insightface code (recognition/arcface_torch/eval/verification.py) computes from them.

The upstream functions are loaded at run time from the insightface mirror (never copied into this
repository): the file is parsed with `ast`, only the needed definitions (LFold, calculate_roc,
calculate_accuracy, calculate_val, calculate_val_far) are kept and executed in a namespace holding
numpy / sklearn / scipy (the module itself imports mxnet and torch at top level, so it is not imported).

Run:  /usr/bin/python3 test/reference/gen_lfw_parity.py [path/to/insightface/bare/repo]
"""
import ast
import json
import os
import subprocess
import sys

import numpy as np
import sklearn
import sklearn.preprocessing
from scipy import interpolate
from sklearn.decomposition import PCA
from sklearn.model_selection import KFold

REPO = sys.argv[1] if len(sys.argv) > 1 else '/work/.mirror/deepinsight+insightface/repo'
UPSTREAM_PATH = 'recognition/arcface_torch/eval/verification.py'
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'lfw-parity')
KEEP = {'LFold', 'calculate_roc', 'calculate_accuracy', 'calculate_val', 'calculate_val_far'}


def load_upstream():
    commit = subprocess.check_output(['git', '-C', REPO, 'rev-parse', 'HEAD'], text=True).strip()
    src = subprocess.check_output(['git', '-C', REPO, 'show', f'{commit}:{UPSTREAM_PATH}'], text=True)
    tree = ast.parse(src)
    tree.body = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in KEEP]
    assert {n.name for n in tree.body} == KEEP, 'upstream definitions not found'
    ns = {'np': np, 'sklearn': sklearn, 'KFold': KFold, 'PCA': PCA, 'interpolate': interpolate}
    exec(compile(tree, UPSTREAM_PATH, 'exec'), ns)
    return ns, commit


def npy_save(path, a):
    np.save(path, np.ascontiguousarray(a, dtype=np.float32))


def upstream_evaluate(ns, emb_orig, emb_flip, issame, nfolds):
    """What verification.test() + evaluate() compute from the two embedding lists (bin order)."""
    lists = [emb_orig.astype(np.float64)] + ([emb_flip.astype(np.float64)] if emb_flip is not None else [])
    # XNorm exactly as test(): mean np.linalg.norm over every row of every list.
    xnorm, cnt = 0.0, 0
    for embed in lists:
        for i in range(embed.shape[0]):
            xnorm += np.linalg.norm(embed[i])
            cnt += 1
    xnorm /= cnt
    embeddings = lists[0] + lists[1] if len(lists) == 2 else lists[0].copy()
    embeddings = sklearn.preprocessing.normalize(embeddings)
    actual_issame = np.asarray(issame)
    thresholds = np.arange(0, 4, 0.01)
    e1, e2 = embeddings[0::2], embeddings[1::2]
    tpr, fpr, accuracy = ns['calculate_roc'](thresholds, e1, e2, actual_issame, nrof_folds=nfolds, pca=0)
    # Best threshold per fold: the same loop calculate_roc runs (it does not return it), using the
    # upstream calculate_accuracy.
    dist = np.sum(np.square(np.subtract(e1, e2)), 1)
    best = []
    for train, test in ns['LFold'](n_splits=nfolds, shuffle=False).split(np.arange(len(issame))):
        acc_train = np.array([ns['calculate_accuracy'](t, dist[train], actual_issame[train])[2] for t in thresholds])
        best.append(float(thresholds[np.argmax(acc_train)]))
    # calculate_val as published, with interp1d(kind='slinear') replaced by kind='linear' (what
    # facebench documents); everything else is the upstream code.
    ns_linear = dict(ns)
    ns_linear['interpolate'] = type('interpolate', (), {'interp1d': staticmethod(
        lambda x, y, kind: interpolate.interp1d(x, y, kind='linear'))})
    for name in ('calculate_val',):
        fn = ns[name]
        ns_linear[name] = type(fn)(fn.__code__, ns_linear, fn.__name__, fn.__defaults__)
    v, vs, far = ns_linear['calculate_val'](np.arange(0, 4, 0.001), e1, e2, actual_issame, 1e-3, nrof_folds=nfolds)
    val_linear = {'mean': float(v), 'std': float(vs), 'far': float(far)}
    val = None
    try:
        v, vs, far = ns['calculate_val'](np.arange(0, 4, 0.001), e1, e2, actual_issame, 1e-3, nrof_folds=nfolds)
        val = {'mean': float(v), 'std': float(vs), 'far': float(far)}
    except Exception as e:  # SciPy >= 1.9: interp1d(kind='slinear') refuses duplicate x
        val = {'error': f'{type(e).__name__}: {e}'}
    return {
        'folds': nfolds,
        'pairs': int(len(issame)),
        'accuracy_per_fold': [float(a) for a in accuracy],
        'accuracy_mean': float(np.mean(accuracy)),
        'accuracy_std': float(np.std(accuracy)),
        'best_threshold_per_fold': best,
        'xnorm': float(xnorm),
        'distances': [float(d) for d in dist],
        'tpr_mean': [float(x) for x in tpr],
        'fpr_mean': [float(x) for x in fpr],
        'val_at_far_1e-3': val,
        'val_at_far_1e-3_linear': val_linear,
    }


def make_people(rng, n_people, per_person, dim):
    names, feats, flips = [], [], []
    centers = rng.standard_normal((n_people, dim))
    for p in range(n_people):
        person = f'Person_{p:03d}'
        for k in range(per_person):
            base = centers[p] + rng.standard_normal(dim) * 0.9
            scale = 10 + 20 * rng.random()  # raw magnitudes like a real model's (XNorm ~ 20)
            f = base / np.linalg.norm(base) * scale
            g = (base + rng.standard_normal(dim) * 0.3)
            g = g / np.linalg.norm(g) * scale * (0.9 + 0.2 * rng.random())
            names.append(f'{person}/{person}_{k + 1:04d}.jpg')
            feats.append(f)
            flips.append(g)
    return names, np.array(feats, np.float32), np.array(flips, np.float32)


def main():
    ns, commit = load_upstream()
    rng = np.random.default_rng(20261129)
    os.makedirs(OUT, exist_ok=True)
    dim, n_people, per_person = 32, 40, 6
    names, feats, flips = make_people(rng, n_people, per_person, dim)
    index = {n: i for i, n in enumerate(names)}

    # Official-format pairs.txt: 10 sets x (30 matched + 30 mismatched).
    sets, per_set = 10, 30
    lines = [f'{sets}\t{per_set}']
    pair_rows = []  # (row a, row b, same)
    for s in range(sets):
        for _ in range(per_set):
            p = int(rng.integers(n_people))
            a, b = rng.choice(per_person, 2, replace=False) + 1
            person = f'Person_{p:03d}'
            lines.append(f'{person}\t{a}\t{b}')
            pair_rows.append((index[f'{person}/{person}_{a:04d}.jpg'], index[f'{person}/{person}_{b:04d}.jpg'], True))
        for _ in range(per_set):
            p, q = rng.choice(n_people, 2, replace=False)
            a, b = rng.integers(per_person, size=2) + 1
            pp, qq = f'Person_{p:03d}', f'Person_{q:03d}'
            lines.append(f'{pp}\t{a}\t{qq}\t{b}')
            pair_rows.append((index[f'{pp}/{pp}_{a:04d}.jpg'], index[f'{qq}/{qq}_{b:04d}.jpg'], False))
    with open(os.path.join(OUT, 'pairs.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(os.path.join(OUT, 'names.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    npy_save(os.path.join(OUT, 'features.npy'), feats)
    npy_save(os.path.join(OUT, 'features_flip.npy'), flips)

    rows = np.array([(a, b) for a, b, _ in pair_rows]).reshape(-1)
    issame = [s for _, _, s in pair_rows]
    expected = {
        'generator': 'test/reference/gen_lfw_parity.py',
        'upstream': f'deepinsight/insightface@{commit}:{UPSTREAM_PATH}',
        'numpy': np.__version__, 'sklearn': sklearn.__version__,
        'pairs_txt_flip': upstream_evaluate(ns, feats[rows], flips[rows], issame, 10),
        'pairs_txt_noflip': upstream_evaluate(ns, feats[rows], None, issame, 10),
    }

    # Bin-order features with a pair count that 10 does not divide (KFold: first n % 10 folds larger)
    # and a shuffled label order, as a .bin would hold them.
    n_pairs = 205
    bin_rows, bin_same = [], []
    for k in range(n_pairs):
        same = bool(rng.random() < 0.5)
        if same:
            p = int(rng.integers(n_people))
            a, b = rng.choice(per_person, 2, replace=False)
            bin_rows += [p * per_person + a, p * per_person + b]
        else:
            p, q = rng.choice(n_people, 2, replace=False)
            bin_rows += [p * per_person + int(rng.integers(per_person)), q * per_person + int(rng.integers(per_person))]
        bin_same.append(same)
    bin_rows = np.array(bin_rows)
    npy_save(os.path.join(OUT, 'bin_features.npy'), feats[bin_rows])
    npy_save(os.path.join(OUT, 'bin_features_flip.npy'), flips[bin_rows])
    with open(os.path.join(OUT, 'bin_issame.json'), 'w') as f:
        json.dump(bin_same, f)
    expected['bin_order_flip_folds10'] = upstream_evaluate(ns, feats[bin_rows], flips[bin_rows], bin_same, 10)
    expected['bin_order_flip_folds7'] = upstream_evaluate(ns, feats[bin_rows], flips[bin_rows], bin_same, 7)

    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)
        f.write('\n')
    for k, v in expected.items():
        if isinstance(v, dict):
            print(k, 'acc %1.5f+-%1.5f' % (v['accuracy_mean'], v['accuracy_std']), 'xnorm %.4f' % v['xnorm'], v['val_at_far_1e-3'], v['val_at_far_1e-3_linear'])


if __name__ == '__main__':
    main()
