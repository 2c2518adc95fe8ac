"""The static features every row of Table II starts from, and their reshaping.

:func:`extract_static_features` runs each modality's extractor once;
:func:`align_steps` (early fusion) and :func:`mean_pool_steps` (the static
baseline) reshape them; :func:`cached` keeps the temporal models' features
(``run_table2(memory=...)``).
"""

from __future__ import annotations

import os
import time

import numpy as np
from sklearn.utils.validation import check_memory

from .._version import __version__

__all__ = ["align_steps", "extract_static_features", "mean_pool_steps"]


def align_steps(features, n_steps, target_steps):
    """Resample a flattened (n, n_steps * dim) sequence to ``target_steps`` steps.

    Nearest-step resampling over the clip's duration: step ``t`` of the output
    takes step ``floor(t * n_steps / target_steps)`` of the input. Used by the
    early-fusion baseline, which concatenates modalities per time step.
    """
    n = features.shape[0]
    seq = features.reshape(n, n_steps, -1)
    index = (np.arange(target_steps) * n_steps) // target_steps
    return seq[:, index, :]


def mean_pool_steps(features, n_steps):
    """Mean over the non-padding steps of a flattened (n, n_steps * dim) sequence.

    All-zero steps are the extractors' padding and are left out; a row without
    any real step gives zeros. Used by the static baseline.
    """
    seq = features.reshape(features.shape[0], n_steps, -1)
    real = np.any(seq != 0, axis=2)
    counts = np.maximum(real.sum(axis=1, keepdims=True), 1)
    return (seq * real[:, :, None]).sum(axis=1) / counts


def extract_static_features(X, extractors, *, verbose=0):
    """Run each modality's static extractor over all clips.

    Parameters
    ----------
    X : DataFrame
        One row per clip.
    extractors : dict
        ``{modality: (extractor, columns)}``; ``columns`` selects the input
        column(s) of ``X`` as in a ColumnTransformer.

    Returns
    -------
    features : dict
        ``{modality: ndarray (n_samples, n_steps * dim)}``.
    n_steps : dict
        ``{modality: n_steps}``.
    seconds : dict
        Extraction time per modality.
    """
    features, n_steps, seconds = {}, {}, {}
    for name, (extractor, columns) in extractors.items():
        start = time.perf_counter()
        if verbose:
            print(f"[table2] extracting {name} features ({type(extractor).__name__})")
        features[name] = extractor.fit_transform(X[columns])
        n_steps[name] = extractor.n_steps_
        seconds[name] = time.perf_counter() - start
    return features, n_steps, seconds


def cached(memory, function):
    """``function`` cached by ``memory``, its ``log`` argument left out of the key.

    A folder gets a subfolder per skmmlc version: other versions' models may differ.
    """
    if memory is None:
        return function
    if isinstance(memory, str | os.PathLike):
        memory = os.path.join(os.fspath(memory), f"skmmlc-{__version__}")
    return check_memory(memory).cache(function, ignore=["log"], verbose=0)
