#!/usr/bin/python3
"""Generate the IJB 1:N parity data set and the reference numbers for it.

The reference numbers come from the *published* 1:N evaluation code, read at run time from the
insightface repository named on the command line (never committed here):

  recognition/_evaluation_/ijb/ijb_1n.py     read_template_subject_id_list, read_template_media_list,
                                             image2template_feature, gen_mask, evaluation
  recognition/_evaluation_/ijb/ijb_evals.py  read_IJB_meta_columns_to_int, image2template_feature,
                                             evaluation_1N

and for the MagFace aggregations MagFace `eval/eval_recognition/eval_ijb.py`
(image2template_feature, distance_, verification), whose scores are fed to the two evaluations
unchanged (query features = the identity matrix, gallery features = the transposed score matrix, so
that their `np.dot` returns the scores exactly). Only the named top-level `def`s are taken (via
`ast`, see gen_ijb_parity.py) and run unchanged; this file restates only the scripts' bodies: the
face preprocessing (flip add, normalisation, detector score), ijb_1n.py's gallery = G1 + G2
concatenated, ijb_evals.py's `run_model_test_1N` G1/G2 mean and its FPIR grid.

ijb_1n.py's `evaluation` prints its numbers instead of returning them: they are read back from its
output (`top1 = 0.85` as Python prints the float; `pr = …` with 10 decimals, turned back into the
count of probes; `th = …` with 10 decimals).

The data set has exact score ties where both scripts treat them the same way: duplicated gallery
templates of subjects without probes (two non-mates tie for every probe), duplicated probe templates
(non-mated top scores tie, at the threshold too), and probe templates copied under a subject of the
other gallery (a non-mated top score equals a mated score). A tie between a mate and a non-mate at a
rank boundary is avoided (the scripts' order of tied scores is numpy's unstable argsort order, and
the two scripts reverse each other there): the generator checks that none occurs.

Usage (see test/reference/README.md):
  /usr/bin/python3 test/reference/gen_ijb_1n_parity.py --insightface /path/to/insightface \\
      --magface /path/to/MagFace --out test/data/ijb-1n-parity
"""

import argparse
import contextlib
import heapq
import io
import math
import os
import platform
import re
import sys

import numpy as np
import pandas as pd
import sklearn
from sklearn.preprocessing import normalize

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_ijb_parity import (dump_json, exec_upstream_defs, insightface_input, load_magface,  # noqa: E402
                            read_faceness, read_upstream, unit, LMK_TEMPLATE)

SEED = 11
D = 32
# 30 subjects + 2 distractors per gallery, 192 probe templates: multiples of 16, so that no template
# lands in a remainder block of the BLAS matrix product (np.dot), which may round an identical row
# differently (seen: the last row of 189 one ulp off its copy) and so break a designed exact tie
G1_SUBJECTS = 30
G2_SUBJECTS = 30
PROBES = 192
SAME_SUBJECT_COPIES = 4
OTHER_GALLERY_COPIES = 3  # per gallery
DISTRACTORS = 2  # per gallery: gallery-only subjects, the second one's template an exact copy of the first's
RANKS = [1, 5, 10]
CLOSED_SET_FARS = [0.01, 0.1]  # ijb_1n.py's Fars
TARGET_FPIRS = [1e-4, 1e-3, 1e-2, 2e-2, 5e-2, 1e-1, 2e-1]

IJB_1N_FILE = "recognition/_evaluation_/ijb/ijb_1n.py"
IJB_EVALS_FILE = "recognition/_evaluation_/ijb/ijb_evals.py"


def load_insightface_1n(repo, rev):
    if "int" not in np.__dict__:
        np.int = int  # ijb_1n.py uses np.int (removed in numpy 1.24): the builtin int
    src, prov = read_upstream(repo, IJB_1N_FILE, rev)
    ns = {"np": np, "heapq": heapq, "math": math, "__name__": "ijb_1n_upstream"}
    fns = exec_upstream_defs(src, ["read_template_subject_id_list", "read_template_media_list",
                                   "image2template_feature", "gen_mask", "evaluation"], ns, "ijb_1n.py")
    return fns, prov


def load_insightface_evals(repo, rev):
    src, prov = read_upstream(repo, IJB_EVALS_FILE, rev)
    # tqdm only draws progress bars there; a pass-through keeps the functions unchanged
    ns = {"np": np, "pd": pd, "normalize": normalize, "tqdm": lambda it, *a, **k: it,
          "__name__": "ijb_evals_upstream"}
    fns = exec_upstream_defs(src, ["read_IJB_meta_columns_to_int", "image2template_feature",
                                   "evaluation_1N"], ns, "ijb_evals.py")
    return fns, prov


# --------------------------------------------------------------------------------------------
# Synthetic data set
# --------------------------------------------------------------------------------------------

def build_dataset(seed):
    rng = np.random.default_rng(seed)
    n_subj = G1_SUBJECTS + G2_SUBJECTS + 2 * DISTRACTORS
    q, _ = np.linalg.qr(rng.standard_normal((D, D)))
    # subject directions share a common component: non-mate scores are high enough to compete
    common = unit(rng.standard_normal(D))
    subj_dir = np.array([unit(0.55 * common + 0.8 * unit(rng.standard_normal(D))) for _ in range(n_subj)])
    faces, templates = [], []
    used_media = set()

    def media_id():
        while True:
            m = int(rng.integers(1, 90000))
            if m not in used_media:
                used_media.add(m)
                return m

    def add_template(s, role, noise_scale):
        key = len(templates)
        templates.append({"key": key, "subject": s, "role": role})
        t_off = 0.5 * unit(rng.standard_normal(D)) * rng.uniform(0.4, 1.2) * noise_scale
        for _ in range(int(1 + rng.poisson(1.3))):
            mid = media_id()
            m_off = 0.3 * unit(rng.standard_normal(D)) * rng.uniform(0.3, 1.2) * noise_scale
            for _ in range(int(rng.integers(2, 5)) if rng.random() < 0.3 else 1):
                q = float(rng.beta(1.6, 1.2))
                sigma = (0.25 + 2.0 * (1.0 - q) ** 2) * noise_scale
                n1 = unit(rng.standard_normal(D))
                direction = subj_dir[s] + t_off + m_off + sigma * n1
                mag = max(3.0, 5.0 + 30.0 * q + rng.normal(0, 1.5))
                clean = direction - sigma * n1
                fdir = clean + sigma * (0.6 * n1 + 0.8 * unit(rng.standard_normal(D)))
                det = min(max(round(0.3 + 0.7 / (1.0 + math.exp(-(4.0 * (q - 0.35)))), 6), 0.300001), 0.999999)
                size = rng.uniform(60, 220)
                lmk = (LMK_TEMPLATE - 56.0) * (size / 112.0) + size * 0.7 + rng.normal(0, size * 0.02, (5, 2))
                faces.append({"tkey": key, "media": mid, "feat": mag * unit(direction),
                              "flip": mag * (1.0 + rng.normal(0, 0.04)) * unit(fdir), "det": det, "lmk": lmk})
        return key

    def copy_template(src, subject, role):
        key = len(templates)
        templates.append({"key": key, "subject": subject, "role": role, "copy_of": src})
        faces.extend(dict(f, tkey=key) for f in [f for f in faces if f["tkey"] == src])
        return key

    g1 = list(range(G1_SUBJECTS))
    g2 = list(range(G1_SUBJECTS, G1_SUBJECTS + G2_SUBJECTS))
    distract = list(range(G1_SUBJECTS + G2_SUBJECTS, n_subj))
    for s in g1 + g2:
        add_template(s, "G1" if s in g1 else "G2", 1.0)
    base_probes = PROBES - SAME_SUBJECT_COPIES - 2 * OTHER_GALLERY_COPIES
    for i in range(base_probes):
        # every subject gets probes; a few very noisy ones: their mate falls outside the top 10
        s = (g1 + g2)[i] if i < len(g1 + g2) else int(rng.choice(g1 + g2))
        add_template(s, "probe", 3.0 if rng.random() < 0.12 else 1.0)
    # distractors: subject a's gallery template and an exact copy filed under subject b (both without probes)
    for gallery, (a, b) in (("G1", distract[0:2]), ("G2", distract[2:4])):
        src = add_template(a, gallery, 1.0)
        copy_template(src, b, gallery)
    probes = [t["key"] for t in templates if t["role"] == "probe"]
    for k in rng.choice(probes, SAME_SUBJECT_COPIES, replace=False):  # same subject: non-mated top scores tie
        copy_template(int(k), templates[k]["subject"], "probe")
    for home, other in ((g1, g2), (g2, g1)):  # filed under a subject of the other gallery
        for k in rng.choice([k for k in probes if templates[k]["subject"] in home], OTHER_GALLERY_COPIES, replace=False):
            copy_template(int(k), int(rng.choice(other)), "probe")

    # ids in random order: the copies are not the last rows
    ids = rng.choice(np.arange(1, 120001), len(templates), replace=False)
    for t, tid in zip(templates, ids):
        t["tid"] = int(tid)
    subject_ids = np.sort(rng.choice(np.arange(100, 9000), n_subj, replace=False))
    for t in templates:
        t["sid"] = int(subject_ids[t["subject"]])
    order = rng.permutation(len(faces))
    faces = [faces[i] for i in order]
    # a copy keeps its source's relative face order, so that it aggregates bit-identically
    for t in templates:
        if "copy_of" in t:
            src_faces = [f for f in faces if f["tkey"] == t["copy_of"]]
            pos = [i for i, f in enumerate(faces) if f["tkey"] == t["key"]]
            for p, f in zip(pos, src_faces):
                faces[p] = dict(f, tkey=t["key"])
    return templates, faces


def write_dataset(out, templates, faces):
    meta = os.path.join(out, "meta")
    os.makedirs(meta, exist_ok=True)
    by_key = {t["key"]: t for t in templates}
    with open(os.path.join(meta, "ijbc_face_tid_mid.txt"), "w") as f:
        for i, fc in enumerate(faces):
            f.write("%d.jpg %d %d\n" % (i + 1, by_key[fc["tkey"]]["tid"], fc["media"]))
    with open(os.path.join(meta, "ijbc_name_5pts_score.txt"), "w") as f:
        for i, fc in enumerate(faces):
            f.write("%d.jpg %s %.6f\n" % (i + 1, " ".join("%.3f" % v for v in fc["lmk"].reshape(-1)), fc["det"]))
    for role, name in (("G1", "ijbc_1N_gallery_G1.csv"), ("G2", "ijbc_1N_gallery_G2.csv"), ("probe", "ijbc_1N_probe_mixed.csv")):
        with open(os.path.join(meta, name), "w") as f:
            f.write("TEMPLATE_ID,SUBJECT_ID,FILENAME\n")
            for i, fc in enumerate(faces):
                t = by_key[fc["tkey"]]
                if t["role"] == role:
                    f.write("%d,%d,img/%d.jpg\n" % (t["tid"], t["sid"], i + 1))
    gallery = [t for t in templates if t["role"] != "probe"]
    probes = [t for t in templates if t["role"] == "probe"]
    with open(os.path.join(meta, "ijbc_template_pair_label.txt"), "w") as f:
        for p in probes:
            for g in gallery:
                f.write("%d %d %d\n" % (g["tid"], p["tid"], int(g["subject"] == p["subject"])))
    np.save(os.path.join(out, "features.npy"), np.ascontiguousarray([fc["feat"] for fc in faces], dtype="<f4"))
    np.save(os.path.join(out, "features_flip.npy"), np.ascontiguousarray([fc["flip"] for fc in faces], dtype="<f4"))


# --------------------------------------------------------------------------------------------
# Evaluation with the published functions
# --------------------------------------------------------------------------------------------

def fpir_grid(npoints=100):
    """ijb_evals.py run_model_test_1N's fars_cal."""
    return [10 ** ii for ii in np.arange(-4, 0, 4 / npoints)] + [1]


def closed_set(fns, query_feats, gallery_feats, mask):
    """ijb_1n.py `evaluation`, its printed numbers read back."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fns["evaluation"](query_feats, gallery_feats, mask)
    text = out.getvalue()
    n = query_feats.shape[0]
    tops = {k: float(re.search(r"^top%d = (\S+)$" % k, text, re.M).group(1)) for k in RANKS}
    far = []
    for m in re.finditer(r"^far = (\S+) pr = (\S+) th = (\S+)$", text, re.M):
        far.append({"far": float(m.group(1)), "accepted": int(round(float(m.group(2)) * n)),
                    "rate_printed": m.group(2), "threshold": float(m.group(3))})
    return {"rank": {str(k): tops[k] for k in RANKS}, "rank_hits": {str(k): int(round(tops[k] * n)) for k in RANKS},
            "insightface_far": far}


def open_set(fns, probe_feats, probe_ids, galleries, fars):
    """ijb_evals.py evaluation_1N per gallery; the G1/G2 mean as run_model_test_1N computes it."""
    per, recalls = {}, []
    quiet = contextlib.redirect_stdout(io.StringIO())
    for name, feats, ids in galleries:
        with quiet:
            t1, t5, t10, threshes, rec, _ = fns["evaluation_1N"](probe_feats, feats, probe_ids, ids, fars)
        mated = int(np.isin(probe_ids, ids).sum())
        per[name] = {"rank_hits": {"1": int(t1), "5": int(t5), "10": int(t10)}, "mated": mated,
                     "non_mated": int(len(probe_ids) - mated),
                     "threshold": [float(x) for x in threshes], "tpir": [float(x) for x in rec]}
        recalls.append(np.array(rec))
    n = len(probe_ids)
    rank = {k: sum(per[g]["rank_hits"][k] for g in per) / n for k in ("1", "5", "10")}
    return {"per_gallery": per, "rank": rank, "mean_tpir": [float(x) for x in (recalls[0] + recalls[1]) / 2]}


def search_summary(sim, mate_col, starts):
    """Mate score and per-gallery top non-mate score of every probe (for max |Δ| of the scores)."""
    P = sim.shape[0]
    mate = np.array([sim[p, mate_col[p]] for p in range(P)])
    tops = {}
    for g, (a, b) in enumerate(zip(starts[:-1], starts[1:])):
        block = sim[:, a:b].copy()
        for p in range(P):
            if a <= mate_col[p] < b:
                block[p, mate_col[p] - a] = -np.inf
        tops["G%d" % (g + 1)] = block.max(1).tolist()
    return mate.tolist(), tops


def check_designed_ties(templates, sims, probe_ids, gallery_ids, label):
    """Every copied template must score exactly as its source in each of the scripts' score matrices."""
    tid = {t["key"]: t["tid"] for t in templates}
    for t in templates:
        if "copy_of" not in t:
            continue
        a, b = tid[t["copy_of"]], t["tid"]
        for where, sim in sims.items():
            if t["role"] == "probe":
                i, j = np.searchsorted(probe_ids, [a, b])
                same = (sim[i] == sim[j]).all()
            elif a in gallery_ids[where] and b in gallery_ids[where]:
                i, j = np.searchsorted(gallery_ids[where], [a, b])
                same = (sim[:, i] == sim[:, j]).all()
            else:
                continue
            if not same:
                raise SystemExit("%s: %s rounds template %d and its copy %d differently (a BLAS block edge?); "
                                 "the designed tie is not exact there" % (label, where, a, b))


def check_rank_ties(sim, mate_col, starts, label):
    """Fail when a mate ties a non-mate across a reported rank boundary (open or closed set)."""
    for p in range(sim.shape[0]):
        m = sim[p, mate_col[p]]
        spans = [(a, b) for a, b in zip(starts[:-1], starts[1:]) if a <= mate_col[p] < b] + [(starts[0], starts[-1])]
        for a, b in spans:
            row = np.delete(sim[p, a:b], mate_col[p] - a)
            above, ties = int((row > m).sum()), int((row == m).sum())
            if ties and any(above + 1 <= k < above + 1 + ties for k in RANKS):
                raise SystemExit("%s: probe %d ties its mate across a rank boundary; choose another --seed" % (label, p))


def tie_stats(sim, mate_col, starts, thresholds):
    """What the data set exercises: exact ties, and mates outside the top 10."""
    P = sim.shape[0]
    row_ties = sum(1 for p in range(P) if len(np.unique(sim[p])) < sim.shape[1])
    stats = {"probes_with_tied_gallery_scores": row_ties,
             "mates_outside_top10_closed_set": int(sum((np.delete(sim[p], mate_col[p]) >= sim[p, mate_col[p]]).sum() >= 10 for p in range(P)))}
    for g, (a, b) in enumerate(zip(starts[:-1], starts[1:])):
        name = "G%d" % (g + 1)
        mated = [p for p in range(P) if a <= mate_col[p] < b]
        tops = np.array([sim[p, a:b].max() for p in range(P) if p not in mated])
        mates = np.array([sim[p, mate_col[p]] for p in mated])
        stats[name] = {"tied_non_mated_tops": int(len(tops) - len(np.unique(tops))),
                       "mate_scores_equal_to_a_non_mated_top": int(np.isin(mates, tops).sum()),
                       "thresholds_equal_to_a_mate_score": int(np.isin(thresholds[name], mates).sum())}
    return stats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--insightface", required=True)
    ap.add_argument("--insightface-rev", default="HEAD")
    ap.add_argument("--magface", help="IrvingMeng/MagFace repo; omit to skip the MagFace modes")
    ap.add_argument("--magface-rev", default="HEAD")
    ap.add_argument("--out", default="test/data/ijb-1n-parity")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()

    n1_fns, n1_prov = load_insightface_1n(args.insightface, args.insightface_rev)
    ev_fns, ev_prov = load_insightface_evals(args.insightface, args.insightface_rev)
    mf_fns, mf_prov = load_magface(args.magface, args.magface_rev) if args.magface else (None, None)

    templates, faces = build_dataset(args.seed)
    out = args.out
    write_dataset(out, templates, faces)
    meta = os.path.join(out, "meta")
    path = lambda name: os.path.join(meta, name)  # noqa: E731

    # ---- the lists, read by each script's own readers
    tt, mm = n1_fns["read_template_media_list"](path("ijbc_face_tid_mid.txt"))
    g1_t, g1_s = n1_fns["read_template_subject_id_list"](path("ijbc_1N_gallery_G1.csv"))
    g2_t, g2_s = n1_fns["read_template_subject_id_list"](path("ijbc_1N_gallery_G2.csv"))
    pr_t, pr_s = n1_fns["read_template_subject_id_list"](path("ijbc_1N_probe_mixed.csv"))
    e_tt, e_mm = ev_fns["read_IJB_meta_columns_to_int"](path("ijbc_face_tid_mid.txt"), columns=[1, 2])
    e_lists = [tuple(ev_fns["read_IJB_meta_columns_to_int"](path(n), columns=[0, 1], skiprows=1, sep=","))
               for n in ("ijbc_1N_gallery_G1.csv", "ijbc_1N_gallery_G2.csv", "ijbc_1N_probe_mixed.csv")]
    assert (e_tt == tt).all() and (e_mm == mm).all()
    faceness = read_faceness(path("ijbc_name_5pts_score.txt"))
    feats = np.load(os.path.join(out, "features.npy"))
    flips = np.load(os.path.join(out, "features_flip.npy"))

    gal_t = np.concatenate([g1_t, g2_t])  # ijb_1n.py: gallery = G1 + G2
    gal_s = np.concatenate([g1_s, g2_s])
    grid = fpir_grid()
    fars = TARGET_FPIRS + grid
    modes = [("insightface:N1D1F1", 1, 1, 1), ("insightface:N0D0F1", 0, 0, 1), ("insightface:N1D0F1", 1, 0, 1),
             ("insightface:N0D1F1", 0, 1, 1), ("insightface:N1D1F0", 1, 1, 0), ("insightface:N0D0F0", 0, 0, 0)]
    results = {}
    quiet = contextlib.redirect_stdout(io.StringIO())
    for name, N, Dflag, Fflag in modes:
        x = insightface_input(feats, flips, faceness, N, Dflag, Fflag)
        with quiet:
            gf, _, gid = n1_fns["image2template_feature"](x, tt, mm, gal_t, gal_s)
            pf, _, pid = n1_fns["image2template_feature"](x, tt, mm, pr_t, pr_s)
            mask = n1_fns["gen_mask"](pid, gid)
            e = [ev_fns["image2template_feature"](x, e_tt, e_mm, t, s) for t, s in e_lists]
        sim = np.dot(pf, gf.T)  # as ijb_1n.py's evaluation computes it
        # the scripts' own score matrices, where every designed tie must be exact
        scripts = {"ijb_1n.py": sim, "ijb_evals.py G1": np.dot(e[2][0], e[0][0].T), "ijb_evals.py G2": np.dot(e[2][0], e[1][0].T)}
        check_designed_ties(templates, scripts, np.unique(pr_t), {"ijb_1n.py": np.unique(gal_t), "ijb_evals.py G1": np.unique(g1_t), "ijb_evals.py G2": np.unique(g2_t)}, name)
        results[name] = {"closed_set": closed_set(n1_fns, pf, gf, mask),
                         "open_set": open_set(ev_fns, e[2][0], e[2][2], [("G1", e[0][0], e[0][2]), ("G2", e[1][0], e[1][2])], fars),
                         "sim": sim, "mask": mask, "gid": gid}

    if mf_fns is not None:
        import torch
        import warnings
        torch.set_num_threads(1)
        warnings.filterwarnings("ignore", message="Creating a tensor from a list of numpy")
        for name, qlt in (("magface", 0), ("magface+", 1)):
            with quiet:
                tf, ut = mf_fns["image2template_feature"](feats, tt, mm, qlt)
                _, _, gid = n1_fns["image2template_feature"](feats, tt, mm, gal_t, gal_s)
                _, _, pid = n1_fns["image2template_feature"](feats, tt, mm, pr_t, pr_s)
                gu, pu = np.unique(gal_t), np.unique(pr_t)
                p1, p2 = np.tile(gu, len(pu)), np.repeat(pu, len(gu))
                sim = np.asarray(mf_fns["verification"](tf, ut, p1, p2), dtype=np.float64).reshape(len(pu), len(gu))
            mask = n1_fns["gen_mask"](pid, gid)
            # the scripts' np.dot(query, gallery.T) with query = I returns the scores exactly
            eye = np.eye(len(pu))
            in_g1 = np.isin(gu, g1_t)
            results[name] = {"closed_set": closed_set(n1_fns, eye, sim.T.copy(), mask),
                             "open_set": open_set(ev_fns, eye, pid, [("G1", sim[:, in_g1].T.copy(), gid[in_g1]),
                                                                   ("G2", sim[:, ~in_g1].T.copy(), gid[~in_g1])], fars),
                             "sim": sim, "mask": mask, "gid": gid}

    # ---- checks and per-probe summaries, in facebench's column order (G1 columns, then G2)
    gu = np.unique(gal_t)
    order = np.concatenate([np.nonzero(np.isin(gu, g1_t))[0], np.nonzero(np.isin(gu, g2_t))[0]])
    starts = [0, int(np.isin(gu, g1_t).sum()), len(gu)]
    expected_modes = {}
    for name, r in results.items():
        sim = r["sim"][:, order]
        mate_col = [int(np.nonzero(order == m)[0][0]) for m in r["mask"]]
        check_rank_ties(sim, mate_col, starts, name)
        mate, tops = search_summary(sim, mate_col, starts)
        thresholds = {g: v["threshold"] for g, v in r["open_set"]["per_gallery"].items()}
        ties = tie_stats(sim, mate_col, starts, thresholds)
        for g in ("G1", "G2"):
            if not (ties[g]["tied_non_mated_tops"] and ties[g]["mate_scores_equal_to_a_non_mated_top"] and ties["probes_with_tied_gallery_scores"]):
                raise SystemExit("%s: the data set lacks an exact tie it is meant to have: %s" % (name, ties))
        expected_modes[name] = {"closed_set": r["closed_set"], "open_set": r["open_set"], "ties": ties,
                                "mate_score": mate, "top_non_mate": tops}

    probes_t = np.unique(pr_t)
    expected = {
        "generator": "test/reference/gen_ijb_1n_parity.py",
        "seed": args.seed,
        "upstream": {"ijb_1n": dict(n1_prov, repo="deepinsight/insightface"),
                     "ijb_evals": dict(ev_prov, repo="deepinsight/insightface")},
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "sklearn": sklearn.__version__, "pandas": pd.__version__},
        "flag_convention": "ijb_11.py / ijb_1n.py: N1 = keep the raw norm; D1 = x detector score; F1 = feats + flip",
        "counts": {"faces": len(faces), "probes": int(len(probes_t)), "G1": int(len(np.unique(g1_t))),
                   "G2": int(len(np.unique(g2_t))), "D": D},
        "ranks": RANKS,
        "closed_set_fars": CLOSED_SET_FARS,
        "fpirs": TARGET_FPIRS,
        "fpir_grid": [float(f) for f in grid],
        "modes": expected_modes,
    }
    if mf_prov is not None:
        expected["upstream"]["magface"] = dict(mf_prov, repo="IrvingMeng/MagFace")
        import torch
        expected["versions"]["torch"] = torch.__version__
    with open(os.path.join(out, "expected.json"), "w") as f:
        dump_json(expected, f)
        f.write("\n")
    for name, e in expected_modes.items():
        print(name, e["ties"], file=sys.stderr)
        o = e["open_set"]
        print("%-20s closed top1/5/10 %s far %s | open rank %s G1 tpir@1e-1 %.4f" % (
            name, [e["closed_set"]["rank"][k] for k in ("1", "5", "10")],
            [x["accepted"] for x in e["closed_set"]["insightface_far"]],
            [round(o["rank"][k], 4) for k in ("1", "5", "10")], o["per_gallery"]["G1"]["tpir"][TARGET_FPIRS.index(1e-1)]),
              file=sys.stderr)
    print(expected["counts"], file=sys.stderr)


if __name__ == "__main__":
    main()
