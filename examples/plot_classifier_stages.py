"""
=========================================================
The classifier stages alone, on a tabular multi-label set
=========================================================

The last two stages of the framework, :class:`~skmmlc.RFRecursiveSelector`
(Algorithm 1 of the paper: random-forest ranking and recursive feature
elimination) and :class:`~skmmlc.LabelPowersetWeightedSVC` (the label
powerset SVM weighted against label imbalance), are ordinary scikit-learn
estimators for any multi-label data with numeric features. This example draws
the selector's elimination curve with its stopping point, and compares the
weighting rules of the SVM label by label.

Where the data come from:

- if the environment variable ``SKMMLC_EMOTIONS`` (or the first command line
  argument) names Mulan's ``emotions-train.arff`` (with ``emotions-test.arff``
  and ``emotions.xml`` beside it), the standard train/test split is used;
- otherwise a synthetic set of the same shape is made with
  :func:`sklearn.datasets.make_multilabel_classification`, so the example
  runs anywhere, offline, with labels as imbalanced as the paper's. It has
  20 features rather than 72: with 72 of its features most pairs of label
  sets are linearly separable, and every weighting then gives the same
  hard-margin SVM.
"""

# %%
# Data
# ----
import os
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import make_multilabel_classification
from sklearn.preprocessing import StandardScaler

from skmmlc import LabelPowersetWeightedSVC, RFRecursiveSelector
from skmmlc.datasets import load_mulan
from skmmlc.metrics import (
    hamming_loss,
    mean_average_precision,
    micro_f1,
    per_label_report,
)
from skmmlc.model_selection import multilabel_train_test_split

start = time.perf_counter()
args = [a for a in sys.argv[1:] if not a.startswith("-")]
source = args[0] if args else os.environ.get("SKMMLC_EMOTIONS")
if source and Path(source).is_file():
    train_file = Path(source)
    test_file = train_file.with_name(train_file.name.replace("-train", "-test"))
    train = load_mulan(train_file)
    test = load_mulan(test_file)
    X_train, Y_train, X_test, Y_test = train.data, train.target, test.data, test.target
    label_names = list(train.target_names)
    data_name = f"Mulan {train.relation}"
else:
    # make_multilabel_classification gives labels of similar frequencies;
    # dropping most rows of some labels makes them rare, from about 5% to 50%
    # of the rows like the concepts of the paper's Table I.
    X, Y = make_multilabel_classification(
        n_samples=1700, n_features=20, n_classes=6, n_labels=2,
        allow_unlabeled=False, random_state=0,
    )
    rng = np.random.default_rng(0)
    drop = dict(zip(np.argsort(-Y.mean(axis=0)), [0, 0, 0.3, 0.6, 0.8, 0.9]))
    keep = np.ones(len(Y), dtype=bool)
    for label, fraction in drop.items():
        keep &= ~((Y[:, label] == 1) & (rng.random(len(Y)) < fraction))
    X, Y = X[keep], Y[keep]
    # stratified per label: the rare labels keep their share in both parts
    X_train, X_test, Y_train, Y_test = multilabel_train_test_split(
        X, Y, test_size=0.35, random_state=0
    )
    label_names = [f"label {j}" for j in range(Y.shape[1])]
    data_name = "synthetic data (SKMMLC_EMOTIONS not set)"

scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
print(data_name)
print(f"train {X_train.shape}, test {X_test.shape}")
print("training positives per label:", dict(zip(label_names, Y_train.sum(axis=0).tolist())))

# %%
# Recursive feature elimination, as in Algorithm 1
# ------------------------------------------------
# The selector ranks the features once by a random forest's mean decrease in
# Gini impurity (``importances_``), then drops the lowest-ranked ``step``
# features per round, refits the weighted SVM and scores it (micro-F1) on a
# held-out 20% of the training rows. ``patience=0`` is the paper's rule: stop
# at the first round whose score falls below the best one, and keep the best
# round's features. ``scores_`` and ``n_features_per_round_`` record every
# round.
#
# To see what the early stop leaves out, two more selectors with the same
# seed (so the same ranking and validation split) allow 3 worse rounds in a
# row (``patience=3``) and run the elimination to the end.
n_features = X_train.shape[1]
selectors = {
    patience: RFRecursiveSelector(
        LabelPowersetWeightedSVC(), step=1, patience=patience, random_state=0
    ).fit(X_train, Y_train)
    for patience in (0, 3, n_features)
}
for patience, sel in selectors.items():
    print(f"patience={patience}: {len(sel.scores_)} rounds, kept {sel.n_features_} "
          f"of {n_features} features")

fig, (ax_rank, ax_curve) = plt.subplots(
    1, 2, figsize=(10, 4), gridspec_kw=dict(width_ratios=[2, 3])
)
patient = selectors[3]
order = np.argsort(-patient.importances_, kind="stable")
kept = patient.support_[order]
ax_rank.bar(np.arange(n_features), patient.importances_[order],
            color=np.where(kept, "tab:green", "lightgray"))
ax_rank.set_xlabel("features, by rank")
ax_rank.set_ylabel("mean decrease in Gini impurity")
ax_rank.set_title(f"Random-forest ranking: {patient.n_features_} kept with patience=3",
                  fontsize=10)
ax_rank.set_xticks([])

full = selectors[n_features]
ax_curve.plot(full.n_features_per_round_, full.scores_, "o-", color="lightgray", ms=3,
              label="elimination run to the end")
for patience, color, width, offset in ((3, "tab:green", 4, (25, -30)),
                                       (0, "tab:blue", 2, (-25, -55))):
    sel = selectors[patience]
    ax_curve.plot(sel.n_features_per_round_, sel.scores_, "o-", color=color, lw=width,
                  ms=4, label=f"patience={patience}" + (" (the paper)" if patience == 0 else ""))
    ax_curve.plot(sel.n_features_, sel.scores_.max(), "*", ms=16, color=color,
                  markeredgecolor="k")
    last = sel.n_features_per_round_[-1], sel.scores_[-1]
    ax_curve.annotate(f"patience={patience}: stop", last, xytext=offset,
                      textcoords="offset points", ha="center", fontsize=8,
                      arrowprops=dict(arrowstyle="->", color=color))
ax_curve.plot([], [], "*", ms=12, color="w", markeredgecolor="k", label="kept (best round)")
ax_curve.invert_xaxis()  # elimination goes from all features to few
ax_curve.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
ax_curve.set_xlabel("features used in the round")
ax_curve.set_ylabel("validation micro-F1")
ax_curve.set_title("Recursive elimination: score of each round", fontsize=10)
ax_curve.legend(fontsize=8, loc="lower left")
fig.tight_layout()

# %%
# The validation score of a single 20% split is noisy, and the paper's rule
# stops at the first dip. ``patience`` tolerates a few worse rounds;
# ``cv=MultilabelStratifiedKFold(5)``
# (:class:`~skmmlc.model_selection.MultilabelStratifiedKFold`) scores each
# round on five folds instead, every label in every fold (five times the
# cost).

# %%
# Weighting rules, label by label
# -------------------------------
# ``weighting="paper"``: a row weighs the mean of ``1 / n_j`` over its labels
# (``n_j`` = training rows carrying label ``j``), rescaled to mean 1.
# ``"paper_literal"``: the same weights divided by the sum of the ``1 / n_j``,
# as the paper's formula is written; with the same ``C=0.9`` this is a much
# more strongly regularised SVM (``C`` times the mean weight, about
# ``1 / n_labels``). ``"balanced"``: every label set (powerset class) gets
# the same total weight. ``None``: the plain label-powerset SVM. Imbalance
# shows up in the rare labels, so the figure gives each label's F1 on the
# test split next to the number of test positives it rests on.
models = {
    "weighting='paper'": LabelPowersetWeightedSVC(weighting="paper"),
    "weighting='paper_literal'": LabelPowersetWeightedSVC(weighting="paper_literal"),
    "weighting='balanced'": LabelPowersetWeightedSVC(weighting="balanced"),
    "weighting=None": LabelPowersetWeightedSVC(weighting=None),
    "selector (patience=3) + 'paper'": RFRecursiveSelector(
        LabelPowersetWeightedSVC(), step=1, patience=3, random_state=0
    ),
}
rows, f1 = [], {}
for name, model in models.items():
    model.fit(X_train, Y_train)
    Y_pred = model.predict(X_test)
    f1[name] = per_label_report(Y_test, Y_pred, label_names=label_names)["f1"]
    rows.append({
        "model": name,
        "micro-F1": micro_f1(Y_test, Y_pred),
        "HL": hamming_loss(Y_test, Y_pred),
        "MAP": mean_average_precision(Y_test, model.decision_function(X_test)),
    })
print(pd.DataFrame(rows).set_index("model").round(3).to_string())

support = Y_test.sum(axis=0)
fig, ax = plt.subplots(figsize=(10, 4.8))
width = 0.8 / len(models)
x = np.arange(len(label_names))
for k, (name, values) in enumerate(f1.items()):
    bars = ax.bar(x + (k - (len(models) - 1) / 2) * width, values, width, label=name)
    ax.bar_label(bars, fmt="%.2f", fontsize=6, padding=1)
ax.set_xticks(x, [f"{name}\n{n} test positives" for name, n in zip(label_names, support)],
              fontsize=8)
ax.set_ylabel("F1 on the test split")
ax.set_ylim(0, 1.1)
ax.set_title(f"Per-label F1 of the weighting rules ({data_name})", fontsize=10)
ax.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.2),
          frameon=False)
fig.tight_layout()

print(f"total time {time.perf_counter() - start:.1f} s")
