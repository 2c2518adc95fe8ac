"""
=====================================================
The classifier stages alone, on a tabular multi-label set
=====================================================

The last two stages of the framework, :class:`~skmmlc.RFRecursiveSelector`
and :class:`~skmmlc.LabelPowersetWeightedSVC`, are ordinary scikit-learn
estimators for any multi-label data with numeric features. This example runs
them on the Mulan *emotions* data set (music clips, 72 audio features, 6
emotion labels) and compares the weighting rules of the SVM.

Where the data come from:

- if the environment variable ``SKMMLC_EMOTIONS`` (or the first command line
  argument) names Mulan's ``emotions-train.arff`` (with ``emotions-test.arff``
  and ``emotions.xml`` beside it), the standard train/test split is used;
- otherwise a synthetic set of the same shape is made with
  :func:`sklearn.datasets.make_multilabel_classification`, so the example
  runs anywhere. It has 20 features rather than 72: with 72 of its
  features most pairs of label sets are linearly separable, and every
  weighting then gives the same hard-margin SVM.
"""

# %%
# Data
# ----
import os
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
from sklearn.datasets import make_multilabel_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skmmlc import LabelPowersetWeightedSVC, RFRecursiveSelector
from skmmlc.datasets import load_mulan
from skmmlc.metrics import hamming_loss, mean_average_precision, micro_f1

# Small label sets with one or two rows make SVC warn that y "could represent
# a regression problem"; harmless for a label powerset.
warnings.filterwarnings("ignore", message="The number of unique classes")

start = time.perf_counter()
args = [a for a in sys.argv[1:] if not a.startswith("-")]
source = args[0] if args else os.environ.get("SKMMLC_EMOTIONS")
if source and Path(source).is_file():
    train_file = Path(source)
    test_file = train_file.with_name(train_file.name.replace("-train", "-test"))
    train = load_mulan(train_file)
    test = load_mulan(test_file)
    X_train, Y_train, X_test, Y_test = train.data, train.target, test.data, test.target
    label_names = train.target_names
    print(f"Mulan {train.relation}: {train_file}")
else:
    X, Y = make_multilabel_classification(
        n_samples=593, n_features=20, n_classes=6, n_labels=2,
        allow_unlabeled=False, random_state=0,
    )
    X_train, X_test, Y_train, Y_test = train_test_split(
        X, Y, test_size=202, random_state=0
    )
    label_names = [f"label_{j}" for j in range(Y.shape[1])]
    print("SKMMLC_EMOTIONS not set: synthetic data (593 rows, 6 labels)")

scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
print(f"train {X_train.shape}, test {X_test.shape}, labels {label_names}")
print("label frequencies in train:", Y_train.mean(axis=0).round(2).tolist())

# %%
# Models
# ------
# ``weighting="paper"``: a row weighs the mean of ``1 / n_j`` over its labels
# (``n_j`` = training rows carrying label ``j``), normalised by the sum of
# the ``1 / n_j``. ``"balanced"``: every label set (powerset class) gets the
# same total weight. ``None``: plain label powerset SVM. Because the paper's
# normalisation makes each row weigh about ``1 / n_labels``, ``C`` is also
# shown 10 times larger.
#
# The selector ranks features by a random forest's Gini importance and drops
# ``step`` of the least important at a time while the micro-F1 on a held-out
# 20% of the training rows does not fall.
models = {
    "LP-SVC weighting='paper', C=0.9 (paper)": LabelPowersetWeightedSVC(weighting="paper"),
    "LP-SVC weighting='paper', C=9": LabelPowersetWeightedSVC(C=9.0, weighting="paper"),
    "LP-SVC weighting='balanced', C=0.9": LabelPowersetWeightedSVC(weighting="balanced"),
    "LP-SVC weighting=None, C=0.9": LabelPowersetWeightedSVC(weighting=None),
    "RFRecursiveSelector + LP-SVC (paper)": RFRecursiveSelector(
        LabelPowersetWeightedSVC(), step=0.05, patience=2, random_state=0
    ),
}

# %%
# Scores on the test split
# ------------------------
# MAP ranks each test instance's labels by ``decision_function`` (per-label
# max-marginal scores of the powerset SVM).
rows = []
for name, model in models.items():
    t0 = time.perf_counter()
    model.fit(X_train, Y_train)
    fit_seconds = time.perf_counter() - t0
    Y_pred = model.predict(X_test)
    Y_score = model.decision_function(X_test)
    rows.append({
        "model": name,
        "micro-F1": micro_f1(Y_test, Y_pred),
        "HL": hamming_loss(Y_test, Y_pred),
        "MAP": mean_average_precision(Y_test, Y_score),
        "fit s": fit_seconds,
    })
    if isinstance(model, RFRecursiveSelector):
        print(f"{name}: kept {model.n_features_} of {model.n_features_in_} features "
              f"after {len(model.scores_)} rounds")

print(pd.DataFrame(rows).set_index("model").round(3).to_string())
print(f"total time {time.perf_counter() - start:.1f} s")
