#!/usr/bin/env python3
"""The published learn-to-cluster baselines on the clustering benchmark's synthetic set, for times
and labels measured on the same machine as bench/cluster-bench.ts (which runs this with REFERENCE=1).
The upstream functions are loaded at run time (gen_cluster_parity.py's loader); nothing of them is
committed here.

  /usr/bin/python3 bench/reference_cluster.py --learn-to-cluster /path/to/learn-to-cluster[.git] \
      [--root .bench/cluster-synthetic] [--out DIR] [--fasthac-faces 12000]

- knn_dbscan (k 80, eps 0.25, min_samples 1, th_sim 0) over all faces, on an exact kNN that stands
  in for faiss IndexFlatIP: float32 numpy (BLAS sgemm) products in blocks of 1024 rows — faiss's
  arithmetic, not facebench's correctly rounded one — ranked by similarity, ties by index.
- fast_hierarchy (fastcluster single linkage + fcluster, distance 0.72) on the first
  --fasthac-faces faces only: it computes every pairwise distance in scalar float64 (O(N² D)).
- pairwise / bcubed / nmi of the knn_dbscan labels.
Prints one JSON object (seconds, peak RSS, label files) on stdout.
"""
import argparse
import contextlib
import io
import json
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "reference"))
from gen_cluster_parity import load_learn_to_cluster  # noqa: E402  (our loader; reads upstream at run time)

ap = argparse.ArgumentParser()
ap.add_argument("--learn-to-cluster", required=True)
ap.add_argument("--rev", default="HEAD")
ap.add_argument("--root", default=".bench/cluster-synthetic")
ap.add_argument("--out", default=None)
ap.add_argument("--fasthac-faces", type=int, default=12000)
args = ap.parse_args()
out_dir = args.out or os.path.join(args.root, "reference")
os.makedirs(out_dir, exist_ok=True)
up, _ = load_learn_to_cluster(args.learn_to_cluster, args.rev)
quiet = contextlib.redirect_stdout(io.StringIO())

t = {}
t0 = time.time()
feats = np.load(os.path.join(args.root, "features.npy"))
gt = np.loadtxt(os.path.join(args.root, "labels.meta"), dtype=np.int64)
feats = up["l2norm"](feats)
t["load"] = time.time() - t0

K = 80
t0 = time.time()
n = feats.shape[0]
idx = np.arange(n)
knns = []
for start in range(0, n, 1024):
    sims = feats[start:start + 1024] @ feats.T
    part = np.argpartition(-sims, K, axis=1)[:, :K + 1]  # the K best and one more, for ties at the edge
    for r in range(sims.shape[0]):
        row = sims[r]
        kth = np.sort(row[part[r]])[::-1][K - 1]
        cand = np.nonzero(row >= kth)[0]
        order = cand[np.lexsort((cand, -row[cand].astype(np.float64)))][:K]
        knns.append((order.astype(np.int32), (np.float32(1) - row[order]).astype(np.float32)))
t["knn"] = time.time() - t0

t0 = time.time()
up["build_knns"] = lambda prefix, feats_, method, k: knns
with quiet:
    dbscan = up["knn_dbscan"](feats, eps=0.25, min_samples=1, prefix="unused", name="bench", knn_method="exact", knn=K, th_sim=0.0)
t["dbscan"] = time.time() - t0
dbscan_file = os.path.join(out_dir, "reference-knn-dbscan.txt")
np.savetxt(dbscan_file, dbscan, fmt="%d")

t0 = time.time()
with np.errstate(divide="ignore", invalid="ignore"):
    scores = {"pairwise": [float(v) for v in up["pairwise"](gt, dbscan)], "bcubed": [float(v) for v in up["bcubed"](gt, dbscan)],
              "nmi": float(up["nmi"](gt, dbscan))}
t["metrics"] = time.time() - t0

m = args.fasthac_faces
t0 = time.time()
with quiet:
    hac = up["fast_hierarchy"](feats[:m].copy(), 0.72)
t["fasthac"] = time.time() - t0
hac_file = os.path.join(out_dir, "reference-fasthac-%d.txt" % m)
np.savetxt(hac_file, hac, fmt="%d")

print(json.dumps({
    "faces": int(n), "fasthac_faces": int(m), "seconds": t,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "knn_dbscan": {"labels_file": dbscan_file, "scores": scores},
    "fasthac": {"labels_file": hac_file},
}))
