"""
==========
Quickstart
==========

Fit the whole framework (video frames + sound + text -> labels) on a small
synthetic data set, predict, score it with the paper's metrics, and look at
the F1 of every label next to the number of test clips that carry it.

The settings are reduced so that the example runs in about a minute on a
laptop CPU, offline: 2 frames per clip at 75x75 pixels, one SoundNet step,
small LSTMs, and random (untrained) Inception-V3 and SoundNet weights. With
the paper's settings (``make_disaster_pipeline()`` with its defaults) the
same code uses 40 frames at 299x299, 15 SoundNet steps and pretrained
weights.
"""

# %%
# A small data set of real media files
# ------------------------------------
# :func:`~skmmlc.datasets.make_disaster_demo` writes mp4 clips (H.264 video,
# AAC sound), a few separate wav files, one description per clip and a
# manifest CSV, with the seven concepts of the paper's Table I. ``X`` is a
# DataFrame with the columns ``video``, ``audio`` and ``text``; ``Y`` is a
# 0/1 indicator matrix. Everything is written to a temporary folder that is
# removed at the end.
import tempfile
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np

from skmmlc import make_disaster_pipeline
from skmmlc.datasets import make_disaster_demo
from skmmlc.metrics import (
    hamming_loss,
    mean_average_precision,
    micro_f1,
    per_label_report,
)
from skmmlc.model_selection import multilabel_train_test_split

start = time.perf_counter()
workdir = tempfile.TemporaryDirectory(prefix="skmmlc-quickstart-")
demo = make_disaster_demo(workdir.name, n_clips=48, seconds=2.0, frame_size=(64, 48), seed=0)
X, Y = demo.data, demo.target
labels = demo.target_names
print(X.columns.tolist())
print(X["text"].iloc[0])
print("Y:", Y.shape, "labels:", labels)

# A random split can leave a rare label with no test clip at all;
# :func:`~skmmlc.model_selection.multilabel_train_test_split` shares out every
# label's clips between the parts (iterative stratification).
X_train, X_test, Y_train, Y_test = multilabel_train_test_split(
    X, Y, test_size=0.4, random_state=0
)
print("test clips per label:", dict(zip(labels, Y_test.sum(axis=0).tolist())))

# %%
# A small pipeline
# ----------------
# :func:`~skmmlc.make_disaster_pipeline` builds the
# :class:`~skmmlc.MultimodalDisasterPipeline`: a ``fusion`` ColumnTransformer
# with one ``static`` extractor and one ``temporal`` ResBiLSTM per modality,
# then ``scale``, ``select`` (random-forest ranking + recursive elimination)
# and ``classify`` (the weighted label-powerset SVM).
model = make_disaster_pipeline(
    n_frames=2,
    image_size=75,
    visual_weights=None,  # random Inception-V3 (no download)
    audio_steps=1,
    audio_weights=None,  # random SoundNet (no download)
    max_tokens=10,
    temporal=dict(units=4, dense_units=8, epochs=10),
    select=dict(step=4),
    random_state=0,
)
print([name for name, _ in model.steps])
print(sorted(name for name, *_ in model.named_steps["fusion"].transformers))

# %%
# Fit, predict, score
# -------------------
# ``predict`` returns the 0/1 label matrix; ``decision_function`` returns one
# score per label (positive exactly for the predicted labels), which the
# mean average precision needs.
#
# On so few clips almost every label set is its own powerset class, and
# scikit-learn's SVC warns that this looks like regression; the warning is
# harmless here.
warnings.filterwarnings("ignore", message="The number of unique classes")
model.fit(X_train, Y_train)
Y_pred = model.predict(X_test)
Y_score = model.decision_function(X_test)

print(f"micro-F1      {micro_f1(Y_test, Y_pred):.3f}")
print(f"Hamming loss  {hamming_loss(Y_test, Y_pred):.3f}")
print(f"MAP           {mean_average_precision(Y_test, Y_score):.3f}")
select = model.named_steps["select"]
print(f"features kept by the selector: {select.n_features_} of {select.n_features_in_}")

# %%
# Per-label F1 and the number of test positives
# ---------------------------------------------
# :func:`~skmmlc.metrics.per_label_report` gives precision, recall, F1, the
# number of test clips carrying each label (``support``) and the P/N ratio of
# the paper's Table I. An F1 means little without its support: with two test
# positives it can only be 0, 0.5, 0.67 or 1-ish. The figure puts both side
# by side and prints the value on every bar, so that a 0 is visible. With 20
# test clips and random CNN weights the numbers themselves say little; the
# figure is the one to look at on your own data.
report = per_label_report(Y_test, Y_pred, label_names=labels)
print(report.round(3).to_string())

fig, (ax_f1, ax_n) = plt.subplots(
    1, 2, figsize=(9, 4), sharey=True, gridspec_kw=dict(width_ratios=[3, 2])
)
rows = np.arange(len(labels))[::-1]  # first label on top
ax_f1.barh(rows, report["f1"], color="tab:blue")
for y, f1, n in zip(rows, report["f1"], report["support"]):
    text = f"{f1:.2f}" if n else "no test positives"
    ax_f1.text(f1 + 0.02, y, text, va="center", fontsize=9)
ax_f1.set_yticks(rows, labels)
ax_f1.set_xlim(0, 1.25)
ax_f1.set_xlabel("F1 on the test clips")
ax_f1.axvline(micro_f1(Y_test, Y_pred), color="k", ls="--", lw=1)
ax_f1.text(micro_f1(Y_test, Y_pred), rows[-1] - 0.7, " micro-F1", fontsize=8)
ax_f1.set_ylim(rows[-1] - 1, rows[0] + 0.6)

ax_n.barh(rows + 0.2, Y_test.sum(axis=0), height=0.4, color="tab:gray", label="true")
ax_n.barh(rows - 0.2, Y_pred.sum(axis=0), height=0.4, color="tab:orange",
          label="predicted")
for y, n_true, n_pred in zip(rows, Y_test.sum(axis=0), Y_pred.sum(axis=0)):
    ax_n.text(n_true + 0.2, y + 0.2, str(n_true), va="center", fontsize=8)
    ax_n.text(n_pred + 0.2, y - 0.2, str(n_pred), va="center", fontsize=8)
ax_n.set_xlim(0, 1.15 * max(Y_test.sum(axis=0).max(), Y_pred.sum(axis=0).max()) + 0.5)
ax_n.set_xlabel("test clips with the label")
ax_n.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8, frameon=False)
fig.suptitle(f"Per-label results on {len(Y_test)} test clips (demo data, random CNN weights)")
fig.tight_layout()

# %%
# Clean up
# --------
workdir.cleanup()
print(f"total time {time.perf_counter() - start:.1f} s")
