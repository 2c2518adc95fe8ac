"""
==========================================
Grid search over nested pipeline parameters
==========================================

Tune parameters of three different stages of the pipeline at once with
:class:`~sklearn.model_selection.GridSearchCV`:

- ``select__step``: features dropped per round by the random-forest selector;
- ``classify__C``: penalty of the weighted label-powerset SVM;
- ``fusion__text__temporal__units``: LSTM units of the text branch.

Static feature extraction (the expensive part on real data) learns nothing,
so with ``memory=`` each clip's features are computed once and read from the
cache for every other fold and setting. The fitted ``fusion`` step is cached
too, so settings that differ only in ``select`` or ``classify`` parameters do
not retrain the LSTMs.

To keep the example fast it uses only the text and audio modalities, random
SoundNet weights and tiny LSTMs.
"""

# %%
# Data
# ----
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd
from sklearn.model_selection import GridSearchCV, KFold, train_test_split

from skmmlc import make_disaster_pipeline
from skmmlc.datasets import make_disaster_demo
from skmmlc.metrics import (
    hamming_loss,
    mean_average_precision,
    micro_f1,
    multilabel_scoring,
)

# On so few clips almost every label set is its own powerset class, and
# scikit-learn's SVC warns that this looks like regression; harmless here.
warnings.filterwarnings("ignore", message="The number of unique classes")

start = time.perf_counter()
folder = Path(tempfile.mkdtemp(prefix="skmmlc-grid-"))
demo = make_disaster_demo(folder / "data", n_clips=40, seconds=2.0,
                          frame_size=(32, 32), seed=0)
X_train, X_test, Y_train, Y_test = train_test_split(
    demo.data, demo.target, test_size=0.25, random_state=0
)

# %%
# Pipeline with a cache
# ---------------------
# ``memory`` is passed to :class:`~sklearn.pipeline.Pipeline` and, as
# ``<memory>/skmmlc-features``, to every extractor's ``cache``. Cache entries
# are keyed by the extractor's parameters and weights and by each file's
# path, size and modification time.
cache = folder / "cache"
model = make_disaster_pipeline(
    modalities=("text", "audio"),
    audio_steps=1,
    audio_weights=None,  # random SoundNet (no download)
    max_tokens=10,
    temporal=dict(units=4, dense_units=8, epochs=5),
    select=dict(step=4),
    memory=cache,
    random_state=0,
)

# With the paper's weighting a row weighs about ``1 / n_labels`` (the loss is
# normalised by the sum of the inverse label frequencies), so the same ``C``
# regularises much more than in a plain SVC: search it on a log scale. Note
# that ``classify__C`` sets the final classifier only; the selector scores
# its rounds with its own ``select__estimator`` (default
# ``LabelPowersetWeightedSVC()``).
param_grid = {
    "select__step": [2, 8],
    "classify__C": [1.0, 100.0],
    "fusion__text__temporal__units": [4, 8],
}

# %%
# Search
# ------
# :func:`skmmlc.metrics.multilabel_scoring` gives the paper's three metrics as
# scorers (the Hamming loss negated, so that greater is better); ``refit``
# picks the one that chooses the final model. The MAP scorer uses the
# pipeline's ``decision_function`` (per-label scores).
search = GridSearchCV(
    model,
    param_grid,
    scoring=multilabel_scoring(),
    refit="micro_f1",
    cv=KFold(3, shuffle=True, random_state=0),
)
search.fit(X_train, Y_train)

results = pd.DataFrame(search.cv_results_)
columns = ["param_" + name for name in param_grid] + [
    "mean_test_micro_f1",
    "mean_test_hamming_loss",
    "mean_test_map",
]
print(results[columns].round(3).to_string(index=False))
print("best:", search.best_params_)

# %%
# The cache
# ---------
# One ``.npy`` file per clip and modality, although the search fitted the
# pipeline 3 x 8 + 1 = 25 times.
n_files = len(list((cache / "skmmlc-features").rglob("*.npy")))
print(f"{n_files} cached static feature files for {len(X_train)} training clips "
      "x 2 modalities")

# %%
# Test scores of the refitted best model
# --------------------------------------
best = search.best_estimator_
Y_pred = best.predict(X_test)
print(f"micro-F1      {micro_f1(Y_test, Y_pred):.3f}")
print(f"Hamming loss  {hamming_loss(Y_test, Y_pred):.3f}")
print(f"MAP           {mean_average_precision(Y_test, best.decision_function(X_test)):.3f}")
print(f"total time {time.perf_counter() - start:.1f} s")
