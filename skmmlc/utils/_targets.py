"""Checks of the label matrix ``Y`` that name the problem and the fix.

scikit-learn accepts several target formats that look alike; these checks
catch the mix-ups that otherwise surface later as a deep error or, worse, as a
silently wrong model:

- ``Y`` coded -1/+1 (scikit-learn calls it "multilabel-indicator" too);
- lists of label names (ragged or not) instead of an indicator matrix;
- a 1-D array of joined label sets such as ``"Flood|Damage"``, which would be
  trained as one class per distinct string.

A scipy sparse indicator matrix is accepted and made dense (label matrices
are small: one column per label).
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["check_label_matrix"]

_SEPARATORS = ("|", ";", ",")


def check_label_matrix(y, *, name="Y"):
    """Validate multi-label (or single-label) targets; return them as an array.

    Parameters
    ----------
    y : array-like or sparse matrix of shape (n_samples, n_labels) or (n_samples,)
        A 0/1 indicator matrix, or 1-D class labels.
    name : str
        How the targets are called in messages.

    Returns
    -------
    y : ndarray
        Dense (a sparse ``y`` is converted).

    Raises
    ------
    ValueError
        For lists of label names (with the ``MultiLabelBinarizer`` recipe),
        a -1/+1 coded matrix (with the conversion), or other values than 0/1
        in a 2-D ``y``.

    Warns
    -----
    UserWarning
        When a 1-D ``y`` of strings looks like joined label sets.
    """
    if hasattr(y, "toarray"):  # scipy.sparse
        y = y.toarray()
    try:
        arr = np.asarray(y)
    except ValueError:  # ragged nested lists
        arr = np.asarray(list(y), dtype=object)
    if arr.dtype == object and arr.ndim == 1 and len(arr) and isinstance(
        arr[0], list | tuple | set | frozenset
    ):
        _raise_lists(arr[0], name)
    if arr.ndim == 2 and arr.shape[1] == 1:  # one column of class labels: single-label
        return arr
    if arr.ndim == 2 and arr.dtype.kind in "OUS":
        _raise_lists(list(arr[0]), name)
    if arr.ndim == 2:
        values = np.unique(arr)
        if not np.isin(values, (0, 1)).all():
            if np.isin(values, (-1, 0, 1)).all() and -1 in values:
                raise ValueError(
                    f"{name} is coded -1/+1; skmmlc needs a 0/1 label indicator matrix "
                    f"(n_samples, n_labels). Convert it with ({name} > 0).astype(int)."
                )
            raise ValueError(
                f"{name} must be a 0/1 label indicator matrix (n_samples, n_labels); it "
                f"holds the values {values[:10].tolist()}."
            )
    elif arr.ndim == 1 and arr.dtype.kind in "OU" and len(arr):
        strings = [v for v in arr[:1000] if isinstance(v, str)]
        for sep in _SEPARATORS:
            joined = [v for v in strings if sep in v]
            if strings and len(joined) >= max(1, len(strings) // 10):
                warnings.warn(
                    f"{name} is 1-D and its values look like label sets joined by "
                    f"{sep!r} (e.g. {joined[0]!r}): they are used as single classes, one "
                    f"per distinct string. For multi-label data split them: "
                    f"skmmlc.datasets.load_manifest(..., sep={sep!r}) or "
                    "MultiLabelBinarizer().fit_transform(s.split("
                    f"{sep!r}) for s in {name}).",
                    UserWarning,
                    stacklevel=3,
                )
                break
    return arr


def _raise_lists(first, name):
    raise ValueError(
        f"{name} holds lists of label names (row 0: {list(first)!r}); skmmlc needs a "
        "0/1 label indicator matrix. Make one with "
        "sklearn.preprocessing.MultiLabelBinarizer: "
        f"mlb = MultiLabelBinarizer(); {name} = mlb.fit_transform({name}) "
        "(mlb.classes_ holds the label names)."
    )
