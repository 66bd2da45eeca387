#!/usr/bin/python3
"""Generate the IJB-style parity data set and the reference numbers for it.

The reference numbers come from the *published* evaluation code, which is NOT part of this
repository. It is read at run time from the upstream repositories named on the command line:

  --insightface  deepinsight/insightface   (file recognition/_evaluation_/ijb/ijb_11.py)
  --magface      IrvingMeng/MagFace        (file eval/eval_recognition/eval_ijb.py)

Each may be a bare git directory / clone (the file is read with `git show <rev>:<path>`) or a plain
checkout. Only the named top-level `def` nodes are taken from the upstream source (via `ast`) and
executed in a private namespace holding numpy / pandas / sklearn / torch; the rest of the upstream
scripts (argument parsing, model loading, plotting) is never run.

What this file implements itself (small, following the upstream text of ijb_11.py's script body):
  * the face feature preprocessing (flip add, optional L2 normalisation, detector-score weighting)
  * the TAR@FAR "nearest" selection (np.flipud + min(zip(abs(fpr - x), range(len(fpr)))))
The ROC itself is sklearn.metrics.roc_curve + auc.

Usage (see test/reference/README.md):
  /usr/bin/python3 test/reference/gen_ijb_parity.py \
      --insightface /path/to/insightface --magface /path/to/MagFace \
      --out test/data/ijb-parity
"""

import argparse
import ast
import contextlib
import hashlib
import io
import json
import math
import os
import platform
import subprocess
import sys

import numpy as np
import pandas as pd
import sklearn
import sklearn.preprocessing
from sklearn.metrics import roc_curve, auc

SEED = 3
D = 64
N_SUBJECTS = 60
FAR_TARGETS = [10**-6, 10**-5, 10**-4, 10**-3, 10**-2, 10**-1]  # as written in ijb_11.py

INSIGHTFACE_FILE = "recognition/_evaluation_/ijb/ijb_11.py"
MAGFACE_FILE = "eval/eval_recognition/eval_ijb.py"

# 5-point template of arcface (112x112), only used to make plausible landmark pixels
LMK_TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                         [41.5493, 92.3655], [70.729904, 92.2041]])


# --------------------------------------------------------------------------------------------
# Loading the published functions at run time
# --------------------------------------------------------------------------------------------

def read_upstream(repo, relpath, rev):
    """Return (source text, provenance dict) of relpath in repo (bare git dir or checkout)."""
    plain = os.path.join(repo, relpath)
    commit = None
    try:
        commit = subprocess.run(["git", "-C", repo, "rev-parse", rev], check=True,
                                capture_output=True, text=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        commit = None
    if commit is not None:
        src = subprocess.run(["git", "-C", repo, "show", "%s:%s" % (commit, relpath)],
                             check=True, capture_output=True, text=True).stdout
    elif os.path.isfile(plain):
        with open(plain, "r") as f:
            src = f.read()
    else:
        raise SystemExit("cannot read %s from %s" % (relpath, repo))
    prov = {"file": relpath, "commit": commit,
            "sha256": hashlib.sha256(src.encode("utf-8")).hexdigest()}
    return src, prov


def exec_upstream_defs(src, names, namespace, label):
    """Execute only the top-level function definitions `names` of `src` inside `namespace`."""
    tree = ast.parse(src)
    keep = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in names]
    found = [n.name for n in keep]
    missing = [n for n in names if n not in found]
    if missing:
        raise SystemExit("%s: functions not found upstream: %s" % (label, missing))
    if len(found) != len(set(found)):
        raise SystemExit("%s: duplicate definitions of %s" % (label, found))
    mod = ast.Module(body=keep, type_ignores=[])
    exec(compile(mod, "<upstream %s>" % label, "exec"), namespace)
    return {n: namespace[n] for n in names}


def load_insightface(repo, rev):
    src, prov = read_upstream(repo, INSIGHTFACE_FILE, rev)
    # ijb_11.py still uses np.int (removed in numpy 1.24); it only means the builtin int.
    if not hasattr(np, "int") or "int" not in np.__dict__:
        np.int = int
    ns = {"np": np, "pd": pd, "sklearn": sklearn, "preprocessing": sklearn.preprocessing,
          "roc_curve": roc_curve, "auc": auc, "os": os, "__name__": "ijb_11_upstream"}
    fns = exec_upstream_defs(src, ["read_template_media_list", "read_template_pair_list",
                                   "image2template_feature", "verification"], ns, "ijb_11.py")
    return fns, prov


def load_magface(repo, rev):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    src, prov = read_upstream(repo, MAGFACE_FILE, rev)
    ns = {"np": np, "math": math, "torch": torch, "nn": nn, "F": F,
          "roc_curve": roc_curve, "auc": auc, "__name__": "eval_ijb_upstream"}
    fns = exec_upstream_defs(src, ["read_template_media_list", "read_template_pair_list",
                                   "image2template_feature", "distance_", "verification"],
                             ns, "eval_ijb.py")
    return fns, prov


# --------------------------------------------------------------------------------------------
# Synthetic IJB-style data set
# --------------------------------------------------------------------------------------------

def unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


class Builder:
    def __init__(self, rng):
        self.rng = rng
        # orthonormal subject directions: impostor similarity then comes from the noise only
        q, _ = np.linalg.qr(rng.standard_normal((D, D)))
        self.subj_dir = np.ascontiguousarray(q[:, :N_SUBJECTS].T)
        self.faces = []        # dicts: tkey, media, feat, flip, det, lmk
        self.templates = []    # dicts: key, subject, role ('gallery'|'probe'), kind
        self.media_pool = {}   # subject -> list of (media_id, [face dicts]) already used
        self.used_media = set()

    def new_media_id(self):
        while True:
            m = int(self.rng.integers(1, 130000))
            if m not in self.used_media:
                self.used_media.add(m)
                return m

    def make_face(self, s, t_off, m_off, qm):
        rng = self.rng
        q = float(np.clip(qm + rng.normal(0, 0.15), 0.02, 0.99))
        sigma = 0.30 + 3.0 * (1.0 - q) ** 2
        n1 = unit(rng.standard_normal(D))
        direction = self.subj_dir[s] + t_off + m_off + sigma * n1
        mag = max(3.0, 5.0 + 30.0 * q + rng.normal(0, 1.5))
        feat = mag * unit(direction)
        clean = direction - sigma * n1
        # the flipped image: same clean direction, noise correlated 0.6 with the original's
        fdir = clean + sigma * (0.6 * n1 + 0.8 * unit(rng.standard_normal(D)))
        flip = mag * (1.0 + rng.normal(0, 0.04)) * unit(fdir)
        det = 0.3 + 0.7 / (1.0 + math.exp(-(4.0 * (q - 0.35) + rng.normal(0, 0.8))))
        det = min(max(round(det, 6), 0.300001), 0.999999)
        size = rng.uniform(60, 220)
        cx, cy = rng.uniform(size * 0.6, size * 0.9, 2)
        lmk = (LMK_TEMPLATE - 56.0) * (size / 112.0) + np.array([cx, cy]) \
            + rng.normal(0, size * 0.02, (5, 2))
        return {"feat": feat, "flip": flip, "det": det, "lmk": lmk}

    def add_template(self, s, role, kind):
        rng = self.rng
        key = len(self.templates)
        self.templates.append({"key": key, "subject": s, "role": role, "kind": kind})
        t_off = 0.55 * unit(rng.standard_normal(D)) * rng.uniform(0.5, 1.3)
        if kind == "single":
            plan = [1]
        else:
            n_media = int(min(6, 1 + rng.poisson(1.6 if role == "gallery" else 1.1)))
            plan = [int(rng.integers(2, 7)) if rng.random() < 0.25 else 1 for _ in range(n_media)]
        for nf in plan:
            # media shared between probe templates only: a probe that equals a gallery template
            # gives cos = 1, where MagFace's float32 acos turns 1-ulp differences into ~1e-4
            pool = self.media_pool.setdefault(s, []) if role == "probe" else []
            if pool and rng.random() < 0.08:
                # the same media seen again in another template of this subject: exact duplicate faces
                mid, src_faces = pool[int(rng.integers(0, len(pool)))]
                for f in src_faces:
                    self.faces.append(dict(f, tkey=key, media=mid))
                continue
            mid = self.new_media_id()
            m_off = 0.35 * unit(rng.standard_normal(D)) * rng.uniform(0.3, 1.2)
            qm = float(rng.beta(1.6, 1.2))
            new = []
            for _ in range(nf):
                f = self.make_face(s, t_off, m_off, qm)
                new.append(f)
                self.faces.append(dict(f, tkey=key, media=mid))
            pool.append((mid, new))
        return key

    def copy_template(self, src_key, subject, role, kind):
        key = len(self.templates)
        self.templates.append({"key": key, "subject": subject, "role": role, "kind": kind,
                               "copy_of": src_key})
        for f in [f for f in self.faces if f["tkey"] == src_key]:
            self.faces.append(dict(f, tkey=key))
        return key


def build_dataset(seed):
    rng = np.random.default_rng(seed)
    b = Builder(rng)
    for s in range(N_SUBJECTS):
        n_gal = 2 if rng.random() < 0.5 else 1
        for _ in range(n_gal):
            b.add_template(s, "gallery", "normal")
        for _ in range(int(rng.integers(2, 7))):
            b.add_template(s, "probe", "single" if rng.random() < 0.15 else "normal")
    gallery = [t["key"] for t in b.templates if t["role"] == "gallery"]
    probes = [t["key"] for t in b.templates if t["role"] == "probe"]
    # exact duplicate templates
    multi_probe = [k for k in probes if b.templates[k]["kind"] == "normal"]
    dups = rng.choice(multi_probe, 5, replace=False)
    for k in dups[:3]:   # same subject: exact ties within one label
        b.copy_template(int(k), b.templates[k]["subject"], "probe", "duplicate")
    for k in dups[3:]:   # filed under another subject: a genuine and an impostor pair tie exactly
        s = b.templates[k]["subject"]
        other = int((s + 1 + rng.integers(0, N_SUBJECTS - 1)) % N_SUBJECTS)
        b.copy_template(int(k), other, "probe", "mislabelled_duplicate")
    # one gallery template duplicated (a subject with a single gallery template gets a second,
    # identical one): every probe scores exactly the same against both
    g1 = [k for k in gallery if sum(1 for g in gallery if b.templates[g]["subject"]
                                    == b.templates[k]["subject"]) == 1]
    gsrc = int(rng.choice(g1))
    b.copy_template(gsrc, b.templates[gsrc]["subject"], "gallery", "duplicate")

    # template ids: sparse, ascending in creation order, up to ~200000
    n_t = len(b.templates)
    ids = np.sort(rng.choice(np.arange(1, 200001), n_t, replace=False))
    for t, tid in zip(b.templates, ids):
        t["tid"] = int(tid)

    # face order in the file: globally shuffled (templates interleaved, not sorted by id) ...
    order = rng.permutation(len(b.faces))
    faces = [b.faces[i] for i in order]
    # ... but a duplicate template keeps the relative face order of its source, so that it
    # aggregates bit-identically (otherwise float32 sums in another order differ in the last bit)
    for t in b.templates:
        if "copy_of" not in t:
            continue
        src_faces = [f for f in faces if f["tkey"] == t["copy_of"]]
        pos = [i for i, f in enumerate(faces) if f["tkey"] == t["key"]]
        for p, f in zip(pos, src_faces):
            faces[p] = dict(f, tkey=t["key"])

    # pairs: gallery (t1) x probe (t2); all mates + a random ~68% of the non-mates
    gallery = [t for t in b.templates if t["role"] == "gallery"]
    probes = [t for t in b.templates if t["role"] == "probe"]
    pairs = []
    for p in probes:
        for g in gallery:
            mate = g["subject"] == p["subject"]
            if mate or rng.random() < 0.68:
                pairs.append((g["tid"], p["tid"], 1 if mate else 0))
    perm = rng.permutation(len(pairs))
    pairs = [pairs[i] for i in perm]
    return b.templates, faces, pairs


def write_dataset(out, templates, faces, pairs):
    meta = os.path.join(out, "meta")
    os.makedirs(meta, exist_ok=True)
    tid = {t["key"]: t["tid"] for t in templates}
    with open(os.path.join(meta, "ijbc_face_tid_mid.txt"), "w") as f:
        for i, fc in enumerate(faces):
            f.write("%d.jpg %d %d\n" % (i + 1, tid[fc["tkey"]], fc["media"]))
    with open(os.path.join(meta, "ijbc_name_5pts_score.txt"), "w") as f:
        for i, fc in enumerate(faces):
            lm = " ".join("%.3f" % v for v in fc["lmk"].reshape(-1))
            f.write("%d.jpg %s %.6f\n" % (i + 1, lm, fc["det"]))
    with open(os.path.join(meta, "ijbc_template_pair_label.txt"), "w") as f:
        for t1, t2, lab in pairs:
            f.write("%d %d %d\n" % (t1, t2, lab))
    feats = np.ascontiguousarray(np.array([fc["feat"] for fc in faces]), dtype="<f4")
    flips = np.ascontiguousarray(np.array([fc["flip"] for fc in faces]), dtype="<f4")
    np.save(os.path.join(out, "features.npy"), feats)
    np.save(os.path.join(out, "features_flip.npy"), flips)


# --------------------------------------------------------------------------------------------
# Evaluation with the published functions
# --------------------------------------------------------------------------------------------

def read_faceness(path):
    # as ijb_11.py get_image_feature: last token of each line, strings -> np.float32
    with open(path) as f:
        toks = [line.strip().split(' ')[-1] for line in f.readlines()]
    return np.array(toks).astype(np.float32)


def insightface_input(feats, flips, faceness, N, Dflag, Fflag):
    """ijb_11.py script body (Step 3), flags named as in ijb_11.py (N1 = keep the norm)."""
    if Fflag:
        img_input_feats = feats + flips            # "add --- F2" branch: float32 sum
    else:
        img_input_feats = feats
    if N:
        img_input_feats = img_input_feats
    else:
        img_input_feats = img_input_feats / np.sqrt(
            np.sum(img_input_feats**2, -1, keepdims=True))
    if Dflag:
        img_input_feats = img_input_feats * faceness[:, np.newaxis]
    return img_input_feats


def nearest_rule(label, scores):
    """ijb_11.py Step 5 / MagFace perform_verification: ROC + nearest TAR@FAR selection."""
    fpr, tpr, thr = roc_curve(label, scores)
    roc_auc = auc(fpr, tpr)
    ffpr = np.flipud(fpr)
    ftpr = np.flipud(tpr)
    rows = []
    for x in FAR_TARGETS:
        _, min_index = min(list(zip(abs(ffpr - x), range(len(ffpr)))))
        rows.append({"far": x, "tar": float(ftpr[min_index]), "fpr": float(ffpr[min_index]),
                     "roc_index": int(len(fpr) - 1 - min_index),
                     "tar_pct": "%.2f" % (ftpr[min_index] * 100)})
    return (fpr, tpr, thr), float(roc_auc), rows


def jnum(v):
    v = float(v)
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def tie_stats(label, scores):
    u, inv, cnt = np.unique(scores, return_inverse=True, return_counts=True)
    tied = np.nonzero(cnt > 1)[0]
    pos = np.bincount(inv, weights=label, minlength=len(u))
    mixed = int(np.sum((cnt > 1) & (pos > 0) & (pos < cnt)))
    return {"distinct_scores": int(len(u)), "tied_groups": int(len(tied)),
            "tied_pairs": int(cnt[tied].sum()), "mixed_label_groups": mixed}


def dump_json(obj, f, indent=0):
    """JSON with nested objects indented and lists of scalars kept on one line."""
    pad = " " * indent
    if isinstance(obj, dict):
        f.write("{\n")
        items = list(obj.items())
        for i, (k, v) in enumerate(items):
            f.write("%s %s: " % (pad, json.dumps(k)))
            dump_json(v, f, indent + 1)
            f.write(",\n" if i < len(items) - 1 else "\n")
        f.write(pad + "}")
    elif isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        f.write("[\n")
        for i, v in enumerate(obj):
            f.write(pad + " ")
            dump_json(v, f, indent + 1)
            f.write(",\n" if i < len(obj) - 1 else "\n")
        f.write(pad + "]")
    else:
        f.write(json.dumps(obj, allow_nan=False))


def file_safe(mode):
    return mode.replace(":", "_").replace("+", "_plus")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--insightface", required=True, help="deepinsight/insightface repo (git dir or checkout)")
    ap.add_argument("--insightface-rev", default="HEAD")
    ap.add_argument("--magface", help="IrvingMeng/MagFace repo (git dir or checkout); omit to skip")
    ap.add_argument("--magface-rev", default="HEAD")
    ap.add_argument("--out", default="test/data/ijb-parity")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()

    if_fns, if_prov = load_insightface(args.insightface, args.insightface_rev)
    mf_fns, mf_prov = (None, None)
    if args.magface:
        mf_fns, mf_prov = load_magface(args.magface, args.magface_rev)

    templates, faces, pairs = build_dataset(args.seed)
    out = args.out
    write_dataset(out, templates, faces, pairs)
    meta = os.path.join(out, "meta")

    # ---- read everything back the way the published scripts do
    t_if, m_if = if_fns["read_template_media_list"](os.path.join(meta, "ijbc_face_tid_mid.txt"))
    p1, p2, label = if_fns["read_template_pair_list"](os.path.join(meta, "ijbc_template_pair_label.txt"))
    faceness = read_faceness(os.path.join(meta, "ijbc_name_5pts_score.txt"))
    feats = np.load(os.path.join(out, "features.npy"))
    flips = np.load(os.path.join(out, "features_flip.npy"))
    assert feats.dtype == np.float32 and flips.dtype == np.float32 and feats.shape[1] == D

    modes = {}
    quiet = contextlib.redirect_stdout(io.StringIO())
    for name, N, Dflag, Fflag in [("N1D1F1", 1, 1, 1), ("N0D1F1", 0, 1, 1), ("N1D0F1", 1, 0, 1),
                                  ("N0D0F1", 0, 0, 1), ("N1D1F0", 1, 1, 0), ("N0D0F0", 0, 0, 0)]:
        x = insightface_input(feats, flips, faceness, N, Dflag, Fflag)
        assert x.dtype == np.float32
        with quiet:
            tnf, ut = if_fns["image2template_feature"](x, t_if, m_if)
            score = if_fns["verification"](tnf, ut, p1, p2)
        modes["insightface:" + name] = {
            "source": "insightface ijb_11.py",
            "flags": {"keep_norm": bool(N), "detector_score": bool(Dflag), "flip_add": bool(Fflag)},
            "scores": np.asarray(score, dtype=np.float64)}

    torch_info = None
    if mf_fns is not None:
        import torch
        import warnings
        torch.set_num_threads(1)
        # eval_ijb.py builds a tensor from a list of ndarrays; torch warns that this is slow
        warnings.filterwarnings("ignore", message="Creating a tensor from a list of numpy")
        t_mf, m_mf = mf_fns["read_template_media_list"](os.path.join(meta, "ijbc_face_tid_mid.txt"))
        q1, q2, lab_mf = mf_fns["read_template_pair_list"](
            os.path.join(meta, "ijbc_template_pair_label.txt"))
        assert (t_mf == t_if).all() and (m_mf == m_if).all()
        assert (q1 == p1).all() and (q2 == p2).all() and (lab_mf == label).all()
        for name, qlt in [("magface", 0), ("magface+", 1)]:
            with quiet:
                tf, ut = mf_fns["image2template_feature"](feats, t_mf, m_mf, qlt)
                score = mf_fns["verification"](tf, ut, q1, q2)
            modes[name] = {"source": "MagFace eval_ijb.py",
                           "flags": {"magface_qlt": qlt, "flip_add": False},
                           "scores": np.asarray(score, dtype=np.float64)}
        torch_info = torch.__version__

    label = np.asarray(label, dtype=np.int64)
    expected = {
        "generator": "test/reference/gen_ijb_parity.py",
        "seed": args.seed,
        "upstream": {"insightface": dict(if_prov, repo="deepinsight/insightface")},
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "sklearn": sklearn.__version__, "pandas": pd.__version__,
                     "torch": torch_info},
        "flag_convention": "ijb_11.py: N1 = keep the raw norm, N0 = L2-normalise each face; "
                           "D1 = multiply by float32 detector score; F1 = feats + flip feats",
        "roc_threshold0": ("sklearn %s: thresholds[0] = max score + 1 (sklearn >= 1.3 uses inf; "
                           "written as the string \"inf\" when it is)" % sklearn.__version__),
        "files": {"face_tid_mid": "meta/ijbc_face_tid_mid.txt",
                  "pair_label": "meta/ijbc_template_pair_label.txt",
                  "name_5pts_score": "meta/ijbc_name_5pts_score.txt",
                  "features": "features.npy", "features_flip": "features_flip.npy"},
        "counts": {"faces": int(len(faces)), "templates": int(len(np.unique(t_if))),
                   "gallery_templates": int(len(np.unique(p1))),
                   "probe_templates": int(len(np.unique(p2))),
                   "template_media": int(len(set(zip(t_if.tolist(), m_if.tolist())))),
                   "media_ids": int(len(np.unique(m_if))),
                   "single_face_templates": int(np.sum(np.bincount(np.unique(t_if, return_inverse=True)[1]) == 1)),
                   "multi_face_media": int(np.sum(np.unique(np.stack([t_if, m_if], 1), axis=0, return_counts=True)[1] > 1)),
                   "max_faces_per_media": int(np.unique(np.stack([t_if, m_if], 1), axis=0, return_counts=True)[1].max()),
                   "pairs": int(len(label)), "genuine": int(label.sum()),
                   "impostor": int(len(label) - label.sum()), "D": D},
        "far_targets": FAR_TARGETS,
        "modes": {},
    }
    if mf_prov is not None:
        expected["upstream"]["magface"] = dict(mf_prov, repo="IrvingMeng/MagFace")

    for mode, m in modes.items():
        sc = m["scores"]
        fname = file_safe(mode) + ".scores.npy"
        np.save(os.path.join(out, fname), np.ascontiguousarray(sc, dtype="<f8"))
        (fpr, tpr, thr), roc_auc, rows = nearest_rule(label, sc)
        expected["modes"][mode] = {
            "source": m["source"], "flags": m["flags"], "scores_npy": fname,
            "auc": roc_auc, "nearest": rows, "ties": tie_stats(label, sc),
            "roc": {"fpr": [jnum(v) for v in fpr], "tpr": [jnum(v) for v in tpr],
                    "thresholds": [jnum(v) for v in thr]}}

    with open(os.path.join(out, "expected.json"), "w") as f:
        dump_json(expected, f)
        f.write("\n")

    for mode, e in expected["modes"].items():
        print("%-22s auc=%.6f  %s  ties=%s" % (mode, e["auc"],
              " ".join(r["tar_pct"] for r in e["nearest"]), e["ties"]), file=sys.stderr)
    print(json.dumps(expected["counts"]), file=sys.stderr)


if __name__ == "__main__":
    main()
