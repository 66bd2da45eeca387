#!/usr/bin/python3
"""Generate the clustering parity sets and the reference numbers for them.

The reference numbers come from the *published* code of learn-to-cluster (yl-1993/learn-to-cluster),
which is NOT part of this repository. It is read at run time from the repository given with
--learn-to-cluster (a bare git directory or clone: `git show <rev>:<path>`; or a plain checkout),
and only the named top-level `def`s are executed (taken via `ast`, as gen_ijb_parity.py does):

  evaluation/metrics.py        _check, _get_lb2idxs, _compute_fscore, fowlkes_mallows_score,
                               pairwise, bcubed, nmi
  baseline/sklearn_cluster.py  fast_hierarchy (fastcluster.linkage_vector + scipy fcluster),
                               knn_dbscan (fast_knns2spmat + sklearn DBSCAN, metric='precomputed')
  utils/knn.py                 fast_knns2spmat, knns2ordered_nbrs
  utils/misc.py                l2norm, write_meta, intdict2ndarray
  vegcn/confidence.py          density, confidence_to_peaks

What this file implements itself: the data sets, and the faiss-free exact kNN handed to the
published knn_dbscan in place of `build_knns` (faiss is not installable here): for each face, all
faces ranked by inner product — the float32 rounding of the exact inner product of the
l2norm-ed float32 features (long-double sums, then one rounding) — higher first, equal values by
lower index, the first k kept, distances float32(1 - similarity) as learn-to-cluster's knn_faiss
stores them. Magnitude peaks (facebench's own method) are built from the published
confidence_to_peaks(max_conn=1) with the magnitude as confidence, the link kept when the cosine is
>= tau, components by scipy.sparse.csgraph. NMI "geometric" is sklearn's
normalized_mutual_info_score(..., average_method='geometric').

Usage (see test/reference/README.md):
  /usr/bin/python3 test/reference/gen_cluster_parity.py \
      --learn-to-cluster /path/to/learn-to-cluster[.git] --out test/data/cluster-parity
"""

import argparse
import contextlib
import io
import itertools
import json
import multiprocessing
import os
import platform
import sys
import warnings

import numpy as np
import scipy
import scipy.cluster.hierarchy
import scipy.sparse
import scipy.sparse.csgraph
import scipy.stats
import sklearn
import sklearn.cluster
from sklearn.exceptions import EfficiencyWarning
from sklearn.metrics.cluster import contingency_matrix, normalized_mutual_info_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_ijb_parity import exec_upstream_defs, read_upstream  # noqa: E402  (reads upstream at run time)

# knn_dbscan hands DBSCAN a kNN graph not sorted by distance; sklearn sorts it and says so.
warnings.filterwarnings("ignore", category=EfficiencyWarning)

FILES = {
    "evaluation/metrics.py": ["_check", "_get_lb2idxs", "_compute_fscore", "fowlkes_mallows_score",
                              "pairwise", "bcubed", "nmi"],
    "baseline/sklearn_cluster.py": ["fast_hierarchy", "knn_dbscan"],
    "utils/knn.py": ["fast_knns2spmat", "knns2ordered_nbrs"],
    "utils/misc.py": ["l2norm", "write_meta", "intdict2ndarray"],
    "vegcn/confidence.py": ["density", "confidence_to_peaks"],
}


# --------------------------------------------------------------------------------------------
# Loading the published functions at run time
# --------------------------------------------------------------------------------------------

def load_learn_to_cluster(repo, rev):
    # One namespace: the published modules import each other's functions by name.
    ns = {"np": np, "os": os, "mp": multiprocessing, "cluster": sklearn.cluster,
          "contingency_matrix": contingency_matrix,
          "normalized_mutual_info_score": normalized_mutual_info_score,
          "groupby": itertools.groupby, "tqdm": lambda it, *a, **k: it,
          "__name__": "learn_to_cluster_upstream"}
    provenance = []
    for relpath, names in FILES.items():
        src, prov = read_upstream(repo, relpath, rev)
        exec_upstream_defs(src, names, ns, relpath)
        provenance.append(prov)
    return ns, provenance


# --------------------------------------------------------------------------------------------
# Data sets
# --------------------------------------------------------------------------------------------

def tied_set(rng):
    """Exact arithmetic everywhere: ±1/8 codes on 64 coordinates (the first 32 shared), integer
    magnitudes. Cosines are 1 - h/32 (h = Hamming distance), distances sqrt(h)/4 — exactly at
    0.5, sqrt(0.5), 0.75 — and many faces repeat, so every threshold and the kNN order meet ties."""
    n_ids, dim = 14, 64
    codes = rng.choice([-1.0, 1.0], size=(n_ids, 32))
    feats, labels = [], []
    for _ in range(300):
        s = int(rng.integers(0, n_ids))
        code = codes[s].copy()
        flips = rng.choice(32, size=int(rng.choice([0, 0, 1, 2, 3, 4, 5, 9])), replace=False)
        code[flips] *= -1
        mag = float(rng.choice([4.0, 8.0, 12.0, 16.0]))
        feats.append(np.concatenate([np.ones(32), code]) / 8.0 * mag)
        labels.append(100 + 7 * s)  # label values need not be 0..n-1
    return np.array(feats, dtype=np.float32), np.array(labels, dtype=np.int64)


def gaussian_set(rng):
    """Float data: 60 identities in 64-d, a shared offset (all cosines positive, as
    fast_knns2spmat asserts), magnitudes 5–25, 6 % exact duplicate faces."""
    n_ids, dim, n = 60, 64, 1200
    centres = rng.standard_normal((n_ids, dim))
    common = rng.standard_normal(dim)
    feats = np.zeros((n, dim), dtype=np.float32)
    labels = np.zeros(n, dtype=np.int64)
    for i in range(n):
        if i > 0 and rng.random() < 0.06:
            src = int(rng.integers(0, i))
            feats[i] = feats[src]
            labels[i] = labels[src]
            continue
        s = int(rng.integers(0, n_ids))
        spread = rng.uniform(0.35, 0.8)
        feats[i] = (5 + 20 * rng.random()) * (centres[s] + 0.9 * common + spread * rng.standard_normal(dim))
        labels[i] = s
    return feats, labels


# --------------------------------------------------------------------------------------------
# Reference computations
# --------------------------------------------------------------------------------------------

def exact_similarities(feats):
    """float32 rounding of the exact inner products (long-double sums: 64-bit mantissa)."""
    x = feats.astype(np.longdouble)
    return (x @ x.T).astype(np.float32)


def exact_knns(sims32, k):
    n = sims32.shape[0]
    idx = np.arange(n)
    knns = []
    for i in range(n):
        order = np.lexsort((idx, -sims32[i].astype(np.float64)))[:k]
        knns.append((order.astype(np.int32), (np.float32(1) - sims32[i, order]).astype(np.float32)))
    return knns


def number(v):
    """JSON has no NaN: an undefined score (0/0 in numpy) is written as null."""
    v = float(v)
    return None if v != v else v


def scores(up, gt, pred):
    gt = np.asarray(gt, dtype=np.int64)
    pred = np.asarray(pred, dtype=np.int64)

    def block(g, p):
        if len(g) == 0:
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            pw = up["pairwise"](g, p)
            bc = up["bcubed"](g, p)
        return {"items": int(len(g)), "clusters": int(len(np.unique(p))),
                "singletons": int(np.sum(np.bincount(np.unique(p, return_inverse=True)[1]) == 1)),
                "pairwise": [number(v) for v in pw], "bcubed": [number(v) for v in bc],
                "nmi": number(up["nmi"](g, p)),
                "nmi_geometric": number(normalized_mutual_info_score(p, g, average_method="geometric"))}

    cluster_of = np.unique(pred, return_inverse=True)[1]
    keep = np.bincount(cluster_of)[cluster_of] > 1
    return {"all": block(gt, pred), "without_singletons": block(gt[keep], pred[keep])}


def quiet(fn, *args, **kwargs):
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


def run_set(up, name, raw, gt, out_dir, cases):
    dim = raw.shape[1]
    raw.tofile(os.path.join(out_dir, name + ".bin"))
    with open(os.path.join(out_dir, name + ".meta"), "w") as f:
        f.write("".join("%d\n" % v for v in gt))
    mags = np.linalg.norm(raw, axis=1)            # float32, as l2norm divides by it
    feats = up["l2norm"](raw.copy())
    sims = exact_similarities(feats)
    result = {"name": name, "faces": int(raw.shape[0]), "dim": dim, "classes": int(len(np.unique(gt))),
              "magnitudes": [float(v) for v in mags], "fasthac": [], "knn_dbscan": [],
              "magnitude_peaks": [], "density": []}

    for t in cases["fasthac"]:
        labels = quiet(up["fast_hierarchy"], feats, t)
        # scipy's own single linkage must give the same partition
        z = scipy.cluster.hierarchy.linkage(feats.astype(np.float64), method="single")
        other = scipy.cluster.hierarchy.fcluster(z, t, criterion="distance")
        assert len(set(zip(labels, other))) == len(set(labels)) == len(set(other)), "fastcluster vs scipy"
        result["fasthac"].append({"distance": t, "labels": [int(v) for v in labels], "scores": scores(up, gt, labels)})

    for c in cases["knn_dbscan"]:
        knns = exact_knns(sims, c["k"])
        up["build_knns"] = lambda prefix, feats_, method, k: knns
        labels = quiet(up["knn_dbscan"], feats, eps=c["eps"], min_samples=c["min_samples"], prefix="unused",
                       name=name, knn_method="exact", knn=c["k"], th_sim=c["th_sim"])
        # learn-to-cluster's tools/baseline_cluster.py writes noise (-1) as singletons via write_meta
        idx2lb = {i: int(lb) for i, lb in enumerate(labels) if lb != -1}
        written = quiet(up["write_meta"], None, idx2lb, inst_num=len(labels)) if idx2lb else np.arange(len(labels))
        result["knn_dbscan"].append(dict(c, labels=[int(v) for v in labels], scores=scores(up, gt, written.astype(np.int64))))

    for c in cases["density"]:
        knns = exact_knns(sims, c["k"])
        dists, nbrs = up["knns2ordered_nbrs"](knns, sort=False)
        dens = up["density"](dists, radius=c["radius"])
        rho = scipy.stats.spearmanr(mags, dens)[0]
        result["density"].append(dict(c, density=[float(v) for v in dens], spearman=float(rho)))

    for c in cases["magnitude_peaks"]:
        knns = exact_knns(sims, c["k"])
        dists, nbrs = up["knns2ordered_nbrs"](knns, sort=False)
        _, peaks = quiet(up["confidence_to_peaks"], dists, nbrs, mags, max_conn=1)
        rows, cols = [], []
        for i in range(len(mags)):
            if peaks[i] and sims[i, peaks[i][0]] >= c["tau"]:
                rows.append(i)
                cols.append(peaks[i][0])
        graph = scipy.sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(mags), len(mags)))
        _, labels = scipy.sparse.csgraph.connected_components(graph, directed=True, connection="weak")
        parent = [-1] * len(mags)
        for r, col in zip(rows, cols):
            parent[r] = int(col)
        result["magnitude_peaks"].append(dict(c, parent=parent, labels=[int(v) for v in labels],
                                              scores=scores(up, gt, labels)))
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--learn-to-cluster", required=True)
    ap.add_argument("--rev", default="HEAD")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    up, provenance = load_learn_to_cluster(args.learn_to_cluster, args.rev)
    rng = np.random.default_rng(args.seed)

    tied_raw, tied_gt = tied_set(rng)
    gauss_raw, gauss_gt = gaussian_set(rng)
    sets = [
        run_set(up, "tied", tied_raw, tied_gt, args.out, {
            "fasthac": [0.5, 0.7071067811865476, 0.72, 0.75],
            "knn_dbscan": [dict(k=80, eps=0.25, min_samples=1, th_sim=0.0),
                           dict(k=80, eps=0.125, min_samples=1, th_sim=0.0),
                           dict(k=10, eps=0.25, min_samples=1, th_sim=0.0),
                           dict(k=80, eps=0.25, min_samples=4, th_sim=0.0)],
            "density": [dict(k=80, radius=0.3), dict(k=10, radius=0.3)],
            "magnitude_peaks": [dict(k=80, tau=0.75), dict(k=80, tau=0.65), dict(k=10, tau=0.65)],
        }),
        run_set(up, "gaussian", gauss_raw, gauss_gt, args.out, {
            "fasthac": [0.6, 0.72, 0.8],
            "knn_dbscan": [dict(k=80, eps=0.25, min_samples=1, th_sim=0.0),
                           dict(k=80, eps=0.35, min_samples=1, th_sim=0.0),
                           dict(k=20, eps=0.3, min_samples=1, th_sim=0.0),
                           dict(k=80, eps=0.3, min_samples=3, th_sim=0.0)],
            "density": [dict(k=80, radius=0.3)],
            "magnitude_peaks": [dict(k=80, tau=0.65), dict(k=30, tau=0.5)],
        }),
    ]

    # A predicted-labels file as learn-to-cluster users bring them: -1 = unclustered.
    pred = np.array(sets[1]["knn_dbscan"][3]["labels"], dtype=np.int64)
    pred_path = os.path.join(args.out, "gaussian_pred_with_noise.txt")
    with open(pred_path, "w") as f:
        f.write("".join("%d\n" % v for v in pred))
    idx2lb = {i: int(lb) for i, lb in enumerate(pred) if lb != -1}
    written = quiet(up["write_meta"], None, idx2lb, inst_num=len(pred))
    predicted = {"file": "gaussian_pred_with_noise.txt", "truth": "gaussian.meta",
                 "scores": scores(up, gauss_gt, written.astype(np.int64))}

    vectors = []
    for gt, pr in [([0, 0, 1, 1, 2, 3, 4, 5, 5, 5, 5], [0, 0, 1, 1, 2, 2, 3, 4, 5, 5, 6]),
                   ([0, 0, 0, 1, 1, 1], [0, 1, 2, 3, 4, 5])]:
        vectors.append({"truth": gt, "pred": pr, "scores": scores(up, gt, pr)})

    doc = {
        "generator": "test/reference/gen_cluster_parity.py",
        "seed": args.seed,
        "upstream": {"repository": "yl-1993/learn-to-cluster", "files": provenance},
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "scipy": scipy.__version__, "sklearn": sklearn.__version__,
                     "fastcluster": __import__("fastcluster").__version__},
        "vectors": vectors,
        "predicted": predicted,
        "sets": sets,
    }
    text = json.dumps(doc, indent=1, allow_nan=False)
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        f.write(text + "\n")
    print("wrote %s (%d bytes)" % (os.path.join(args.out, "expected.json"), len(text)), file=sys.stderr)


if __name__ == "__main__":
    main()
