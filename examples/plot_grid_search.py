"""
===========================================
Grid search over nested pipeline parameters
===========================================

Tune parameters of two stages of the pipeline at once with
:class:`~sklearn.model_selection.GridSearchCV`, through their nested names:

- ``classify__C``: penalty of the weighted label-powerset SVM (the last
  step);
- ``select__step``: features dropped per round by the random-forest
  selector.

Any parameter of any stage can be searched the same way, e.g.
``fusion__text__temporal__units`` (LSTM units of the text branch) or
``fusion__visual__static__n_frames``; see the :doc:`/user_guide/tuning` page.

Static feature extraction (the expensive part on real data) learns nothing,
so with ``memory=`` each clip's features are computed once and read from the
cache for every other fold and setting. The fitted ``fusion`` step is cached
too, so settings that differ only in ``select`` or ``classify`` parameters do
not retrain the LSTMs.

To keep the example fast it uses only the text and audio modalities, random
SoundNet weights and tiny LSTMs. All files go to a temporary folder that is
removed at the end.
"""

# %%
# Data
# ----
import tempfile
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV

from skmmlc import make_disaster_pipeline
from skmmlc.datasets import make_disaster_demo
from skmmlc.metrics import (
    hamming_loss,
    mean_average_precision,
    micro_f1,
    multilabel_scoring,
)
from skmmlc.model_selection import MultilabelStratifiedKFold, multilabel_train_test_split

# On so few clips almost every label set is its own powerset class, and
# scikit-learn's SVC warns that this looks like regression; harmless here.
warnings.filterwarnings("ignore", message="The number of unique classes")
# The rarest label ("Demo") has 3 of the 40 clips: fewer training clips than
# folds, so one fold has none, and the splitter says so. Expected here.
warnings.filterwarnings("ignore", message="The least populated label")

start = time.perf_counter()
workdir = tempfile.TemporaryDirectory(prefix="skmmlc-grid-")
folder = Path(workdir.name)
demo = make_disaster_demo(folder / "data", n_clips=40, seconds=2.0,
                          frame_size=(32, 32), seed=0)
# Train and test parts, and below the folds of the search, stratified per
# label (iterative stratification), so that a rare label is not left out of
# a part by chance.
X_train, X_test, Y_train, Y_test = multilabel_train_test_split(
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
    memory=cache,
    random_state=0,
)
print(f"{len(model.get_params())} parameters, e.g.",
      [name for name in model.get_params() if name.startswith("select__")][:4])

# The selector scores its rounds with its own ``select__estimator`` (by
# default a ``LabelPowersetWeightedSVC`` like the last step); ``classify__C``
# sets the final classifier only.
param_grid = {
    "classify__C": [0.01, 0.1, 1.0, 10.0],
    "select__step": [1, 8],
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
    cv=MultilabelStratifiedKFold(3, shuffle=True, random_state=0),
)
search.fit(X_train, Y_train)

results = pd.DataFrame(search.cv_results_)
columns = ["param_" + name for name in param_grid] + [
    "mean_test_micro_f1",
    "mean_test_hamming_loss",
    "mean_test_map",
    "mean_fit_time",
    "mean_score_time",
]
print(results[columns].round(3).to_string(index=False))
print("best:", search.best_params_)

# %%
# The results as heat maps
# ------------------------
# One cell per setting, the mean over the three folds written in it; the
# refitted setting is framed. With about 30 training clips the differences between
# neighbouring cells are within the noise of three folds: read the map for
# its broad shape (here: which ``C`` is too small), not for the best cell.
Cs, steps = param_grid["classify__C"], param_grid["select__step"]
fig, axes = plt.subplots(1, 2, figsize=(8, 3.6), sharey=True, layout="constrained")
for ax, (key, title) in zip(axes, [("micro_f1", "micro-F1"), ("map", "MAP")]):
    table = results.pivot_table(
        index="param_classify__C", columns="param_select__step",
        values=f"mean_test_{key}",
    ).loc[Cs, steps]
    values = table.to_numpy()
    ax.imshow(values, cmap="viridis", aspect="auto")
    middle = (values.min() + values.max()) / 2
    for (i, j), value in np.ndenumerate(values):
        ax.text(j, i, f"{value:.2f}", ha="center", va="center",
                color="w" if value < middle else "k", fontsize=10)
    best_i = Cs.index(search.best_params_["classify__C"])
    best_j = steps.index(search.best_params_["select__step"])
    ax.add_patch(plt.Rectangle((best_j - 0.5, best_i - 0.5), 1, 1, fill=False,
                               edgecolor="tab:red", lw=2.5))
    ax.set_xticks(range(len(steps)), steps)
    ax.set_yticks(range(len(Cs)), Cs)
    ax.set_xlabel("select__step")
    ax.set_title(f"mean {title} over 3 folds", fontsize=10)
axes[0].set_ylabel("classify__C")
fig.suptitle("GridSearchCV over two stages (brighter is better; red: refitted)", fontsize=11)

# %%
# The cache
# ---------
# One file per clip and modality, although the search fitted the
# pipeline 3 x 8 + 1 = 25 times.
n_files = sum(p.is_file() for p in (cache / "skmmlc-features").rglob("*"))
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

# %%
# Clean up
# --------
workdir.cleanup()
print(f"total time {time.perf_counter() - start:.1f} s")
