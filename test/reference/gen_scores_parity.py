#!/usr/bin/python3
"""Generate test/data/scores-parity/: tie-heavy score sets and the numbers the PUBLISHED code gives on
them, for `facebench scores` (test/metrics/scores-parity.test.ts).

Published code, read at run time from the upstream repositories named on the command line (bare git
directories or clones; `git show <rev>:<path>`, commit and sha256 recorded in the output) and run
unchanged — never committed here:

  --bob    bioidiap/bob.measure   src/bob/measure/_library.py  (executed whole: far_threshold, farfrr,
           eer_threshold, min_hter_threshold, min_weighted_error_rate_threshold, epc,
           precision_recall, f_score; bob.measure >= 6 is Python + numba — the old C++ core was
           ported — and runs here with Debian's numba 0.56); `def eer` of src/bob/measure/__init__.py
           (taken alone via ast: the package __init__ imports matplotlib plotting modules).
  --pyeer  manuelaguadomtz/pyeer  pyeer/eer_stats.py (executed whole) and `def get_eer_stats` of
           pyeer/eer_info.py (taken alone via ast: that module imports matplotlib).

Also: sklearn.metrics.roc_curve / auc, scipy.optimize.brentq + scipy.interpolate.interp1d (the common
EER recipe, run with a tight xtol), scipy.stats.norm.ppf (probit). `iso_fnmr_at_fmr` below is OUR
brute-force statement of the FVC2000 / ISO definition (lowest FNMR with FMR <= target).

Usage: /usr/bin/python3 test/reference/gen_scores_parity.py --bob DIR --pyeer DIR \
           [--out test/data/scores-parity]
"""

import argparse
import ast
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
import types
import warnings

import numpy as np
import scipy
import scipy.optimize
import scipy.interpolate
import scipy.stats
import sklearn
from sklearn.metrics import roc_curve, auc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_roc_cases import jnum  # noqa: E402  (infinities as the strings "inf" / "-inf")

SEED = 14
FAR_TARGETS = [1e-3, 1e-2, 0.05, 0.1, 0.2]
COSTS = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
EPC_POINTS = 11
BOB_LIBRARY = "src/bob/measure/_library.py"
BOB_INIT = "src/bob/measure/__init__.py"
PYEER_STATS = "pyeer/eer_stats.py"
PYEER_INFO = "pyeer/eer_info.py"


def read_upstream(repo, relpath, rev):
    commit = subprocess.run(["git", "-C", repo, "rev-parse", rev], check=True,
                            capture_output=True, text=True).stdout.strip()
    src = subprocess.run(["git", "-C", repo, "show", "%s:%s" % (commit, relpath)],
                         check=True, capture_output=True, text=True).stdout
    return src, {"file": relpath, "commit": commit,
                 "sha256": hashlib.sha256(src.encode("utf-8")).hexdigest()}


def exec_defs(src, names, namespace, label):
    tree = ast.parse(src)
    keep = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in names]
    missing = set(names) - {n.name for n in keep}
    if missing:
        raise SystemExit("%s: functions not found upstream: %s" % (label, sorted(missing)))
    exec(compile(ast.Module(body=keep, type_ignores=[]), "<upstream %s>" % label, "exec"), namespace)


def load_bob(repo, rev):
    lib_src, lib_prov = read_upstream(repo, BOB_LIBRARY, rev)
    # A registered module: numba's object mode (bob's epc) looks globals up through sys.modules.
    module = types.ModuleType("bob_measure_library_upstream")
    sys.modules[module.__name__] = module
    ns = module.__dict__
    exec(compile(lib_src, "<upstream %s>" % BOB_LIBRARY, "exec"), ns)
    init_src, init_prov = read_upstream(repo, BOB_INIT, rev)
    exec_defs(init_src, ["eer"], ns, BOB_INIT)
    return ns, [lib_prov, init_prov]


def load_pyeer(repo, rev):
    stats_src, stats_prov = read_upstream(repo, PYEER_STATS, rev)
    ns = {"__name__": "pyeer_eer_stats_upstream"}
    exec(compile(stats_src, "<upstream %s>" % PYEER_STATS, "exec"), ns)
    info_src, info_prov = read_upstream(repo, PYEER_INFO, rev)
    exec_defs(info_src, ["get_eer_stats"], ns, PYEER_INFO)
    return ns, [stats_prov, info_prov]


def make_cases(rng):
    """(name, note, genuine, impostor, integer): tie-heavy sets; integer ones also go through pyeer's histogram form."""
    cases = []

    def add(name, note, gen, imp, integer=False):
        cases.append((name, note, [float(v) for v in gen], [float(v) for v in imp], integer))

    add("two_decimals", "300 genuine / 3000 impostor, scores rounded to 2 decimals",
        np.round(rng.normal(0.55, 0.15, 300), 2), np.round(rng.normal(0.15, 0.12, 3000), 2))
    add("one_decimal", "60 / 900, rounded to 1 decimal: few, large tie blocks across both sides",
        np.round(rng.normal(0.5, 0.2, 60), 1), np.round(rng.normal(0.2, 0.2, 900), 1))
    add("integers", "200 / 4000 integer scores 0..30 (pyeer's histogram form applies)",
        np.clip(np.round(rng.normal(18, 5, 200)), 0, 30), np.clip(np.round(rng.normal(8, 4, 4000)), 0, 30), True)
    add("top_is_impostor", "150 / 1500, 2 decimals, the highest score an impostor's (FMR 0 needs a threshold above every score)",
        np.round(rng.normal(0.6, 0.1, 150), 2), np.r_[np.round(rng.normal(0.3, 0.1, 1499), 2), 0.99])
    add("equal_sizes", "40 / 40, 1 decimal: equal totals make many exactly equal HTERs",
        np.round(rng.normal(0.6, 0.2, 40), 1), np.round(rng.normal(0.35, 0.2, 40), 1))
    add("distinct", "500 / 5000 distinct float64 scores",
        rng.normal(1.0, 0.5, 500), rng.normal(-0.5, 0.6, 5000))
    add("eval_two_decimals", "the evaluation set of two_decimals: 280 / 3200 from the same distributions",
        np.round(rng.normal(0.53, 0.15, 280), 2), np.round(rng.normal(0.16, 0.12, 3200), 2))
    return cases


def iso_fnmr_at_fmr(gen, imp, target):
    """OUR brute force: the lowest FNMR over every threshold (each distinct score, and +inf) with FMR <= target."""
    gen = np.asarray(gen)
    imp = np.asarray(imp)
    best = (1.0, math.inf, 0.0)
    for t in sorted(set(gen.tolist()) | set(imp.tolist())):
        fmr = float(np.mean(imp >= t))
        fnmr = float(np.mean(gen < t))
        if fmr <= target and fnmr < best[0]:
            best = (fnmr, t, fmr)
    return {"fnmr": best[0], "threshold": jnum(best[1]), "fmr": best[2]}


def sklearn_eer(gen, imp):
    labels = np.r_[np.ones(len(gen)), np.zeros(len(imp))]
    fpr, tpr, _ = roc_curve(labels, np.r_[gen, imp])
    f = scipy.interpolate.interp1d(fpr, tpr)
    return float(scipy.optimize.brentq(lambda x: 1.0 - x - f(x), 0.0, 1.0, xtol=1e-15)), float(auc(fpr, tpr))


def bob_numbers(bob, gen, imp):
    neg = np.asarray(imp, dtype=np.float64)
    pos = np.asarray(gen, dtype=np.float64)
    out = {"far_threshold": []}
    for x in FAR_TARGETS + [0.0]:
        t = bob["far_threshold"](neg, pos, x)
        far, frr = bob["farfrr"](neg, pos, t)
        out["far_threshold"].append({"far": x, "threshold": jnum(t), "fmr": float(far), "fnmr": float(frr)})
    t = bob["eer_threshold"](neg, pos)
    far, frr = bob["farfrr"](neg, pos, t)
    p, r = bob["precision_recall"](neg, pos, t)
    out["eer_threshold"] = {"threshold": jnum(t), "fmr": float(far), "fnmr": float(frr),
                            "eer": float(bob["eer"](neg, pos)), "precision": float(p), "recall": float(r),
                            "f1": float(bob["f_score"](neg, pos, t))}
    t = bob["min_hter_threshold"](neg, pos)
    far, frr = bob["farfrr"](neg, pos, t)
    out["min_hter_threshold"] = {"threshold": jnum(t), "fmr": float(far), "fnmr": float(frr), "hter": float((far + frr) / 2.0)}
    out["min_weighted_error_rate_threshold"] = [
        {"cost": c, "threshold": jnum(bob["min_weighted_error_rate_threshold"](neg, pos, c))} for c in COSTS]
    return out


def pyeer_numbers(pyeer, gen, imp, hist_counts=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if hist_counts is None:
            st = pyeer["get_eer_stats"](list(gen), list(imp))
        else:
            st = pyeer["get_eer_stats"](list(gen), list(hist_counts), True)
    keys = ["fmr0", "fmr1000", "fmr100", "fmr20", "fmr10", "fnmr0", "eer", "eer_low", "eer_high", "auc",
            "gmean", "gstd", "imean", "istd", "decidability"]
    out = {k: float(getattr(st, k)) for k in keys}
    for k in ["fmr0_th", "fmr1000_th", "fmr100_th", "fmr20_th", "fmr10_th", "fnmr0_th", "eer_th"]:
        out[k] = jnum(getattr(st, k))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bob", required=True, help="bob.measure repository (bare git dir or clone)")
    ap.add_argument("--bob-rev", default="HEAD")
    ap.add_argument("--pyeer", required=True, help="pyeer repository (bare git dir or clone)")
    ap.add_argument("--pyeer-rev", default="HEAD")
    ap.add_argument("--out", default="test/data/scores-parity")
    args = ap.parse_args()
    bob, bob_prov = load_bob(args.bob, args.bob_rev)
    pyeer, pyeer_prov = load_pyeer(args.pyeer, args.pyeer_rev)
    import numba
    rng = np.random.default_rng(SEED)
    cases = make_cases(rng)
    by_name = {c[0]: c for c in cases}
    out_cases = []
    for name, note, gen, imp, integer in cases:
        eer, roc_auc = sklearn_eer(gen, imp)
        case = {"name": name, "note": note, "genuine": gen, "impostor": imp,
                "sklearn": {"auc": roc_auc, "eer_brentq": eer},
                "iso": {str(x): iso_fnmr_at_fmr(gen, imp, x) for x in [0.0, 1e-3, 1e-2]},
                "bob": bob_numbers(bob, gen, imp),
                "pyeer": pyeer_numbers(pyeer, gen, imp)}
        if integer:
            counts = np.bincount(np.asarray(imp, dtype=np.int64)).tolist()
            case["impostor_histogram"] = counts
            case["pyeer_histogram"] = pyeer_numbers(pyeer, gen, imp, counts)
        out_cases.append(case)
    dev = by_name["two_decimals"]
    ev = by_name["eval_two_decimals"]
    curve = bob["epc"](np.asarray(dev[3]), np.asarray(dev[2]), np.asarray(ev[3]), np.asarray(ev[2]), EPC_POINTS, False, True)
    thr = bob["eer_threshold"](np.asarray(dev[3]), np.asarray(dev[2]))
    far, frr = bob["farfrr"](np.asarray(ev[3]), np.asarray(ev[2]), thr)
    transfer = {"dev": "two_decimals", "eval": "eval_two_decimals", "criterion": "eer", "threshold": jnum(thr),
                "eval_fmr": float(far), "eval_fnmr": float(frr), "eval_hter": float((far + frr) / 2.0),
                "epc": {"points": EPC_POINTS, "cost": curve[0].tolist(), "hter": curve[1].tolist(),
                        "threshold": [jnum(v) for v in curve[2]]}}
    probes = [1e-12, 1e-9, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.02, 0.05, 0.075, 0.1, 0.2, 0.3, 0.4, 0.5,
              0.6, 0.8, 0.9, 0.95, 0.975, 0.99, 0.999, 1 - 1e-6, 1 - 1e-9]
    probit = {"p": probes, "ppf": [float(v) for v in scipy.stats.norm.ppf(probes)]}
    doc = {
        "generator": "test/reference/gen_scores_parity.py",
        "seed": SEED,
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
                     "sklearn": sklearn.__version__, "numba": numba.__version__},
        "upstream": {"bob.measure": bob_prov, "pyeer": pyeer_prov},
        "far_targets": FAR_TARGETS,
        "costs": COSTS,
        "cases": out_cases,
        "transfer": transfer,
        "probit": probit,
    }
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "cases.json")
    with open(path, "w") as f:
        json.dump(doc, f, allow_nan=False, separators=(",", ":"))
        f.write("\n")
    for c in out_cases:
        print("%-18s G=%4d I=%5d pyeer fmr100=%.6f bob fnr@1e-2=%.6f iso=%.6f" % (
            c["name"], len(c["genuine"]), len(c["impostor"]), c["pyeer"]["fmr100"],
            c["bob"]["far_threshold"][1]["fnmr"], c["iso"]["0.01"]["fnmr"]))
    print("wrote", path)


if __name__ == "__main__":
    main()
