"""Label powerset at scale: the candidate models on four shapes, one table (issue 23).

Data (generated; rows to fit + held-out rows):

- (a) "long tail": 16,000 + 4,000 rows, 1,000 features, 36 labels, about
  2,900 distinct label sets in the training rows;
- (b) "e-mail shape": 1,100 + 400 rows, 1,000 features, 53 labels, about
  590 label sets (the shape of the public e-mail benchmark of issue 15);
- (c) "the pipeline's selection input": 16,000 + 4,000 rows, 384
  standardised float32 features, 7 labels with Table I's imbalance, 125
  label sets (:func:`make_selection_input`);
- (d) "text-like": 21,000 + 5,000 rows, 500 binary features (words), 22
  labels, label cardinality about 2.1, about 1,170 label sets;
- Mulan emotions and scene (shared/data, standard splits, standardised):
  the paper's setting, where ``"auto"`` keeps libsvm.

(a), (b) and (d) come from :func:`make_long_tailed_multilabel`: a pool of
distinct label sets is built from correlated labels. Label popularity is
Zipf-like (``1 / rank ** 0.8``); the labels fall into 6 random clusters; a
set's size is ``1 + Poisson(extra_labels)``; its first label is drawn by
popularity and each further one by popularity times 6 within the first
label's cluster. Each row draws its label set from the pool with Zipf
frequencies ``1 / rank ** set_exponent`` (a long tail). Features are
linearly informative of the labels plus noise, ``X = Y @ W + N(0, 1)``,
where each label loads on 30 random features with weights ``N(0, 0.4^2)``;
for (d) the features are words, present with log-odds ``-3.5 + 6 Y |W|``.

Models: per-label logistic regression (scikit-learn
``OneVsRestClassifier(LogisticRegression())``, the reference of the time
ratios) and ``LabelPowersetWeightedSVC`` with the solvers and options of
``MODELS`` (full powerset, RAkEL with its defaults ``labelset_size=3``,
pruned sets), all with C=0.9 and tol=1e-3, the defaults.

Each model is fitted in a fresh subprocess on one BLAS thread with a CPU
time cap; it reports fit and predict time, the fit's CPU time, its peak
resident memory (``ru_maxrss``, data included) and the held-out micro- and
macro-F1. A model past its cap is reported as such (not finished).

Run from the repository root (``--data b`` runs one shape and stores its
JSON, ``--models`` a subset, ``--report`` writes the table from the stored
runs)::

    nice .venv/bin/python benchmarks/labelsets.py

Results go to the "labelsets" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

N_ROWS, N_FEATURES, N_LABELS = 20_000, 1_000, 36
SHAPES = {
    "a": dict(n_rows=20_000, n_train=16_000, n_labels=36, n_pool=5_000, set_exponent=1.0, seed=0),
    "b": dict(n_rows=1_500, n_train=1_100, n_labels=53, n_pool=2_000, set_exponent=0.8, seed=1),
    "c": dict(n_rows=20_000, n_train=16_000),
    "d": dict(n_rows=26_000, n_train=21_000, n_labels=22, n_features=500, n_pool=1_200,
              set_exponent=1.0, extra_labels=0.6, binary=True, seed=3),
    "emotions": {},
    "scene": {},
}
# name: (description, LabelPowersetWeightedSVC parameters)
MODELS = {
    "lr": ("per-label logistic regression", None),
    "libsvm": ("`solver='libsvm'` (the paper's model), full powerset", {"solver": "libsvm"}),
    "softmax": ("`solver='softmax'`, full powerset", {"solver": "softmax"}),
    "dual-cd": ("`solver='dual-cd'`, full powerset (removed after this run)", "removed"),
    "ps-libsvm": ("`solver='libsvm', prune_threshold=3`, pruned sets",
                  {"solver": "libsvm", "prune_threshold": 3}),
    "ps-softmax": ("`solver='softmax', prune_threshold=3`, pruned sets",
                   {"solver": "softmax", "prune_threshold": 3}),
    "rakel-libsvm": ("`RakelO`, members `solver='libsvm'` (RAkEL defaults: k=3)",
                     {"solver": "libsvm", "labelset_size": 3}),
    "rakel-softmax": ("`RakelO`, members `solver='softmax'` (RAkEL defaults: k=3)",
                      {"solver": "softmax", "labelset_size": 3}),
    "rakel-dcd": ("`RakelO`, members `solver='dual-cd'` (RAkEL defaults; removed after this run)",
                  "removed"),
    "auto": ("`solver='auto'` (the default), full powerset", {}),
    "rakel-auto": ("`RakelO()`, members `solver='auto'` (the defaults)", {"labelset_size": 3}),
}
RESULTS = Path(__file__).resolve().parent / "_labelsets_results"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "mulan"


def make_long_tailed_multilabel(
    n_rows=N_ROWS, n_features=N_FEATURES, n_labels=N_LABELS, n_pool=5_000, seed=0,
    set_exponent=1.0, extra_labels=1.4, binary=False,
):
    """Long-tailed, correlated multi-label data; see the module docstring."""
    rng = np.random.default_rng(seed)
    popularity = rng.permutation(1.0 / np.arange(1, n_labels + 1) ** 0.8)
    cluster = rng.integers(0, 6, size=n_labels)
    pool, seen = [], set()
    while len(pool) < n_pool:
        first = rng.choice(n_labels, p=popularity / popularity.sum())
        labels = {first}
        size = min(1 + rng.poisson(extra_labels), n_labels)
        while len(labels) < size:
            odds = popularity * np.where(cluster == cluster[first], 6.0, 1.0)
            odds[list(labels)] = 0
            labels.add(rng.choice(n_labels, p=odds / odds.sum()))
        key = tuple(sorted(labels))
        if key not in seen:
            seen.add(key)
            pool.append(key)
    frequency = 1.0 / np.arange(1, n_pool + 1) ** set_exponent
    drawn = rng.choice(n_pool, size=n_rows, p=frequency / frequency.sum())
    Y = np.zeros((n_rows, n_labels), dtype=np.int64)
    for row, index in enumerate(drawn):
        Y[row, list(pool[index])] = 1
    W = np.zeros((n_labels, n_features))
    for j in range(n_labels):
        W[j, rng.choice(n_features, 30, replace=False)] = rng.normal(0, 0.4, size=30)
    if binary:  # words: each label raises the odds of its 30 words
        odds = np.exp(-3.5 + 6.0 * Y @ np.abs(W))
        return (rng.random((n_rows, n_features)) < odds / (1 + odds)).astype(np.float64), Y
    X = Y @ W + rng.normal(size=(n_rows, n_features))
    return X, Y


def make_selection_input(n_rows=20_000, seed=0):
    """The pipeline's selection input at 20,000 clips: 384 standardised features, Table I's labels."""
    from pipeline import POSITIVES

    rng = np.random.default_rng(seed)
    Y = (rng.random((n_rows, len(POSITIVES))) < POSITIVES / 1540).astype(np.int64)
    X = rng.standard_normal((n_rows, 384), dtype=np.float32)
    for j in range(Y.shape[1]):
        X[np.ix_(Y[:, j] == 1, rng.choice(384, 8, replace=False))] += 0.8
    return (X - X.mean(axis=0)) / X.std(axis=0), Y


def _mulan(name):
    from sklearn.preprocessing import StandardScaler

    from skmmlc.datasets import load_mulan

    X, Y = load_mulan(SHARED / name / f"{name}-train.arff", return_X_y=True)
    X_test, Y_test = load_mulan(SHARED / name / f"{name}-test.arff", return_X_y=True)
    scaler = StandardScaler().fit(np.asarray(X, dtype=float))
    return (scaler.transform(np.asarray(X, dtype=float)), np.asarray(Y),
            scaler.transform(np.asarray(X_test, dtype=float)), np.asarray(Y_test))


def _split(shape):
    if shape in ("emotions", "scene"):
        return _mulan(shape)
    params = dict(SHAPES[shape])
    n_train = params.pop("n_train")
    if shape == "c":
        X, Y = make_selection_input(**params)
    else:
        X, Y = make_long_tailed_multilabel(**params)
    return X[:n_train], Y[:n_train], X[n_train:], Y[n_train:]


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _model(name):
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    from skmmlc import LabelPowersetWeightedSVC, RakelO

    params = MODELS[name][1]
    if params == "removed":
        raise SystemExit(f"{name}: this solver was removed (issue 23); its stored run stays")
    if params is None:
        return OneVsRestClassifier(LogisticRegression())
    params = dict(params)
    k = params.pop("labelset_size", None)
    svc = LabelPowersetWeightedSVC(random_state=0, **params)
    # RAkEL: the members solved together where their solver allows it
    return svc if k is None else RakelO(svc, labelset_size=k, random_state=0)


def child(shape, name):
    """Fit and predict one model; print its measurements as JSON."""
    from sklearn.metrics import f1_score

    X, Y, X_test, Y_test = _split(shape)
    model = _model(name)
    cpu_start = _cpu_seconds()
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, Y)
    fit_s = time.perf_counter() - start
    fit_cpu_s = _cpu_seconds() - cpu_start
    start = time.perf_counter()
    Y_pred = model.predict(X_test)
    predict_s = time.perf_counter() - start
    if hasattr(Y_pred, "toarray"):
        Y_pred = Y_pred.toarray()
    print(json.dumps({
        "fit_s": fit_s,
        "fit_cpu_s": fit_cpu_s,
        "predict_s": predict_s,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "micro_f1": float(f1_score(Y_test, Y_pred, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(Y_test, Y_pred, average="macro", zero_division=0)),
        "load": os.getloadavg()[1],
        "warnings": sorted({type(w.message).__name__ for w in caught}),
        "solver": _solver(model),
        "n_classes": _n_classes(model),
    }))


def _solver(model):
    """The solver used (a RakelO's: its first member's)."""
    members = getattr(model, "estimators_", None) or [model]
    return getattr(members[0], "solver_", None)


def _n_classes(model):
    members = getattr(model, "estimators_", None) or [model]
    sizes = [len(m.powersets_) for m in members if hasattr(m, "powersets_")]
    return int(sum(sizes)) if sizes else None


def _limit_cpu(cap_s):
    def limit():
        resource.setrlimit(resource.RLIMIT_CPU, (int(cap_s), int(cap_s) + 5))

    return limit


def _run_child(shape, name, cap_s):
    """One model in a child process: one BLAS thread, at most ``cap_s`` CPU seconds."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, __file__, "--child", f"{shape}:{name}"],
        capture_output=True, text=True, env=env, preexec_fn=_limit_cpu(cap_s),
    )
    if out.returncode != 0:  # SIGXCPU: past the CPU cap
        return {"capped_s": cap_s, "returncode": out.returncode,
                "stderr": out.stderr[-300:], "load": os.getloadavg()[1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


ORDER = ["lr", "auto", "rakel-auto", "libsvm", "softmax", "ps-softmax", "ps-libsvm",
         "dual-cd", "rakel-softmax", "rakel-libsvm", "rakel-dcd"]
RUNNABLE = [name for name in ORDER if MODELS[name][1] != "removed"]


def run_shape(shape, cap_s, models=None):
    """The models on one shape; the results go to a JSON file (earlier runs of others kept)."""
    X, Y, _, _ = _split(shape)
    counts = np.bincount(np.unique(Y, axis=0, return_inverse=True)[1].ravel())
    results = {
        "shape": list(X.shape), "n_labels": Y.shape[1], "n_sets": len(counts),
        "n_seen_once": int((counts == 1).sum()), "models": {},
    }
    if (RESULTS / f"{shape}.json").exists():
        results["models"] = json.loads((RESULTS / f"{shape}.json").read_text())["models"]
    del X, Y
    for name in models.split(",") if models else RUNNABLE:
        results["models"][name] = _run_child(shape, name, cap_s)
        print(shape, name, results["models"][name], flush=True)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{shape}.json").write_text(json.dumps(results, indent=1))
    return results


def _row(shape, name, r, lr_cpu):
    label = MODELS[name][0]
    if "capped_s" in r:
        return (f"| {shape} | {label} | > {r['capped_s']:.0f} (stopped at the CPU cap) "
                f"| > {r['capped_s'] / lr_cpu:.0f}x | | | | | | |")
    solver = f" ({r['solver']})" if name.endswith("auto") else ""
    return (
        f"| {shape} | {label}{solver} | {r['fit_cpu_s']:.1f} | {r['fit_cpu_s'] / lr_cpu:.1f}x | "
        f"{r['predict_s']:.2f} | {r['peak_mib']:.0f} | {r.get('n_classes') or ''} | "
        f"{r['micro_f1']:.3f} | {r['macro_f1']:.3f} |"
    )


def report():
    from _report import git_revision, machine_description, write_section

    data = {s: json.loads((RESULTS / f"{s}.json").read_text()) for s in SHAPES
            if (RESULTS / f"{s}.json").exists()}
    lines = [
        "## Label sets at scale: the candidate models (issue 23)",
        "",
        f"Machine: {machine_description()}; revision {git_revision()}. Load average "
        f"(5 min) during the fits: {_loads(data)}. Every model ran in its own process on "
        "one BLAS thread (`OPENBLAS_NUM_THREADS=1`) and is measured and capped by the "
        "CPU time of its fit; 'x LR' is that CPU time over per-label logistic "
        "regression's in the same run; 'classes' is the number of label sets the model "
        "was fitted on (after pruning; summed over the members for RAkEL). Produced by "
        "`benchmarks/labelsets.py`.",
        "",
        "Targets (issue 23), as ratios to per-label logistic regression's fit: full "
        "powerset <= 5x, RAkEL with its defaults <= 3x; the default's micro- and "
        "macro-F1 within 0.01 of libsvm's (the paper's model) where it finishes, else of "
        "the best candidate.",
        "",
    ]
    for shape, res in data.items():
        lines.append(
            f"- ({shape}) {res['shape'][0]:,} training rows x {res['shape'][1]:,} features, "
            f"{res['n_labels']} labels, {res['n_sets']:,} distinct label sets "
            f"({res['n_seen_once']:,} seen once)."
        )
    lines += [
        "",
        "| data | model | fit, CPU (s) | x LR | predict (s) | peak RSS (MiB) | classes "
        "| micro-F1 | macro-F1 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for shape, res in data.items():
        lr_fit = res["models"]["lr"]["fit_cpu_s"]
        for name in ORDER:
            if name in res["models"]:
                lines.append(_row(shape, name, res["models"][name], lr_fit))
    lines += ["", PREVIOUS]
    write_section("labelsets", "\n".join(lines))


def _loads(data):
    loads = [r["load"] for res in data.values() for r in res["models"].values() if "load" in r]
    return f"{min(loads):.1f}-{max(loads):.1f}" if loads else "not recorded"


# Models of the earlier table (issue 15) not rerun here (same data and script).
PREVIOUS = (
    "Earlier runs of the one-vs-rest squared-hinge solvers (revisions fb687e1 and "
    "b04f5b1, 2026-12-02, Intel Xeon, 2 cores; same data; CPU seconds): (b) per-label "
    "LR 1.4-1.9; `solver='newton'` full powerset 196.8 (105x), RAkEL 197.3 (105x), the "
    "same models as `dual-cd`'s; `solver='liblinear'` and scikit-multilearn's "
    "`LabelPowerset(LinearSVC())` stopped at a 150 s cap. (a) per-label LR 12.1-14.0; "
    "`solver='dual-cd'` full and RAkEL > 300 (capped); `solver='admm'` full > 600 "
    "(capped), RAkEL 567.2 (46.7x, micro/macro-F1 0.565/0.475); `solver='newton'` "
    "RAkEL > 600 (capped); liblinear's full powerset extrapolated from 4 of its 2,881 "
    "sub-problems: ~166 h."
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", choices=list(SHAPES), help="run one shape only")
    parser.add_argument("--cap", type=float, default=600.0, help="CPU seconds per model")
    parser.add_argument("--models", help="comma-separated subset of " + ",".join(MODELS))
    parser.add_argument("--report", action="store_true", help="only write the table")
    args = parser.parse_args()
    if args.child:
        child(*args.child.split(":"))
        return
    if not args.report:
        for shape in [args.data] if args.data else list(SHAPES):
            run_shape(shape, args.cap, args.models)
    report()


if __name__ == "__main__":
    main()
