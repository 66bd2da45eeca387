#!/usr/bin/python3
"""Generate test/data/roc-cases.json: small score vectors with the ROC / TAR@FAR outputs of the
published code.

  * sklearn.metrics.roc_curve (drop_intermediate=True, the default, and False) and auc — called
    directly, sklearn is the published code here;
  * the "nearest" TAR@FAR rule of insightface ijb_11.py / MagFace eval_ijb.py (np.flipud, then
    min(zip(abs(fpr - x), range(len(fpr))))), written out below following the upstream text;
  * bob.measure far_threshold — bob.measure is not installable here; `bob_far_threshold` below is
    OUR RE-STATEMENT of bob's rule from its documented behaviour (bob.measure >= 5, Python port
    marked "Unoptimized version ported from C++"), not bob's code.

Usage: /usr/bin/python3 test/reference/gen_roc_cases.py [--out test/data/roc-cases.json]
"""

import argparse
import json
import math
import platform

import numpy as np
import sklearn
from sklearn.metrics import roc_curve, auc

SEED = 7
TARGETS = [1e-3, 1e-2, 0.05, 0.1, 0.2, 0.5]


def bob_far_threshold(negatives, far_value):
    """Our re-statement of bob.measure.far_threshold (not bob's code).

    Sort the impostor scores in descending order; start from the threshold nextafter(max, +inf)
    (FAR 0 under `score >= threshold`); walk the blocks of equal scores; for a block that ends at
    0-based position p the FAR would become (p + 1) / N: stop when that exceeds far_value, else
    the block's score becomes the threshold. far_value >= 1 - eps returns nextafter(min, -inf).
    bob requires at least 2 impostor scores and 0 <= far_value <= 1.
    """
    neg = np.sort(np.asarray(negatives, dtype=np.float64))
    if not 0.0 <= far_value <= 1.0:
        raise ValueError("far_value must be in [0, 1]")
    if len(neg) < 2:
        raise ValueError("at least 2 negative scores are needed")
    if far_value >= 1 - np.finfo(np.float64).eps:
        return float(np.nextafter(neg[0], -np.inf))
    neg = neg[::-1]
    n = len(neg)
    threshold = np.nextafter(neg[0], np.inf)
    p = 0
    while p < n:
        block = neg[p]
        while p < n - 1 and neg[p + 1] == block:
            p += 1
        if (p + 1) / n > far_value:
            break
        threshold = block
        p += 1
    return float(threshold)


def nearest(fpr, tpr, targets):
    """insightface ijb_11.py Step 5: flip the curve, take min over (|fpr - x|, index)."""
    ffpr = np.flipud(fpr)
    ftpr = np.flipud(tpr)
    out = []
    for x in targets:
        _, min_index = min(list(zip(abs(ffpr - x), range(len(ffpr)))))
        out.append({"far": x, "tar": float(ftpr[min_index]), "fpr": float(ffpr[min_index]),
                    "roc_index": int(len(fpr) - 1 - min_index)})
    return out


def jnum(v):
    v = float(v)
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def roc_json(fpr, tpr, thr):
    return {"fpr": [jnum(v) for v in fpr], "tpr": [jnum(v) for v in tpr],
            "thresholds": [jnum(v) for v in thr]}


def make_cases(rng):
    cases = []

    def add(name, note, labels, scores):
        labels = np.asarray(labels, dtype=np.int64)
        scores = np.asarray(scores, dtype=np.float64)
        assert labels.shape == scores.shape and set(labels.tolist()) <= {0, 1}
        cases.append((name, note, labels, scores))

    add("sklearn_doc_example",
        "sklearn roc_curve docstring: y=[1,1,2,2], pos_label=2, scores=[0.1,0.4,0.35,0.8]",
        [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    add("small_distinct", "10 distinct scores, interleaved labels",
        [1, 0, 1, 1, 0, 0, 1, 0, 0, 0],
        [0.95, 0.9, 0.85, 0.7, 0.65, 0.5, 0.45, 0.3, 0.2, 0.1])
    add("shared_score", "a genuine and an impostor share the score 0.7 (one ROC step, diagonal)",
        [1, 0, 1, 0, 1, 0, 0, 0], [0.9, 0.7, 0.7, 0.5, 0.3, 0.1, 0.05, 0.0])
    add("one_genuine", "1 genuine among 60 impostors",
        [1] + [0] * 60, np.r_[0.62, np.round(rng.normal(0.2, 0.15, 60), 4)])
    lab = (rng.random(200) < 0.3).astype(int)
    add("ties_1_decimal", "200 scores rounded to 1 decimal: few, large tie blocks",
        lab, np.round(np.clip(rng.normal(0.35 + 0.3 * lab, 0.15), -1, 1), 1))
    lab = (rng.random(500) < 0.2).astype(int)
    add("ties_2_decimals", "500 scores rounded to 2 decimals",
        lab, np.round(rng.normal(0.2 + 0.35 * lab, 0.18), 2))
    lab = (rng.random(300) < 0.25).astype(int)
    add("distinct_gaussian", "300 distinct float64 scores",
        lab, rng.normal(0.1 + 0.5 * lab, 0.2))
    add("all_equal", "every score equal: one tie block",
        [1, 0, 0, 1, 0, 0, 0], [0.5] * 7)
    add("perfect_separation", "all genuine above all impostors",
        [1] * 5 + [0] * 15, np.r_[np.linspace(0.9, 0.6, 5), np.linspace(0.5, 0.0, 15)])
    add("inverted", "all genuine below all impostors, negative scores",
        [1] * 4 + [0] * 6, np.r_[-np.linspace(0.6, 0.9, 4), -np.linspace(0.05, 0.5, 6)])
    # 20 impostors, the 2 highest tied: the retained fpr values near 0.05 are 0 and 0.1, which are
    # exactly equally far from 0.05 -> the nearest rule's tie (the later point in flipped order)
    add("nearest_equidistant",
        "20 impostors, top two tied: fpr jumps 0 -> 0.1, |0-0.05| == |0.1-0.05|",
        [1, 1, 0, 0, 1, 1, 0, 0] + [0] * 16,
        [0.99, 0.98, 0.9, 0.9, 0.85, 0.8, 0.7, 0.65] + list(np.round(np.linspace(0.6, 0.0, 16), 3)))
    add("collinear_runs",
        "long single-label runs and tie blocks on one line: many points dropped by drop_intermediate",
        [1] * 6 + [0] * 10 + [1, 0] * 5 + [0] * 10 + [1] * 4,
        np.r_[np.arange(40, 34, -1), np.arange(34, 24, -1), np.repeat(np.arange(24, 19, -1), 2),
              np.arange(19, 9, -1), [9, 9, 8, 8]].astype(np.float64))
    lab = rng.integers(0, 2, 2000)
    add("random_2000", "2000 random labels (p=0.5), scores normal + 0.6*label, 3 decimals",
        lab, np.round(rng.normal(0.0, 0.3, 2000) + 0.6 * lab, 3))
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="test/data/roc-cases.json")
    args = ap.parse_args()
    rng = np.random.default_rng(SEED)
    out = {
        "generator": "test/reference/gen_roc_cases.py",
        "seed": SEED,
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "sklearn": sklearn.__version__},
        "roc_threshold0": ("sklearn %s: thresholds[0] = max score + 1 (sklearn >= 1.3 uses inf; "
                           "written as the string \"inf\" when it is)" % sklearn.__version__),
        "targets": TARGETS,
        "rules": {
            "nearest": "insightface ijb_11.py / MagFace eval_ijb.py: fpr, tpr = np.flipud(roc); "
                       "index = min(zip(abs(fpr - x), range(len(fpr))))[1] on the "
                       "drop_intermediate=True curve; roc_index is that point's index in the "
                       "unflipped roc arrays",
            "bob": "bob.measure far_threshold (our re-statement); tar = mean(pos >= thr), "
                   "far_actual = mean(neg >= thr)",
        },
        "cases": [],
    }
    for name, note, labels, scores in make_cases(rng):
        fpr, tpr, thr = roc_curve(labels, scores)                      # drop_intermediate=True
        fpr_a, tpr_a, thr_a = roc_curve(labels, scores, drop_intermediate=False)
        pos = scores[labels == 1]
        neg = scores[labels == 0]
        bob = []
        for x in TARGETS:
            t = bob_far_threshold(neg, x)
            bob.append({"far": x, "threshold": jnum(t), "tar": float(np.mean(pos >= t)),
                        "far_actual": float(np.mean(neg >= t))})
        out["cases"].append({
            "name": name, "note": note,
            "n_genuine": int(labels.sum()), "n_impostor": int(len(labels) - labels.sum()),
            "labels": labels.tolist(), "scores": [float(v) for v in scores],
            "roc": roc_json(fpr, tpr, thr),
            "roc_all": roc_json(fpr_a, tpr_a, thr_a),
            "auc": float(auc(fpr, tpr)),
            "nearest": nearest(fpr, tpr, TARGETS),
            "bob": bob,
        })
    with open(args.out, "w") as f:
        f.write("{\n")
        keys = [k for k in out if k != "cases"]
        for k in keys:
            f.write(" %s: %s,\n" % (json.dumps(k), json.dumps(out[k], allow_nan=False)))
        f.write(' "cases": [\n')
        for i, c in enumerate(out["cases"]):
            f.write("  {\n")
            items = list(c.items())
            for j, (k, v) in enumerate(items):
                f.write("   %s: %s%s\n" % (json.dumps(k), json.dumps(v, allow_nan=False),
                                           "," if j < len(items) - 1 else ""))
            f.write("  }%s\n" % ("," if i < len(out["cases"]) - 1 else ""))
        f.write(" ]\n}\n")
    for c in out["cases"]:
        print("%-20s n=%4d+%4d roc_pts=%3d/%4d auc=%.6f nearest=%s bob_thr=%s" % (
            c["name"], c["n_genuine"], c["n_impostor"], len(c["roc"]["fpr"]),
            len(c["roc_all"]["fpr"]), c["auc"], [round(r["tar"], 4) for r in c["nearest"]],
            [r["threshold"] for r in c["bob"]]))


if __name__ == "__main__":
    main()
