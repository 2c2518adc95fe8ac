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

:func:`check_sample_weight` refuses sample weights that are negative or not
finite, which libsvm and the softmax solver would otherwise
take as a cost with a flipped sign (a model fitted to the opposite of the
data), or turn into NaN.

:func:`is_label_matrix` tells a checked 0/1 label matrix from class labels.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["check_label_matrix", "check_sample_weight", "is_label_matrix"]

_SEPARATORS = ("|", ";", ",")


def is_label_matrix(y):
    """Whether validated targets ``y`` are a 0/1 label indicator matrix.

    Parameters
    ----------
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Targets as checked by ``validate_data(..., multi_output=True)``.

    Returns
    -------
    bool
        True for a 0/1 indicator matrix. One 0/1 column is one label (the
        classifiers' predictions keep its ``(n_samples, 1)`` shape); a column
        of other values, or a 1-D ``y``, is single-label class labels.

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc.utils import is_label_matrix
    >>> is_label_matrix(np.array([[0, 1], [1, 1]])), is_label_matrix(np.array([0, 2]))
    (True, False)
    """
    from sklearn.utils.multiclass import type_of_target

    if y.ndim != 2:
        return False
    if y.shape[1] == 1:
        return bool(np.isin(y, (0, 1)).all())
    return type_of_target(y) == "multilabel-indicator"


def check_label_matrix(y, *, name="Y", indicator=False):
    """Validate multi-label (or single-label) targets; return them as an array.

    Parameters
    ----------
    y : array-like or sparse matrix of shape (n_samples, n_labels) or (n_samples,)
        A 0/1 indicator matrix, or 1-D class labels.
    name : str
        How the targets are called in messages.
    indicator : bool, default=False
        Require a 2-D 0/1 indicator matrix (metrics, imbalance measures):
        1-D targets are refused, and a single column must hold 0/1 too (by
        default one column passes as class labels).

    Returns
    -------
    y : ndarray
        Dense (a sparse ``y`` is converted).

    Raises
    ------
    ValueError
        For lists of label names (with the ``MultiLabelBinarizer`` recipe),
        a -1/+1 coded matrix (with the conversion), or other values than 0/1
        in a 2-D ``y``; with ``indicator=True``, for a ``y`` that is not 2-D.

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
    if indicator and arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D 0/1 label indicator matrix (n_samples, n_labels); got "
            f"shape {arr.shape}."
        )
    if arr.ndim == 2 and arr.shape[1] == 1 and not indicator:
        return arr  # one column of class labels: single-label
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


def check_sample_weight(sample_weight, X=None, *, name="sample_weight"):
    """Refuse sample weights that are negative or not finite.

    The classifiers that take ``sample_weight`` call it at the top of
    ``fit`` (after their own checks of ``X``); it changes nothing.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), scalar or None
        ``None`` passes.
    X : array-like or sparse matrix, optional
        The data the weights go with: their number must be its number of rows.
    name : str
        How the weights are called in messages.

    Raises
    ------
    ValueError
        If a weight is negative, NaN or infinite (the message gives how many
        and the first one's row), if every weight is 0, or if there are not
        as many weights as rows of ``X``.
    """
    if sample_weight is None:
        return
    try:
        sw = np.asarray(sample_weight, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must hold numbers, one per row; got {type(sample_weight).__name__}."
        ) from None
    if sw.ndim > 1:
        raise ValueError(f"{name} must be 1-D (n_samples,); got shape {sw.shape}.")
    sw = np.atleast_1d(sw)
    if X is not None and sw.size > 1:
        n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
        if sw.size != n_samples:
            raise ValueError(
                f"{name} has {sw.size} weights but X has {n_samples} rows: give one "
                "weight per row.")
    for bad, what, fix in (
        (~np.isfinite(sw), "NaN or infinite", "give every row a finite weight"),
        (sw < 0, "negative",
         "weights must be >= 0 (0 leaves a row out); a negative weight would flip the "
         "row's cost in the SVM instead of weighing it"),
    ):
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{name} holds {int(bad.sum())} {what} value(s) (the first at row {row}: "
                f"{float(sw[row])!r}); {fix}.")
    if not sw.any():
        raise ValueError(f"every {name} is zero: no row is left to fit; give some row a "
                         "weight > 0.")
