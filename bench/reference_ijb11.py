#!/usr/bin/env python3
"""Times the published insightface ijb_11.py path on the benchmark's synthetic IJB-C set, for a ratio
measured on the same machine as `npm run bench`. The upstream functions are loaded at run time from
an insightface checkout or bare git dir (nothing of it is committed here), as the parity generator does.

  /usr/bin/python3 bench/reference_ijb11.py --insightface /path/to/insightface[.git] [--root .bench/ijbc-synthetic]

One aggregation (ijb_11.py N0D0F1 = facebench `plain`), then sklearn roc_curve + the nearest rule.
"""
import argparse
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "reference"))
from gen_ijb_parity import load_insightface  # noqa: E402  (our loader; reads upstream at run time)
from sklearn.metrics import roc_curve  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--insightface", required=True)
ap.add_argument("--rev", default="HEAD")
ap.add_argument("--root", default=".bench/ijbc-synthetic")
args = ap.parse_args()

fns, prov = load_insightface(args.insightface, args.rev)
meta = os.path.join(args.root, "meta")
t = {}
t0 = time.time()
templates, medias = fns["read_template_media_list"](os.path.join(meta, "ijbc_face_tid_mid.txt"))
p1, p2, label = fns["read_template_pair_list"](os.path.join(meta, "ijbc_template_pair_label.txt"))
feats = np.load(os.path.join(args.root, "features.npy"))
flip = np.load(os.path.join(args.root, "features_flip.npy"))
t["load"] = time.time() - t0

t0 = time.time()
x = feats + flip  # F1
x = x / np.sqrt(np.sum(x ** 2, -1, keepdims=True))  # N0
del feats, flip
template_norm_feats, unique_templates = fns["image2template_feature"](x, templates, medias)
t["aggregate"] = time.time() - t0

t0 = time.time()
score = fns["verification"](template_norm_feats, unique_templates, p1, p2)
t["score"] = time.time() - t0

t0 = time.time()
fpr, tpr, _ = roc_curve(label, score)
fpr, tpr = np.flipud(fpr), np.flipud(tpr)
row = []
for x_label in [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1]:
    _, i = min(list(zip(abs(fpr - x_label), range(len(fpr)))))
    row.append("%.2f" % (tpr[i] * 100))
t["roc"] = time.time() - t0

print("ijb_11.py (insightface %s) N0D0F1 TAR@FAR 1e-6..1e-1: %s" % ((prov.get("commit") or "?")[:12], " ".join(row)))
for k, v in t.items():
    print("%-10s %6.2f s" % (k, v))
print("%-10s %6.2f s" % ("total", sum(t.values())))
print("peak RSS %.2f GiB" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20))
