"""``solver="admm"`` against ``"newton"`` and ``"dual-cd"``: when rows far outnumber features.

One fit of the one-vs-rest squared-hinge problems of a label powerset (or
of K classes) per solver, ``tol=1e-3`` (the default), one BLAS thread, CPU
seconds, and the summed objective (lower is better; each solver's stopping
rule bounds its own error). Cases:

- Mulan emotions and scene (shared/data, standardised training rows; paper
  weights, C=0.9), and emotions unscaled;
- Zipf-imbalanced classes, ``X = 0.3 * centre + N(0, 1)``, row weights in
  [0.5, 2] (the cases of ``benchmarks/solvers.py``, more classes);
- scikit-learn's ``make_classification`` (balanced, well separated clusters);
- the pipeline's selection input at 20,000 clips (16,000 x 384 standardised
  rows, 125 label sets; ``benchmarks/pipeline.py --downstream``);
- 40 label sets sampled from shape (a) of ``benchmarks/labelsets.py`` (all
  other rows in one more column), Newton capped.

Run from the repository root (~10 min)::

    OPENBLAS_NUM_THREADS=1 nice .venv/bin/python benchmarks/admm.py

Results go to the "admm" section of docs/benchmarks.md.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

SOLVERS = ("newton", "dual-cd", "admm")
CAP_S = 300  # CPU seconds per fit (Newton on the (a) sample does not finish)
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "mulan"


def _mulan(name, scaled=True):
    from sklearn.preprocessing import StandardScaler

    from skmmlc.datasets import load_mulan
    from skmmlc.multilabel import label_weights, powerset_encode

    X, Y = load_mulan(SHARED / name / f"{name}-train.arff", return_X_y=True)
    X, Y = np.asarray(X, dtype=float), np.asarray(Y)
    if scaled:
        X = StandardScaler().fit_transform(X)
    return X, powerset_encode(Y)[1], 0.9 * label_weights(Y)


def _zipf(n, d, k, seed=0):
    rng = np.random.default_rng(seed)
    freq = 1.0 / np.arange(1, k + 1)
    codes = rng.choice(k, n, p=freq / freq.sum())
    X = 0.3 * rng.normal(size=(k, d))[codes] + rng.normal(size=(n, d))
    return X, codes, 0.9 * rng.uniform(0.5, 2.0, n)


def _clusters(n, d, k):
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=n, n_features=d, n_informative=4, n_classes=k,
                               n_clusters_per_class=1, random_state=0)
    return X, y, 0.9 * np.random.default_rng(0).uniform(0.2, 3.0, n)


def _pipeline_input():
    from sklearn.preprocessing import StandardScaler

    from skmmlc.multilabel import label_weights, powerset_encode

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from pipeline import POSITIVES

    n, rng = 20_000, np.random.default_rng(0)
    Y = (rng.random((n, len(POSITIVES))) < POSITIVES / 1540).astype(int)
    X = rng.standard_normal((n, 384), dtype=np.float32)
    for j in range(Y.shape[1]):
        X[np.ix_(Y[:, j] == 1, rng.choice(384, 8, replace=False))] += 0.8
    train = np.arange(n) % 5 != 0
    X, Y = StandardScaler().fit_transform(X[train]).astype(np.float64), Y[train]
    return X, powerset_encode(Y)[1], 0.9 * label_weights(Y)


def _labelsets_a_sample():
    from skmmlc.multilabel import label_weights, powerset_encode

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from labelsets import _split

    X, Y, _, _ = _split("a")
    sets, codes = powerset_encode(Y)
    sample = np.sort(np.random.default_rng(1).choice(len(sets), 40, replace=False))
    remap = np.full(len(sets), 40)
    remap[sample] = np.arange(40)
    return X, remap[codes], 0.9 * label_weights(Y)


CASES = {
    "emotions (391 x 72, 26 sets)": lambda: _mulan("emotions"),
    "emotions unscaled": lambda: _mulan("emotions", scaled=False),
    "scene (1,211 x 294, 14 sets)": lambda: _mulan("scene"),
    "Zipf 6,000 x 300, 60 classes": lambda: _zipf(6000, 300, 60),
    "Zipf 6,000 x 1,000, 8 classes": lambda: _zipf(6000, 1000, 8),
    "Zipf 16,000 x 300, 30 classes": lambda: _zipf(16000, 300, 30),
    "clusters 2,000 x 100, 8 classes": lambda: _clusters(2000, 100, 8),
    "clusters 6,000 x 1,000, 8 classes": lambda: _clusters(6000, 1000, 8),
    "clusters 16,000 x 1,000, 8 classes": lambda: _clusters(16000, 1000, 8),
    "pipeline input 16,000 x 384, 125 sets": _pipeline_input,
    "(a) sample: 16,000 x 1,000, 40 rare sets + rest": _labelsets_a_sample,
}


def _fit(case, solver, queue):
    import resource

    from skmmlc.multilabel._linear import fit_ovr_squared_hinge

    resource.setrlimit(resource.RLIMIT_CPU, (CAP_S, CAP_S + 5))
    X, codes, costs = CASES[case]()
    start = time.process_time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        *_, objective = fit_ovr_squared_hinge(X, codes, costs, tol=1e-3, solver=solver,
                                              random_state=0)
    queue.put((time.process_time() - start, float(objective[:40].sum() if "(a)" in case
                                                   else objective.sum()), len(caught)))


def _run(case, solver):
    queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_fit, args=(case, solver, queue))
    child.start()
    child.join()
    return queue.get() if child.exitcode == 0 else None


def main():
    from _report import git_revision, machine_description, write_section

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    rows = []
    for case in CASES:
        results = {solver: _run(case, solver) for solver in SOLVERS}
        print(case, results, flush=True)
        cells = []
        for solver in SOLVERS:
            r = results[solver]
            cells.append(f"> {CAP_S} (capped) | " if r is None else
                         f"{r[0]:.2f}{' (max_iter)' if r[2] else ''} | {r[1]:.4f}")
        rows.append(f"| {case} | " + " | ".join(cells) + " |")
    lines = [
        "## ADMM against Newton and dual CD (`solver=\"admm\"`)",
        "",
        f"Machine: {machine_description()}; revision {git_revision()}. One BLAS thread, "
        "each fit in its own process, CPU seconds, `tol=1e-3`; objective: the sum over "
        "the columns (for the (a) sample, over its 40 sampled label sets). Produced by "
        "`benchmarks/admm.py`.",
        "",
        "| case | newton (s) | newton objective | dual-cd (s) | dual-cd objective "
        "| admm (s) | admm objective |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ]
    write_section("admm", "\n".join(lines))


if __name__ == "__main__":
    main()
