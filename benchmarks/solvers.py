"""liblinear against the batched Newton solver: the measurements behind ``solver="auto"``.

Each case is a ``K``-class problem of ``n`` rows and ``d`` features (class
frequencies Zipf ``1 / rank``, features ``0.3 * class centre + N(0, 1)``,
row weights uniform in [0.5, 2], C=0.9, tol=1e-3), fitted by
``LinearSVC`` (liblinear, one-vs-rest, what ``solver="liblinear"`` runs) and
by :func:`skmmlc.multilabel._linear.fit_ovr_squared_hinge` (what
``solver="newton"`` runs). Reported: wall and CPU seconds of each, and the
relative difference of the summed objectives (negative: Newton's is lower).

Run from the repository root::

    nice .venv/bin/python benchmarks/solvers.py

Prints one JSON line per case.
"""

import json
import resource
import time
import warnings

import numpy as np

CASES = [(6000, 300, 2), (6000, 1000, 2), (2000, 100, 8), (6000, 1000, 3), (6000, 1000, 8)]


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    from sklearn.svm import LinearSVC

    from skmmlc.multilabel._linear import fit_ovr_squared_hinge, ovr_objective

    rng = np.random.default_rng(0)
    for n, d, K in CASES:
        p = 1 / np.arange(1, K + 1)
        codes = np.unique(rng.choice(K, n, p=p / p.sum()), return_inverse=True)[1]
        X = rng.normal(size=(codes.max() + 1, d))[codes] * 0.3 + rng.normal(size=(n, d))
        w = rng.uniform(0.5, 2, n)
        costs = 0.9 * w
        t0, c0 = time.perf_counter(), _cpu()
        coef, b, _, _ = fit_ovr_squared_hinge(X, codes, costs, tol=1e-3)
        newton_s, newton_cpu = time.perf_counter() - t0, _cpu() - c0
        t0, c0 = time.perf_counter(), _cpu()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = LinearSVC(C=0.9, tol=1e-3).fit(X, codes, sample_weight=w)
        lib_s, lib_cpu = time.perf_counter() - t0, _cpu() - c0
        if codes.max() == 1:  # liblinear keeps one column for two classes
            coef, b = coef[1:], b[1:]
        ours = ovr_objective(X, codes, coef, b, costs).sum()
        theirs = ovr_objective(X, codes, ref.coef_, ref.intercept_, costs).sum()
        print(json.dumps({
            "n": n, "d": d, "K": int(codes.max() + 1),
            "newton_s": round(newton_s, 2), "newton_cpu": round(newton_cpu, 2),
            "liblinear_s": round(lib_s, 2), "liblinear_cpu": round(lib_cpu, 2),
            "objective_rel": float((ours - theirs) / theirs),
        }), flush=True)


if __name__ == "__main__":
    main()
