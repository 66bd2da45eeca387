#!/usr/bin/python3
"""Generates test/data/quality-parity/: seeded LFW-style pair sets with tied qualities and tied
scores, and the numbers the PUBLISHED quality-evaluation code computes on them.

Published code, read at run time from the upstream repositories (never copied here); the file is
parsed with `ast` and only the named definitions are executed, in a namespace holding numpy / sklearn
/ matplotlib (Agg):

  MagFace  eval/eval_quality/eval_quality.py   calc_quality, load_feat_pair, distance_, calc_score,
                                               save_pdf, perform_1v1_quality_eval — run unchanged
                                               on a feature list and a pair list written here; its
                                               printed FNMR list and threshold lines are captured.
                                               For the quality-file sources the same
                                               perform_1v1_quality_eval runs with its quality
                                               function `calc_quality` replaced by a lookup of the
                                               file's score for the line's image (MagFace only
                                               knows the feature norm).
  CR-FIQA  ERC/erc.py                          load_quality, load_quality_pair, load_feat_pair,
                                               distance_, calc_score, save_pdf, getFNMRFixedTH
           ERC/roc.py                          calculate_roc, get_fmr_op, get_eer_threshold
                                               erc.py's perform_1v1_quality_eval does not run as
                                               published (a missing comma turns the call of
                                               load_quality_pair into a string index); its glue for
                                               one model / data set / method is restated in
                                               `crfiqa_run` below, calling the functions above. The
                                               AUC is what save_pdf writes to its *_auc.txt.
                                               roc.py tests `dtype == np.int`, an alias numpy 1.24
                                               removed; it meant the builtin int, so np.int = int is
                                               set before the run.
  dasec    edc.py                              the whole module (it is a library: definitions only)
                                               — compute_edc, compute_edc_pauc,
                                               compute_edc_area_under_theoretical_best. compute_edc
                                               does not return its threshold; the generator
                                               restates that one call (np.quantile of the class's
                                               similarities at e, or 1 − e for FMR) to record it.

Also recorded: np.argsort (the default quicksort) on tied arrays, including an input built with
McIlroy's adversary against NumPy's introsort so that its heapsort fallback runs (the adversary
drives a Python restatement of NumPy's aquicksort control flow; the expected output is real
np.argsort's).

Run (Debian 12 system Python: numpy 1.24.2, scikit-learn 1.2.1, matplotlib 3.6.3):
  /usr/bin/python3 test/reference/gen_quality_parity.py \
      --magface /work/.mirror/IrvingMeng+MagFace/repo \
      --crfiqa /work/.mirror/fdbtrs+CR-FIQA/repo \
      --edc /work/.mirror/dasec+quality-assessment-evaluation/repo
"""
import argparse
import ast
import contextlib
import hashlib
import io
import json
import math
import operator
import os
import platform
import shutil
import subprocess
import sys
import tempfile

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn import metrics  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'quality-parity')
MAGFACE_FILE = 'eval/eval_quality/eval_quality.py'
CRFIQA_FILE = 'ERC/erc.py'
CRFIQA_ROC_FILE = 'ERC/roc.py'
EDC_FILE = 'edc.py'
DIM = 32
FMRS = [1e-2, 1e-3, 1e-4]   # the three operating points erc.py hard-codes
STARTING_ERROR = 0.05
PAUC_LIMIT = 0.20


# ---------------------------------------------------------------------------------------------
# Loading the published code

def read_upstream(repo, relpath):
    commit = subprocess.check_output(['git', '-C', repo, 'rev-parse', 'HEAD'], text=True).strip()
    src = subprocess.check_output(['git', '-C', repo, 'show', f'{commit}:{relpath}'], text=True)
    return src, {'file': relpath, 'commit': commit, 'sha256': hashlib.sha256(src.encode('utf-8')).hexdigest()}


def exec_defs(src, names, ns, label):
    tree = ast.parse(src)
    keep = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in names]
    found = sorted(n.name for n in keep)
    if found != sorted(names):
        raise SystemExit(f'{label}: expected definitions {sorted(names)}, found {found}')
    exec(compile(ast.Module(body=keep, type_ignores=[]), f'<upstream {label}>', 'exec'), ns)
    return ns


def load_magface(repo):
    src, prov = read_upstream(repo, MAGFACE_FILE)
    ns = {'np': np, 'math': math, 'plt': plt, 'metrics': metrics, 'os': os, '__name__': 'eval_quality_upstream'}
    exec_defs(src, ['calc_quality', 'load_feat_pair', 'distance_', 'calc_score', 'save_pdf', 'perform_1v1_quality_eval'], ns, MAGFACE_FILE)
    return ns, prov


def load_crfiqa(repo):
    # roc.py: `gscores.dtype == np.int` — np.int was the builtin int until numpy 1.24 removed it.
    if 'int' not in np.__dict__:
        np.int = int
    roc_src, roc_prov = read_upstream(repo, CRFIQA_ROC_FILE)
    ns = {'np': np, 'operator': operator, '__name__': 'roc_upstream'}
    exec_defs(roc_src, ['calculate_roc', 'get_fmr_op', 'get_eer_threshold'], ns, CRFIQA_ROC_FILE)
    src, prov = read_upstream(repo, CRFIQA_FILE)
    ens = {'np': np, 'math': math, 'os': os, 'sklearn': sklearn, 'metrics': metrics, 'plt': plt,
           'FontProperties': FontProperties, 'get_eer_threshold': ns['get_eer_threshold'],
           'IMAGE_EXTENSION': '.jpg', '__name__': 'erc_upstream'}
    exec_defs(src, ['load_quality', 'load_quality_pair', 'load_feat_pair', 'distance_', 'calc_score', 'save_pdf',
                    'getFNMRFixedTH'], ens, CRFIQA_FILE)
    # IMAGE_EXTENSION is a module constant of erc.py; check we set the value it has.
    assert "IMAGE_EXTENSION = '.jpg'" in src
    return ens, [prov, roc_prov]


def load_edc(repo):
    src, prov = read_upstream(repo, EDC_FILE)
    ns = {'__name__': 'edc_upstream'}
    exec(compile(src, f'<upstream {EDC_FILE}>', 'exec'), ns)
    return ns, prov


# ---------------------------------------------------------------------------------------------
# Data

def make_images(rng, subjects, dim):
    """Subjects of 3–12 images; each image's noise falls and its magnitude rises with a latent
    quality, as with MagFace. Some images are exact copies of another image (quality and score ties);
    a few copies are filed under another subject (tied scores across genuine and impostor pairs)."""
    names, feats, subject_of = [], [], []
    centres = rng.standard_normal((subjects, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    for s in range(subjects):
        for k in range(int(rng.integers(3, 13))):
            q = rng.uniform()
            direction = centres[s] + rng.standard_normal(dim) / math.sqrt(dim) * (0.25 + 1.2 * (1 - q) ** 2)
            direction /= np.linalg.norm(direction)
            magnitude = 10 + 25 * q + rng.normal(0, 1.5)
            names.append(f'p{s:04d}/p{s:04d}_{k:02d}.jpg')
            feats.append(direction * magnitude)
            subject_of.append(s)
    feats = np.array(feats, dtype=np.float32)
    n = len(names)
    copies = rng.choice(n, size=n // 25, replace=False)
    for c, src in zip(copies, rng.choice(n, size=len(copies))):
        feats[c] = feats[src]
        if rng.uniform() < 0.8:
            subject_of[c] = subject_of[src]   # a duplicate of a same-subject image
    return names, feats, np.array(subject_of)


def make_pairs(rng, subject_of, genuine, impostor):
    by_subject = {}
    for i, s in enumerate(subject_of):
        by_subject.setdefault(int(s), []).append(i)
    multi = [s for s, imgs in by_subject.items() if len(imgs) >= 2]
    n = len(subject_of)
    pairs = []
    while len(pairs) < genuine:
        s = multi[int(rng.integers(len(multi)))]
        a, b = rng.choice(by_subject[s], 2, replace=False)
        pairs.append((int(a), int(b), 1))
    while len(pairs) < genuine + impostor:
        a, b = rng.integers(n, size=2)
        if subject_of[a] != subject_of[b]:
            pairs.append((int(a), int(b), 0))
    # Repeated pairs: identical scores and qualities.
    for k in rng.choice(len(pairs), size=len(pairs) // 50, replace=False):
        pairs.append(pairs[k])
    order = rng.permutation(len(pairs))
    return [pairs[k] for k in order]


def quality_files(rng, names, norms):
    """`coarse`: 12 levels (many ties) tracking the norm loosely; `fine`: six decimals, a few repeats."""
    coarse = np.clip(np.round((norms - norms.min()) / (norms.max() - norms.min()) * 11 + rng.normal(0, 1.5, len(norms))), 0, 11) / 4
    fine = np.round(rng.uniform(0, 1, len(norms)) * 0.6 + (norms - norms.min()) / (norms.max() - norms.min()) * 0.4, 6)
    fine[rng.choice(len(names), size=len(names) // 20)] = 0.5
    return {'coarse': [f'{v:g}' for v in coarse], 'fine': [f'{v:.6f}' for v in fine]}


# ---------------------------------------------------------------------------------------------
# Running the published code

def magface_run(mf, work, names, feats, pairs, quality_lookup=None):
    """MagFace perform_1v1_quality_eval on files written in its formats. Returns (fnmr list, threshold strings)."""
    feat_list = os.path.join(work, 'feat.list')
    pair_list = os.path.join(work, 'pair.list')
    with open(feat_list, 'w') as f:
        for a, b, _ in pairs:
            for i in (a, b):
                f.write(names[i] + ' ' + ' '.join(repr(float(v)) for v in feats[i]) + '\n')
    with open(pair_list, 'w') as f:
        for a, b, same in pairs:
            f.write(f'{names[a]} {names[b]} {same}\n')
    upstream_quality = mf['calc_quality']
    if quality_lookup is not None:
        mf['calc_quality'] = lambda line: quality_lookup[line.split()[0]]
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(work)  # save_pdf writes test.png into the working folder
    try:
        with contextlib.redirect_stdout(out):
            mf['perform_1v1_quality_eval'](argparse.Namespace(feat_list=feat_list, pair_list=pair_list))
    finally:
        os.chdir(cwd)
        mf['calc_quality'] = upstream_quality
        plt.close('all')
    lines = out.getvalue().strip().split('\n')
    fnmrs = ast.literal_eval(lines[-1])
    thresholds = [l.split('THRESHOLD = ')[1].strip() for l in lines[:-1] if l.startswith('FNMR')]
    assert len(thresholds) == len(fnmrs)
    return fnmrs, thresholds


def crfiqa_run(cr, work, names, feats, pairs, quality_name, quality_values):
    """erc.py's steps for one model / data set / method (its perform_1v1_quality_eval glue, restated)."""
    qdir, emb_root, out_dir, dataset, model = 'qroot', 'emb', 'erc_out', 'synth', 'Model'
    cwd = os.getcwd()
    os.chdir(work)
    try:
        for d in (os.path.join(qdir, dataset), os.path.join(emb_root, f'{dataset}_{model}'), os.path.join(out_dir, dataset)):
            os.makedirs(d, exist_ok=True)
        stem = lambda n: n[:-len('.jpg')]
        with open(os.path.join(qdir, dataset, 'pair_list.txt'), 'w') as f:
            for a, b, same in pairs:
                f.write(f'{stem(names[a])} {stem(names[b])} {same}\n')
        for i, n in enumerate(names):
            path = os.path.join(emb_root, f'{dataset}_{model}', stem(n) + '.npy')
            os.makedirs(os.path.dirname(path), exist_ok=True)
            np.save(path, feats[i])
        qfile = os.path.join(qdir, dataset, f'{quality_name}_{dataset}.txt')
        with open(qfile, 'w') as f:
            for n, v in zip(names, quality_values):
                f.write(f'{qdir}/{dataset}/images/{n} {v}\n')
        args = argparse.Namespace(quality_score_dir=qdir, distance_metric='cosine')
        feat_pairs = cr['load_feat_pair'](os.path.join(qdir, dataset, 'pair_list.txt'), os.path.join(emb_root, f'{dataset}_{model}'))
        qualities = cr['load_quality_pair'](os.path.join(qdir, dataset, 'pair_list.txt'), [qfile], dataset, args)
        with contextlib.redirect_stdout(io.StringIO()):
            fnmr2, fnmr3, fnmr4, _ = cr['getFNMRFixedTH'](feat_pairs, qualities, dist_type='cosine', desc=True)
            result = {}
            for fmr, fnmrs in zip(FMRS, (fnmr2, fnmr3, fnmr4)):
                auc_file = os.path.join(out_dir, dataset, str(fmr) + '_auc.txt')
                if os.path.exists(auc_file):
                    os.remove(auc_file)
                cr['save_pdf']([fnmrs], [quality_name], model=model, output_dir=out_dir, fmr=fmr, db=dataset)
                with open(auc_file) as f:
                    auc = float(f.read().strip().split(':')[-1])
                result[key(fmr)] = {'fnmr': [float(x) for x in fnmrs], 'auc': auc}
        plt.close('all')
        return result
    finally:
        os.chdir(cwd)


def edc_run(edc, sims, labels, qa, qb, starting_error, limit):
    out = {}
    for kind, cls, err_type in (('fnm', 1, edc['EdcErrorType'].FNMR), ('fm', 0, edc['EdcErrorType'].FMR)):
        idx = np.flatnonzero(labels == cls)
        sample_pairs = [edc['EdcSamplePair'](samples=(edc['EdcSample'](quality_score=float(qa[i])), edc['EdcSample'](quality_score=float(qb[i]))),
                                             similarity_score=float(sims[i])) for i in idx]
        res = edc['compute_edc'](error_type=err_type, sample_pairs=sample_pairs, starting_error=starting_error)
        # Restated from compute_edc (it does not return its threshold):
        q = starting_error if cls == 1 else 1 - starting_error
        threshold = float(np.quantile(np.array([float(sims[i]) for i in idx], dtype=np.float64), q))
        pauc = edc['compute_edc_pauc'](res, limit)
        best = edc['compute_edc_area_under_theoretical_best'](res, limit)
        out[kind] = {'discard': [float(x) for x in res['discard_fractions']], 'error': [float(x) for x in res['error_fractions']],
                     'threshold': threshold, 'pauc': float(pauc - best), 'theoretical_best': float(best)}
    return out


def key(fmr):
    return f'{fmr:.0e}'.replace('e-0', 'e-')


# ---------------------------------------------------------------------------------------------
# np.argsort cases

def restated_aquicksort(n, less, on_heapsort):
    """NumPy 1.24 aquicksort_ control flow over indices with a comparison callback (only used to
    build an adversarial input; the recorded expectation is real np.argsort's)."""
    tosort = list(range(n))
    def heapsort(start, m):
        on_heapsort()
        a = lambda i: start + i - 1
        def sift(l, m, tmp):
            i, j = l, l << 1
            while j <= m:
                if j < m and less(tosort[a(j)], tosort[a(j + 1)]):
                    j += 1
                if less(tmp, tosort[a(j)]):
                    tosort[a(i)] = tosort[a(j)]
                    i, j = j, j + j
                else:
                    break
            tosort[a(i)] = tmp
        for l in range(m >> 1, 0, -1):
            sift(l, m, tosort[a(l)])
        while m > 1:
            tmp = tosort[a(m)]
            tosort[a(m)] = tosort[a(1)]
            m -= 1
            sift(1, m, tmp)
    stack = []
    pl, pr = 0, n - 1
    cdepth = 2 * (n.bit_length() - 1)
    while True:
        if cdepth < 0:
            heapsort(pl, pr - pl + 1)
        else:
            while pr - pl > 15:
                pm = pl + ((pr - pl) >> 1)
                if less(tosort[pm], tosort[pl]): tosort[pm], tosort[pl] = tosort[pl], tosort[pm]
                if less(tosort[pr], tosort[pm]): tosort[pr], tosort[pm] = tosort[pm], tosort[pr]
                if less(tosort[pm], tosort[pl]): tosort[pm], tosort[pl] = tosort[pl], tosort[pm]
                vp = tosort[pm]
                pi, pj = pl, pr - 1
                tosort[pm], tosort[pj] = tosort[pj], tosort[pm]
                while True:
                    pi += 1
                    while less(tosort[pi], vp): pi += 1
                    pj -= 1
                    while less(vp, tosort[pj]): pj -= 1
                    if pi >= pj: break
                    tosort[pi], tosort[pj] = tosort[pj], tosort[pi]
                tosort[pi], tosort[pr - 1] = tosort[pr - 1], tosort[pi]
                cdepth -= 1
                if pi - pl < pr - pi:
                    stack.append((pi + 1, pr, cdepth)); pr = pi - 1
                else:
                    stack.append((pl, pi - 1, cdepth)); pl = pi + 1
            for pi in range(pl + 1, pr + 1):
                vi = tosort[pi]
                pj = pi
                while pj > pl and less(vi, tosort[pj - 1]):
                    tosort[pj] = tosort[pj - 1]; pj -= 1
                tosort[pj] = vi
        if not stack: break
        pl, pr, cdepth = stack.pop()
    return tosort


def mcilroy_killer(n):
    """McIlroy's 'A killer adversary for quicksort' against the restated aquicksort: values are
    fixed lazily so that each partition is as lopsided as possible."""
    gas = n
    val = [gas] * n
    state = {'solid': 0, 'candidate': 0, 'heapsort': 0}
    def freeze(x):
        val[x] = state['solid']; state['solid'] += 1
    def less(x, y):
        if val[x] == gas and val[y] == gas:
            freeze(x if x == state['candidate'] else y)
        if val[x] == gas: state['candidate'] = x
        elif val[y] == gas: state['candidate'] = y
        return val[x] < val[y]
    restated_aquicksort(n, less, lambda: state.__setitem__('heapsort', state['heapsort'] + 1))
    values = np.array(val, dtype=np.float64) / 4    # the adversary's answers, as floats
    # The same comparisons happen on these values, so the same heapsort fallback.
    assert state['heapsort'] > 0, 'the adversary did not reach the heapsort fallback'
    replay = {'heapsort': 0}
    order = restated_aquicksort(n, lambda x, y: values[x] < values[y], lambda: replay.__setitem__('heapsort', replay['heapsort'] + 1))
    assert replay['heapsort'] > 0
    return values, order


def argsort_cases(rng):
    cases = []
    def add(label, values):
        values = np.asarray(values, dtype=np.float64)
        cases.append({'label': label, 'values': values.tolist(), 'argsort': np.argsort(values).tolist()})
    add('one', [0.5])
    add('two equal', [1.0, 1.0])
    add('16 tied', rng.integers(0, 3, 16) / 2)
    add('17 tied', rng.integers(0, 3, 17) / 2)
    add('100, 5 levels', rng.integers(0, 5, 100) * 0.25)
    add('sorted with ties', np.sort(rng.integers(0, 40, 500)) / 8)
    add('reversed with ties', np.sort(rng.integers(0, 40, 500))[::-1] / 8)
    add('all equal', np.full(300, 0.75))
    add('organ pipe', np.concatenate([np.arange(400), np.arange(400)[::-1]]) / 16)
    add('5000, 7 levels', rng.integers(0, 7, 5000) / 3)
    add('8000, 300 levels', rng.integers(0, 300, 8000) / 7)
    add('negatives and zeros', rng.choice([-1.5, -0.0, 0.0, 2.25], 1000))
    values, restated = mcilroy_killer(2000)
    expected = np.argsort(values)
    assert expected.tolist() == restated, 'the restated aquicksort does not match np.argsort'
    cases.append({'label': 'McIlroy adversary (heapsort fallback)', 'values': values.tolist(), 'argsort': expected.tolist()})
    return cases


# ---------------------------------------------------------------------------------------------

def pair_set_case(label, rng, mf, cr, edc, subjects, genuine, impostor):
    names, feats, subject_of = make_images(rng, subjects, DIM)
    pairs = make_pairs(rng, subject_of, genuine, impostor)
    out_dir = os.path.join(OUT, label)
    os.makedirs(out_dir, exist_ok=True)
    np.save(os.path.join(out_dir, 'features.npy'), feats)
    with open(os.path.join(out_dir, 'names.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    with open(os.path.join(out_dir, 'pairs.csv'), 'w') as f:
        f.write('a,b,label\n' + ''.join(f'{names[a]},{names[b]},{same}\n' for a, b, same in pairs))

    # MagFace's own quality (calc_quality on a feature-list line) and distances (distance_).
    norms = np.array([mf['calc_quality'](n + ' ' + ' '.join(repr(float(v)) for v in feats[i])) for i, n in enumerate(names)])
    np.save(os.path.join(out_dir, 'reference_norms.npy'), norms)
    a_idx = np.array([a for a, _, _ in pairs])
    b_idx = np.array([b for _, b, _ in pairs])
    labels = np.array([same for _, _, same in pairs])
    dist = mf['distance_'](feats[a_idx].astype(np.float64), feats[b_idx].astype(np.float64))
    np.save(os.path.join(out_dir, 'reference_distances.npy'), dist)

    files = quality_files(rng, names, norms)
    for qname, values in files.items():
        with open(os.path.join(out_dir, f'{qname}.txt'), 'w') as f:
            f.write(''.join(f'qroot/synth/images/{n} {v}\n' for n, v in zip(names, values)))
    sources = {'norm': [repr(float(v)) for v in norms], **files}
    result = {'images': len(names), 'pairs': len(pairs), 'genuine': int(labels.sum()), 'impostor': int(len(labels) - labels.sum()),
              'sources': {}}
    work = tempfile.mkdtemp(prefix='quality-parity-')
    try:
        for qname, values in sources.items():
            lookup = None if qname == 'norm' else {n: float(v) for n, v in zip(names, values)}
            fnmrs, thresholds = magface_run(mf, work, names, feats, pairs, lookup)
            qv = np.array([float(v) for v in values])
            result['sources'][qname] = {
                'magface': {'fnmr': fnmrs, 'threshold_printed': thresholds},
                'crfiqa': crfiqa_run(cr, work, names, feats, pairs, qname, values),
                'edc': edc_run(edc, -dist, labels, qv[a_idx], qv[b_idx], STARTING_ERROR, PAUC_LIMIT),
            }
    finally:
        shutil.rmtree(work)
    return result


def edc_cases(rng, edc):
    cases = []
    for label, n_gen, n_imp, levels, e, limit in [
        ('coarse quality, e=0.05, limit 0.2', 300, 1500, 6, 0.05, 0.2),
        ('fine quality, e=0.1, limit 0.05', 200, 1000, None, 0.1, 0.05),
        ('many levels, e=0.3, limit 1', 300, 700, 80, 0.3, 1.0),
        ('tied scores, e=0.05, limit 0.5', 200, 500, 10, 0.05, 0.5),
    ]:
        n = n_gen + n_imp
        labels = np.array([1] * n_gen + [0] * n_imp)
        sims = np.round(np.where(labels == 1, rng.normal(0.6, 0.15, n), rng.normal(0.1, 0.12, n)), 9)
        if label.startswith('tied'):
            sims = np.round(sims * 20) / 20
        if levels is None:
            q = rng.uniform(0, 1, (n, 2))
        else:
            q = rng.integers(0, levels, (n, 2)) / levels
        cases.append({'label': label, 'labels': labels.tolist(), 'scores': sims.tolist(), 'quality_a': q[:, 0].tolist(), 'quality_b': q[:, 1].tolist(),
                      'starting_error': e, 'limit': limit, 'expected': edc_run(edc, sims, labels, q[:, 0], q[:, 1], e, limit)})
    return cases


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--magface', default='/work/.mirror/IrvingMeng+MagFace/repo')
    p.add_argument('--crfiqa', default='/work/.mirror/fdbtrs+CR-FIQA/repo')
    p.add_argument('--edc', default='/work/.mirror/dasec+quality-assessment-evaluation/repo')
    p.add_argument('--seed', type=int, default=12)
    args = p.parse_args()
    mf, mf_prov = load_magface(args.magface)
    cr, cr_prov = load_crfiqa(args.crfiqa)
    edc, edc_prov = load_edc(args.edc)
    rng = np.random.default_rng(args.seed)
    os.makedirs(OUT, exist_ok=True)
    expected = {
        'generator': 'test/reference/gen_quality_parity.py',
        'upstream': {'magface': mf_prov, 'crfiqa': cr_prov, 'edc': edc_prov},
        'versions': {'python': platform.python_version(), 'numpy': np.__version__, 'sklearn': sklearn.__version__,
                     'matplotlib': matplotlib.__version__},
        'fmrs': FMRS, 'starting_error': STARTING_ERROR, 'pauc_limit': PAUC_LIMIT,
        'sets': {
            # 1e-3 resolvable until ~0.9 discarded; 1e-4 never (so the untrusted path is exercised).
            'large': pair_set_case('large', rng, mf, cr, edc, subjects=700, genuine=2000, impostor=11000),
            # Few impostors: MagFace's loop ends early (fewer than 101 left).
            'small': pair_set_case('small', rng, mf, cr, edc, subjects=60, genuine=300, impostor=700),
        },
        'edc_cases': edc_cases(rng, edc),
        'argsort_cases': argsort_cases(rng),
    }
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {OUT}')


if __name__ == '__main__':
    main()
