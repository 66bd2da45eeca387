#!/usr/bin/python3
"""Sanity check of test/data/ijb-parity (needs numpy + sklearn only, no upstream code).

1. every file loads; shapes, dtypes and counts agree with expected.json;
2. the ROC / AUC / nearest TAR@FAR stored in expected.json are what sklearn gives on the stored
   reference scores (bit-exact);
3. an independent re-statement of the aggregation (written from REFERENCE.md §2, plain loops)
   is compared with the reference scores: prints the largest score difference, the share of
   bit-identical scores, and whether the nearest TAR@FAR values come out the same.

Usage: /usr/bin/python3 test/reference/check_ijb_parity.py [test/data/ijb-parity]
"""

import json
import math
import os
import sys

import numpy as np
from sklearn.metrics import roc_curve, auc


def num(v):
    return float(v) if not isinstance(v, str) else float(v)


def nearest(label, scores, targets):
    fpr, tpr, _ = roc_curve(label, scores)
    ffpr, ftpr = np.flipud(fpr), np.flipud(tpr)
    return [float(ftpr[min(zip(abs(ffpr - x), range(len(ffpr))))[1]]) for x in targets]


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "test/data/ijb-parity"
    e = json.load(open(os.path.join(d, "expected.json")))
    c = e["counts"]
    feats = np.load(os.path.join(d, e["files"]["features"]))
    flips = np.load(os.path.join(d, e["files"]["features_flip"]))
    assert feats.dtype == np.dtype("<f4") and flips.dtype == np.dtype("<f4")
    assert feats.shape == (c["faces"], c["D"]) == flips.shape
    assert feats.flags["C_CONTIGUOUS"]
    rows = [l.split(" ") for l in open(os.path.join(d, e["files"]["face_tid_mid"])).read().splitlines()]
    names = [r[0] for r in rows]
    tid = np.array([int(r[1]) for r in rows])
    mid = np.array([int(r[2]) for r in rows])
    lm = [l.split(" ") for l in open(os.path.join(d, e["files"]["name_5pts_score"])).read().splitlines()]
    assert [r[0] for r in lm] == names and all(len(r) == 12 for r in lm)
    det = np.array([r[-1] for r in lm]).astype(np.float32)
    assert det.min() > 0.3 and det.max() < 1.0
    pr = np.array([[int(x) for x in l.split(" ")]
                   for l in open(os.path.join(d, e["files"]["pair_label"])).read().splitlines()])
    p1, p2, label = pr[:, 0], pr[:, 1], pr[:, 2]
    assert len(rows) == c["faces"] and len(np.unique(tid)) == c["templates"]
    assert len(label) == c["pairs"] and label.sum() == c["genuine"]
    assert len(label) - label.sum() == c["impostor"]
    assert not np.all(np.diff(tid) >= 0), "face lines should not be sorted by template id"
    print("files ok:", json.dumps(c))

    # independent aggregation (REFERENCE.md §2), float32 row-by-row accumulation
    groups = {}
    for i, (t, m) in enumerate(zip(tid, mid)):
        groups.setdefault(int(t), {}).setdefault(int(m), []).append(i)

    def agg_insightface(x):
        out = {}
        for t, media in groups.items():
            acc = np.zeros(x.shape[1], np.float32)
            for m in sorted(media):
                idx = media[m]
                s = np.zeros(x.shape[1], np.float32)
                for i in idx:
                    s = s + x[i]
                acc = acc + (s if len(idx) == 1 else s / np.float32(len(idx)))
            a = acc.astype(np.float64)
            out[t] = a / math.sqrt(float(np.dot(a, a)))
        return np.array([float(np.dot(out[a], out[b])) for a, b in zip(p1, p2)])

    def agg_magface(qlt):
        out = {}
        for t, media in groups.items():
            meds = []
            for m in sorted(media):
                s = np.zeros(feats.shape[1], np.float32)
                for i in media[m]:
                    s = s + feats[i]
                meds.append(s / np.float32(len(media[m])))
            meds = np.array(meds, np.float32)
            if qlt != 1:
                meds = meds / np.sqrt(np.sum(meds.astype(np.float64) ** 2, 1)).astype(np.float32)[:, None]
            acc = np.zeros(feats.shape[1], np.float32)
            for r in meds:
                acc = acc + r
            out[t] = acc / np.float32(len(meds))
        a = np.array([out[x] for x in p1], np.float64)
        b = np.array([out[x] for x in p2], np.float64)
        cos = np.sum(a * b, 1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
        cos = np.clip(cos.astype(np.float32), -1, 1)
        dist = (np.arccos(cos.astype(np.float64)).astype(np.float32) / np.float32(math.pi))
        return (np.float32(1) - dist.astype(np.float32)).astype(np.float64)

    targets = e["far_targets"]
    ok = True
    for mode, m in e["modes"].items():
        sc = np.load(os.path.join(d, m["scores_npy"]))
        assert sc.dtype == np.dtype("<f8") and sc.shape == (c["pairs"],)
        fpr, tpr, thr = roc_curve(label, sc)
        same = (fpr.tolist() == [num(v) for v in m["roc"]["fpr"]]
                and tpr.tolist() == [num(v) for v in m["roc"]["tpr"]]
                and thr.tolist() == [num(v) for v in m["roc"]["thresholds"]]
                and float(auc(fpr, tpr)) == m["auc"]
                and nearest(label, sc, targets) == [r["tar"] for r in m["nearest"]])
        ok &= same
        if mode.startswith("insightface:"):
            f = m["flags"]
            x = feats + flips if f["flip_add"] else feats
            if not f["keep_norm"]:
                x = x / np.sqrt(np.sum(x ** 2, -1, keepdims=True))
            if f["detector_score"]:
                x = x * det[:, np.newaxis]
            mine = agg_insightface(x)
        else:
            mine = agg_magface(m["flags"]["magface_qlt"])
        tars_ref = [r["tar"] for r in m["nearest"]]
        tars_mine = nearest(label, mine, targets)
        f2, t2, _ = roc_curve(label, mine)
        roc_same = f2.tolist() == fpr.tolist() and t2.tolist() == tpr.tolist()
        print("%-20s stored-ROC-reproduced=%s  independent: max|diff|=%.3g bit-identical=%.1f%% "
              "nearest-TAR-same=%s fpr/tpr-same=%s" % (mode, same, np.abs(mine - sc).max(),
                                       100 * np.mean(mine == sc), tars_mine == tars_ref, roc_same))
    if not ok:
        raise SystemExit("expected.json does not match sklearn on the stored scores")


if __name__ == "__main__":
    main()
