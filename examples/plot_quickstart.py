"""
==========
Quickstart
==========

Fit the whole framework (video frames + sound + text -> labels) on a tiny
synthetic data set, predict, and score it with the paper's metrics.

The settings are reduced so that the example runs in well under a minute on
a laptop CPU, offline: 2 frames per clip at 75x75 pixels, one SoundNet step,
small LSTMs, and random (untrained) Inception-V3 and SoundNet weights. With
the paper's settings (``make_disaster_pipeline()`` with its defaults) the
same code uses 40 frames at 299x299, 15 SoundNet steps and pretrained weights.
"""

# %%
# A small data set of real media files
# ------------------------------------
# :func:`~skmmlc.datasets.make_disaster_demo` writes mp4 clips (H.264 video,
# AAC sound), a few separate wav files, one description per clip and a
# manifest CSV, with the seven concepts of the paper's Table I. ``X`` is a
# DataFrame with the columns ``video``, ``audio`` and ``text``; ``Y`` is a
# 0/1 indicator matrix.
import tempfile
import time
import warnings

from sklearn.model_selection import train_test_split

from skmmlc import make_disaster_pipeline
from skmmlc.datasets import make_disaster_demo
from skmmlc.metrics import (
    hamming_loss,
    mean_average_precision,
    micro_f1,
    per_label_report,
)

start = time.perf_counter()
folder = tempfile.mkdtemp(prefix="skmmlc-quickstart-")
demo = make_disaster_demo(folder, n_clips=40, seconds=2.0, frame_size=(64, 48), seed=0)
X, Y = demo.data, demo.target
print(X.columns.tolist())
print(X["text"].iloc[0])
print("Y:", Y.shape, "labels:", demo.target_names)

X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.3, random_state=0)

# %%
# A tiny pipeline
# ---------------
# :func:`~skmmlc.make_disaster_pipeline` builds the
# :class:`~skmmlc.MultimodalDisasterPipeline`: a ``fusion`` ColumnTransformer
# with one ``static`` extractor and one ``temporal`` ResBiLSTM per modality,
# then ``select`` (random-forest ranking + recursive elimination) and
# ``classify`` (the weighted label-powerset SVM).
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
print("features kept by the selector:", model.named_steps["select"].n_features_, "of",
      model.named_steps["select"].n_features_in_)

# %%
# Per-label report
# ----------------
# Precision, recall and F1 per concept, with its support and the P/N ratio
# of the paper's Table I. With 12 test clips and random CNN weights the
# numbers say little; they are here to show the API.
report = per_label_report(Y_test, Y_pred, label_names=demo.target_names)
print(report.round(3).to_string())
print(f"total time {time.perf_counter() - start:.1f} s")
