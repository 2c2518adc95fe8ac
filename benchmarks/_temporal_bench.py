"""Time ResBiLSTMTemporal.fit at the paper's scale and check that it learns.

Usage: python benchmarks/_temporal_bench.py [--epochs N] [--units U] [--batch B]
          [--shapes visual,audio,text] [--jit] [--write]

Random float32 data in the three modalities' shapes (1,540 clips: visual 40 x
2048, audio 15 x 1024, text 20 x 50; 7 random labels, so nothing to learn:
early stopping decides the epochs as it would on data whose signal runs out),
plus a learnability check on a synthetic problem where each label is encoded
in a few random time steps.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from skmmlc.temporal._resbilstm import ResBiLSTMTemporal

SHAPES = {"visual": (40, 2048), "audio": (15, 1024), "text": (20, 50)}
N, N_LABELS = 1540, 7


def random_data(n_steps, dim, seed=0):
    rng = np.random.default_rng(seed)
    X = np.abs(rng.normal(size=(N, n_steps, dim))).astype(np.float32)
    lengths = rng.integers(n_steps // 2, n_steps + 1, size=N)
    X[np.arange(n_steps)[None, :] >= lengths[:, None]] = 0.0  # padding
    Y = (rng.random((N, N_LABELS)) < 0.2).astype(int)
    return X.reshape(N, -1), Y


def synthetic(n, n_steps, dim, seed=0):
    """Label j is on when its pattern vector is added at some time step."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_steps, dim)).astype(np.float32)
    patterns = rng.normal(size=(N_LABELS, dim)).astype(np.float32)
    Y = (rng.random((n, N_LABELS)) < 0.3).astype(int)
    for j in range(N_LABELS):
        rows = np.flatnonzero(Y[:, j])
        steps = rng.integers(0, n_steps, size=rows.size)
        X[rows, steps] += 1.5 * patterns[j]
    return X.reshape(n, -1), Y


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--units", type=int, default=None)
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--shapes", default="visual,audio,text")
    parser.add_argument("--no-learn", action="store_true")
    parser.add_argument("--crossfit", action="store_true",
                        help="only compare cv=None / cv=5 for a downstream linear SVM")
    args = parser.parse_args()
    params = {}
    if args.epochs:
        params["epochs"] = args.epochs
    if args.units:
        params["units"] = args.units
    if args.batch:
        params["batch_size"] = args.batch
    if args.crossfit:
        return crossfit(params)
    total = 0.0
    for name in args.shapes.split(","):
        n_steps, dim = SHAPES[name]
        X, Y = random_data(n_steps, dim)
        est = ResBiLSTMTemporal(n_steps=n_steps, random_state=0, **params)
        t0, c0 = time.perf_counter(), time.process_time()
        est.fit(X, Y)
        fit_s, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        est.transform(X)
        tr_s = time.perf_counter() - t0
        total += fit_s
        print(f"{name:7s} {n_steps}x{dim}: fit {fit_s:6.1f} s ({est.n_epochs_} epochs, "
              f"{fit_s / est.n_epochs_:.2f} s/epoch, CPU {fit_cpu:.1f} s), "
              f"transform {tr_s:.1f} s", flush=True)
    print(f"total fit {total:.1f} s")
    if args.no_learn:
        return
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.multioutput import MultiOutputClassifier

    Xs, Ys = synthetic(1200, 20, 50, seed=1)
    Xtr, Xte, Ytr, Yte = Xs[:900], Xs[900:], Ys[:900], Ys[900:]
    est = ResBiLSTMTemporal(n_steps=20, random_state=0, **params).fit(Xtr, Ytr)
    Ftr, Fte = est.transform(Xtr), est.transform(Xte)
    proba = est.model_.predict(est._sequences(Xte), verbose=0)
    clf = MultiOutputClassifier(LogisticRegression(max_iter=2000)).fit(Ftr, Ytr)
    proba_lr = np.stack([p[:, 1] for p in clf.predict_proba(Fte)], axis=1)
    print(f"synthetic (label = pattern at one of 20 steps): test macro AUC network "
          f"{roc_auc_score(Yte, proba, average='macro'):.3f}, logistic regression on "
          f"features {roc_auc_score(Yte, proba_lr, average='macro'):.3f} "
          f"({est.n_epochs_} epochs)")


def crossfit(params, seeds=(0, 1, 2)):
    """Downstream linear SVM (C=0.9) on temporal features: is cross fitting worth it?"""
    from sklearn.metrics import f1_score
    from sklearn.multioutput import MultiOutputClassifier
    from sklearn.svm import SVC

    settings = [("cv=None", dict(cv=None)), ("cv=5 linear", dict(cv=5)),
                ("cv=5 raw", dict(cv=5, cv_alignment=None))]
    scores = {name: [] for name, _ in settings}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        n, n_steps, dim = 400, 10, 20
        X = rng.normal(size=(n, n_steps, dim)).astype(np.float32)
        patterns = rng.normal(size=(4, dim)).astype(np.float32)
        Y = (rng.random((n, 4)) < 0.3).astype(int)
        for j in range(4):
            rows = np.flatnonzero(Y[:, j])
            X[rows, rng.integers(0, n_steps, size=rows.size)] += 0.5 * patterns[j]
        flip = rng.random(Y.shape) < 0.1  # label noise: something to overfit
        Y_noisy = np.where(flip, 1 - Y, Y)
        X = X.reshape(n, -1)
        tr, te = slice(0, 300), slice(300, None)
        for name, extra in settings:
            est = ResBiLSTMTemporal(n_steps=n_steps, random_state=seed,
                                    **{**params, **extra})
            F_tr = est.fit_transform(X[tr], Y_noisy[tr])
            F_te = est.transform(X[te])
            svm = MultiOutputClassifier(SVC(kernel="linear", C=0.9)).fit(F_tr, Y_noisy[tr])
            scores[name].append(f1_score(Y[te], svm.predict(F_te), average="micro"))
            print(f"seed {seed} {name:12s} test micro-F1 {scores[name][-1]:.3f}", flush=True)
    for name, vals in scores.items():
        print(f"{name:12s} mean test micro-F1 {np.mean(vals):.3f} (+- {np.std(vals):.3f})")


if __name__ == "__main__":
    main()
