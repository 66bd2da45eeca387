#!/usr/bin/env python3
"""Times the published insightface 1:N path on the benchmark's synthetic IJB-C set, for a comparison
measured on the same machine as `npm run bench -- … --protocol 1v1,1n` (which runs this script with
`--reference`). The upstream functions are loaded at run time from an insightface checkout or bare
git dir (nothing of it is committed here), as the parity generator does.

  /usr/bin/python3 bench/reference_ijb1n.py --insightface /path/to/insightface[.git] [--root .bench/ijbc-synthetic]

One aggregation, ijb_11.py N0D0F1 = facebench `plain`: ijb_1n.py `image2template_feature` for the
gallery (G1 + G2) and the probes, `gen_mask`, `evaluation` (closed set: rank-k and its "FAR");
then ijb_evals.py `image2template_feature` + `evaluation_1N` for G1 and G2 and the mean (open set).
"""
import argparse
import contextlib
import io
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "reference"))
from gen_ijb_1n_parity import closed_set, load_insightface_1n, load_insightface_evals  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--insightface", required=True)
ap.add_argument("--rev", default="HEAD")
ap.add_argument("--root", default=".bench/ijbc-synthetic")
args = ap.parse_args()

n1, prov = load_insightface_1n(args.insightface, args.rev)
ev, _ = load_insightface_evals(args.insightface, args.rev)
meta = os.path.join(args.root, "meta")
quiet = contextlib.redirect_stdout(io.StringIO())
t = {}
t0 = time.time()
templates, medias = n1["read_template_media_list"](os.path.join(meta, "ijbc_face_tid_mid.txt"))
g1_t, g1_s = n1["read_template_subject_id_list"](os.path.join(meta, "ijbc_1N_gallery_G1.csv"))
g2_t, g2_s = n1["read_template_subject_id_list"](os.path.join(meta, "ijbc_1N_gallery_G2.csv"))
pr_t, pr_s = n1["read_template_subject_id_list"](os.path.join(meta, "ijbc_1N_probe_mixed.csv"))
feats = np.load(os.path.join(args.root, "features.npy"))
flip = np.load(os.path.join(args.root, "features_flip.npy"))
t["load"] = time.time() - t0

t0 = time.time()
x = feats + flip  # F1
x = x / np.sqrt(np.sum(x ** 2, -1, keepdims=True))  # N0
del feats, flip
with quiet:
    gf, _, gid = n1["image2template_feature"](x, templates, medias, np.concatenate([g1_t, g2_t]), np.concatenate([g1_s, g2_s]))
    pf, _, pid = n1["image2template_feature"](x, templates, medias, pr_t, pr_s)
t["aggregate (ijb_1n.py)"] = time.time() - t0

t0 = time.time()
mask = n1["gen_mask"](pid, gid)
closed = closed_set(n1, pf, gf, mask)
t["closed set (ijb_1n.py evaluation)"] = time.time() - t0

t0 = time.time()
fars = [1e-4, 1e-3, 1e-2, 1e-1]
recalls, hits = [], {1: 0, 5: 0, 10: 0}
with quiet:  # ijb_evals.py's run_model_test_1N aggregates the probes with its own function too
    e_pf, _, e_pid = ev["image2template_feature"](x, templates, medias, pr_t, pr_s)
for g_t, g_s in ((g1_t, g1_s), (g2_t, g2_s)):
    with quiet:
        g_feat, _, g_id = ev["image2template_feature"](x, templates, medias, g_t, g_s)
        top1, top5, top10, _, rec, _ = ev["evaluation_1N"](e_pf, g_feat, e_pid, g_id, fars)
    recalls.append(np.array(rec))
    for k, v in ((1, top1), (5, top5), (10, top10)):
        hits[k] += v
t["open set (ijb_evals.py: aggregate + evaluation_1N)"] = time.time() - t0

print("insightface %s, ijb_11.py N0D0F1 (= plain):" % (prov.get("commit") or "?")[:12])
print("  closed set (ijb_1n.py): top-1/5/10 %s; \"FAR\" 0.01/0.1 %s" % (
    " ".join("%.2f" % (closed["rank"][k] * 100) for k in ("1", "5", "10")),
    " ".join("%.2f" % (f["accepted"] / len(pid) * 100) for f in closed["insightface_far"])))
print("  open set (ijb_evals.py): rank-1/5/10 %s; mean TPIR @ 1e-4 … 1e-1 %s" % (
    " ".join("%.2f" % (hits[k] / len(pid) * 100) for k in (1, 5, 10)),
    " ".join("%.2f" % (v * 100) for v in (recalls[0] + recalls[1]) / 2)))
for k, v in t.items():
    print("  %-48s %7.2f s" % (k, v))
print("  %-48s %7.2f s" % ("total", sum(t.values())))
print("  peak RSS %.2f GiB" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20))
