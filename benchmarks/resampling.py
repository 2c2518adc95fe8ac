"""Do the multi-label samplers help on emotions and scene? (issue 18)

Standard Mulan train/test splits. Each model is
``StandardScaler -> ResampledClassifier(sampler, classifier)``: the sampler
resamples the (scaled) training split only, never the test split. Two
classifiers: the weighted label-powerset SVM (``LabelPowersetWeightedSVC``,
RBF kernel, C=1, default ``weighting="paper"``, and the same with
``weighting=None``, so that resampling is not stacked on the weights) and a
per-label classifier (one logistic regression per label). Random samplers
are run with several seeds (mean and standard deviation over seeds).
Fixed settings, nothing tuned: the question is what the sampler changes.

A stress test makes one label rare: emotions with only 20% (``--thin``) of
its rarest label's training rows (test split unchanged).

Metrics on the test split: micro-F1, macro-F1, the mean F1 of the minority
labels (IRLbl > MeanIR on the training split) and the F1 of the rarest
training label.

Run from the repository root::

    python benchmarks/resampling.py [--data ../shared/data/mulan] [--seeds 0 1 2 3 4]

Writes the ``resampling`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _report import git_revision, machine_description, write_section
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmmlc import LabelPowersetWeightedSVC
from skmmlc.datasets import load_mulan
from skmmlc.metrics import (
    cv_imbalance_ratio,
    label_imbalance_ratio,
    mean_imbalance_ratio,
    scumble,
)
from skmmlc.resampling import (
    MLROS,
    MLRUS,
    MLSMOTE,
    REMEDIAL,
    ResampledClassifier,
)

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mulan"

CLASSIFIERS = {
    "LP-SVM (paper weights)": LabelPowersetWeightedSVC(kernel="rbf", C=1.0),
    "LP-SVM (no weights)": LabelPowersetWeightedSVC(kernel="rbf", C=1.0, weighting=None),
    "per-label LogReg": OneVsRestClassifier(LogisticRegression(max_iter=2000)),
}
SAMPLERS = {
    "none": None,
    "MLROS 25%": MLROS(percentage=25),
    "MLRUS 25%": MLRUS(percentage=25),
    "MLSMOTE k=5": MLSMOTE(k_neighbors=5),
    "MLSMOTE k=5 intersection": MLSMOTE(k_neighbors=5, label_rule="intersection"),
    "REMEDIAL": REMEDIAL(),
}


def evaluate(classifier, sampler, X_tr, Y_tr, X_te, Y_te, seed):
    estimator = clone(classifier)
    n_rows = X_tr.shape[0]
    if sampler is not None:
        sampler = clone(sampler)
        if "random_state" in sampler.get_params():
            sampler.set_params(random_state=seed)
        estimator = ResampledClassifier(sampler, estimator)
    model = make_pipeline(StandardScaler(), estimator)
    start = time.perf_counter()
    with warnings.catch_warnings():  # a label constant in training: predicted as such
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X_tr, Y_tr)
    seconds = time.perf_counter() - start
    if sampler is not None:
        n_rows = model[-1].n_resampled_
    Y_pred = np.asarray(model.predict(X_te))
    per_label = f1_score(Y_te, Y_pred, average=None, zero_division=0.0)
    return {
        "micro": f1_score(Y_te, Y_pred, average="micro", zero_division=0.0),
        "macro": per_label.mean(),
        "per_label": per_label,
        "rows": n_rows,
        "seconds": seconds,
    }


def run_dataset(root, name, seeds, log, thin=None):
    train = load_mulan(root / name / f"{name}-train.arff")
    test = load_mulan(root / name / f"{name}-test.arff")
    X_tr, Y_tr, X_te, Y_te = train.data, train.target, test.data, test.target
    if thin is not None:  # a stress test: keep only `thin` of the rarest label's rows
        rarest = int(np.argmax(label_imbalance_ratio(Y_tr)))
        rows = np.flatnonzero(Y_tr[:, rarest])
        drop = np.random.default_rng(0).permutation(rows)[int(round(thin * len(rows))):]
        keep = np.setdiff1d(np.arange(len(Y_tr)), drop)
        X_tr, Y_tr = X_tr[keep], Y_tr[keep]
        name = f"{name}, {train.target_names[rarest]} thinned to {thin:.0%}"
    irlbl = label_imbalance_ratio(Y_tr)
    minority = irlbl > irlbl.mean()
    rarest = int(np.argmax(irlbl))
    info = {
        "name": name,
        "train": X_tr.shape,
        "test": X_te.shape[0],
        "labels": list(train.target_names),
        "counts": Y_tr.sum(axis=0).tolist(),
        "mean_ir": mean_imbalance_ratio(Y_tr),
        "max_ir": float(irlbl.max()),
        "cvir": cv_imbalance_ratio(Y_tr),
        "scumble": scumble(Y_tr),
        "minority": [train.target_names[j] for j in np.flatnonzero(minority)],
        "rarest": train.target_names[rarest],
    }
    rows = []
    for clf_name, classifier in CLASSIFIERS.items():
        for s_name, sampler in SAMPLERS.items():
            random = sampler is not None and "random_state" in sampler.get_params()
            results = [evaluate(classifier, sampler, X_tr, Y_tr, X_te, Y_te, seed)
                       for seed in (seeds if random else seeds[:1])]
            minority_f1 = [r["per_label"][minority].mean() for r in results]
            rarest_f1 = [r["per_label"][rarest] for r in results]
            row = {
                "dataset": name,
                "classifier": clf_name,
                "sampler": s_name,
                "runs": len(results),
                "train_rows": int(np.mean([r["rows"] for r in results])),
            }
            for key, values in (("micro", [r["micro"] for r in results]),
                                ("macro", [r["macro"] for r in results]),
                                ("minority", minority_f1), ("rarest", rarest_f1)):
                row[key], row[key + "_sd"] = float(np.mean(values)), float(np.std(values))
            row["seconds"] = float(np.mean([r["seconds"] for r in results]))
            rows.append(row)
            log(f"{name:8s} {clf_name:24s} {s_name:26s} micro {row['micro']:.4f} "
                f"macro {row['macro']:.4f} minority {row['minority']:.4f} "
                f"rarest {row['rarest']:.4f} ({row['seconds']:.1f} s)")
    return info, pd.DataFrame(rows)


def cell(row, key):
    value = f"{row[key]:.4f}"
    return value + (f" ± {row[key + '_sd']:.3f}" if row["runs"] > 1 else "")


def to_markdown(infos, table, seeds):
    lines = [
        "## Multi-label resampling (emotions, scene)",
        "",
        f"`python benchmarks/resampling.py --seeds {' '.join(map(str, seeds))}` "
        f"(revision {git_revision()}); machine: {machine_description()}.",
        "",
        "Standard Mulan splits; `StandardScaler -> ResampledClassifier(sampler, "
        "classifier)`, the sampler on the training split only; fixed settings, "
        "nothing tuned. LP-SVM: `LabelPowersetWeightedSVC(kernel=\"rbf\", C=1)`, "
        "with the paper's weights or `weighting=None`; per-label: one "
        "`LogisticRegression` per label. Random samplers: mean ± standard "
        f"deviation over {len(seeds)} seeds. *Minority*: mean F1 of the labels "
        "with IRLbl > MeanIR on the training split; *rarest*: F1 of the rarest "
        "training label. The third data set is a stress test: emotions with only "
        "a share of its rarest label's training rows (drawn with seed 0), the test "
        "split unchanged.",
        "",
        "| data set | train rows | MeanIR | MaxIR | CVIR | SCUMBLE | minority labels "
        "| rarest |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i in infos:
        lines.append(
            f"| {i['name']} | {i['train'][0]} | {i['mean_ir']:.4f} | {i['max_ir']:.4f} | "
            f"{i['cvir']:.4f} | {i['scumble']:.4f} | {', '.join(i['minority'])} | "
            f"{i['rarest']} |"
        )
    lines += [
        "",
        "| data set | classifier | sampler | train rows | micro-F1 | macro-F1 | "
        "minority F1 | rarest F1 | fit s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        lines.append(
            f"| {r['dataset']} | {r['classifier']} | {r['sampler']} | {r['train_rows']} | "
            f"{cell(r, 'micro')} | {cell(r, 'macro')} | {cell(r, 'minority')} | "
            f"{cell(r, 'rarest')} | {r['seconds']:.2f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--datasets", nargs="+", default=["emotions", "scene"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--thin", type=float, default=0.2,
                        help="also run emotions with only this share of its rarest "
                             "label's training rows (0 to skip)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    infos, tables = [], []
    for name in args.datasets:
        info, table = run_dataset(args.data, name, args.seeds, print)
        infos.append(info)
        tables.append(table)
    if args.thin and "emotions" in args.datasets:
        info, table = run_dataset(args.data, "emotions", args.seeds, print, thin=args.thin)
        infos.append(info)
        tables.append(table)
    markdown = to_markdown(infos, pd.concat(tables, ignore_index=True), args.seeds)
    print(markdown)
    if not args.no_write:
        write_section("resampling", markdown)


if __name__ == "__main__":
    main()
