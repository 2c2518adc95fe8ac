"""Multi-label metrics of the paper (section IV.B) and scorers for model selection.

Public through :mod:`skmmlc.metrics`, which documents them.
"""

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn import metrics as _skm
from sklearn.utils.validation import check_consistent_length

from ..utils import check_label_matrix

__all__ = [
    "hamming_loss",
    "micro_f1",
    "mean_average_precision",
    "average_precision_per_instance",
    "per_label_report",
    "micro_f1_scorer",
    "hamming_loss_scorer",
    "mean_average_precision_scorer",
    "multilabel_scoring",
]


def _indicator(Y, name):
    """``Y`` as a 2-D 0/1 ndarray, checked as the estimators check it."""
    return check_label_matrix(Y, name=name, indicator=True)


def _scores(Y_score, name="Y_score"):
    """``Y_score`` as a 2-D float ndarray without NaN."""
    if hasattr(Y_score, "toarray"):
        Y_score = Y_score.toarray()
    Y_score = np.asarray(Y_score, dtype=float)
    if Y_score.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_labels); got shape {Y_score.shape}.")
    nan = np.isnan(Y_score)
    if nan.any():
        row, label = np.argwhere(nan)[0]
        raise ValueError(
            f"{name} holds {int(nan.sum())} NaN score(s) (the first at row {row}, label "
            f"{label}): a ranking needs a number for every label. Check the model that "
            "gave them (a NaN in its input features?), or replace them, e.g. with "
            f"np.nan_to_num({name}, nan=-np.inf) to rank them last."
        )
    return Y_score


def _predictions(Y_true, Y_pred):
    """The 0/1 matrices of :func:`hamming_loss` and :func:`micro_f1`, checked
    (1-D class labels are left to scikit-learn)."""
    if np.ndim(Y_true) == 1 and np.ndim(Y_pred) == 1:
        return Y_true, Y_pred
    return _indicator(Y_true, "Y_true"), _indicator(Y_pred, "Y_pred")


def hamming_loss(Y_true, Y_pred, *, sample_weight=None):
    """Fraction of label assignments that are wrong.

    ``HL = 1/N sum_i |Y_i xor P_i| / |C|`` (paper, section IV.B).

    Parameters
    ----------
    Y_true, Y_pred : array-like of shape (n_samples, n_labels)
        0/1 indicator matrices.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    loss : float
        Between 0 (perfect) and 1.

    Raises
    ------
    ValueError
        If a 2-D matrix is not 0/1 (e.g. predictions coded 0/2, or -1/+1),
        with the check the estimators use
        (:func:`skmmlc.utils.check_label_matrix`). 1-D class labels are
        passed to scikit-learn as they are.

    Examples
    --------
    >>> from skmmlc.metrics import hamming_loss
    >>> hamming_loss([[1, 0], [0, 1]], [[1, 1], [0, 1]])
    0.25
    """
    Y_true, Y_pred = _predictions(Y_true, Y_pred)
    return float(_skm.hamming_loss(Y_true, Y_pred, sample_weight=sample_weight))


def micro_f1(Y_true, Y_pred, *, sample_weight=None):
    """Micro-averaged F1: ``2 TP / (2 TP + FP + FN)`` summed over all labels.

    Parameters
    ----------
    Y_true, Y_pred : array-like of shape (n_samples, n_labels)
        0/1 indicator matrices.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    f1 : float
        0 when there is no positive in either matrix.

    Raises
    ------
    ValueError
        If a 2-D matrix is not 0/1 (e.g. predictions coded 0/2, or -1/+1),
        with the check the estimators use
        (:func:`skmmlc.utils.check_label_matrix`). 1-D class labels are
        passed to scikit-learn as they are.

    Examples
    --------
    >>> from skmmlc.metrics import micro_f1
    >>> round(micro_f1([[1, 0], [0, 1]], [[1, 1], [0, 1]]), 4)
    0.8
    """
    Y_true, Y_pred = _predictions(Y_true, Y_pred)
    return float(
        _skm.f1_score(
            Y_true, Y_pred, average="micro", sample_weight=sample_weight, zero_division=0
        )
    )


def average_precision_per_instance(Y_true, Y_score):
    """Average precision of each instance's label ranking.

    For instance ``i`` with true label set ``T_i`` (non-empty), labels are
    ranked by decreasing score and
    ``AP_i = 1/|T_i| sum_{j in T_i} |{k in T_i: s_ik >= s_ij}| / |{k: s_ik >= s_ij}|``,
    i.e. the mean over its true labels of the precision at the rank of that
    label. Ties are counted pessimistically (a tied label is ranked as low as
    it can be), as in
    :func:`sklearn.metrics.label_ranking_average_precision_score`.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_labels)
        0/1 indicator matrix.
    Y_score : array-like of shape (n_samples, n_labels)
        Scores, higher means more likely (``decision_function`` or
        ``predict_proba``).

    Returns
    -------
    ap : ndarray of shape (n_samples,)
        ``nan`` for instances without any true label.

    Notes
    -----
    Computed by sorting each row's scores: time ``O(n_samples * n_labels *
    log(n_labels))`` and memory ``O(n_samples * n_labels)``, so thousands of
    labels are fine.

    Raises
    ------
    ValueError
        If ``Y_true`` is not a 2-D 0/1 matrix (e.g. coded -1/+1), or
        ``Y_score`` holds NaN (the message names the first one's row and
        label).

    Examples
    --------
    >>> from skmmlc.metrics import average_precision_per_instance
    >>> average_precision_per_instance([[1, 0, 1], [0, 0, 0]],
    ...                                [[0.9, 0.8, 0.1], [0.2, 0.1, 0.0]]).round(4)
    array([0.8333,    nan])
    """
    Y_true = _indicator(Y_true, "Y_true").astype(bool)
    Y_score = _scores(Y_score)
    if Y_true.shape != Y_score.shape:
        raise ValueError(f"Shapes differ: {Y_true.shape} and {Y_score.shape}.")
    # rank[i, j]: number of labels k of row i with a score >= s_ij (ties
    # pessimistic), i.e. the last position of s_ij's tie group in the row's
    # descending order
    rank = rankdata(-Y_score, method="max", axis=1).astype(np.intp)
    order = np.argsort(-Y_score, axis=1, kind="stable")
    true_so_far = np.cumsum(np.take_along_axis(Y_true, order, axis=1), axis=1)
    true_rank = np.take_along_axis(true_so_far, rank - 1, axis=1)
    n_true = Y_true.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(Y_true, true_rank / rank, 0.0).sum(axis=1) / np.where(
            n_true > 0, n_true, np.nan
        )


def mean_average_precision(Y_true, Y_score, *, no_label_score=None, sample_weight=None):
    """Mean over instances of the average precision of their label ranking.

    The paper's MAP, "the average of the Average Precision (AP) over all the
    instances": for each instance, its labels are ranked by score and the AP
    of that ranking against the instance's true labels is computed (see
    :func:`average_precision_per_instance`); MAP is the (weighted) mean of
    these APs. Without ties and without empty rows this equals
    :func:`sklearn.metrics.label_ranking_average_precision_score`.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_labels)
        0/1 indicator matrix.
    Y_score : array-like of shape (n_samples, n_labels)
        Per-label scores, higher means more likely.
    no_label_score : float or None, default=None
        Instances without any true label have no AP. ``None`` leaves them out
        of the mean; a number (e.g. 1.0, as scikit-learn's LRAP does) is used
        as their AP.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the instances in the mean.

    Returns
    -------
    map : float
        ``nan`` if no instance is left to average.

    Raises
    ------
    ValueError
        If ``Y_true`` is not a 2-D 0/1 matrix (e.g. coded -1/+1), or
        ``Y_score`` holds NaN (the message names the first one's row and
        label).

    Examples
    --------
    >>> from skmmlc.metrics import mean_average_precision
    >>> Y = [[1, 0, 1], [0, 1, 0]]
    >>> S = [[0.9, 0.8, 0.1], [0.2, 0.7, 0.0]]
    >>> round(mean_average_precision(Y, S), 4)   # (5/6 + 1) / 2
    0.9167
    """
    ap = average_precision_per_instance(Y_true, Y_score)
    weights = np.ones_like(ap) if sample_weight is None else np.asarray(sample_weight, float)
    check_consistent_length(ap, weights)
    if no_label_score is not None:
        ap = np.where(np.isnan(ap), float(no_label_score), ap)
    keep = ~np.isnan(ap)
    if not keep.any() or weights[keep].sum() == 0:
        return float("nan")
    return float(np.average(ap[keep], weights=weights[keep]))


def per_label_report(Y_true, Y_pred, *, label_names=None):
    """Per-label precision, recall, F1, support and P/N ratio.

    Parameters
    ----------
    Y_true, Y_pred : array-like of shape (n_samples, n_labels)
        0/1 indicator matrices.
    label_names : sequence of str, default=None
        Row labels; defaults to ``0 .. n_labels - 1``.

    Returns
    -------
    report : pandas.DataFrame
        One row per label with columns ``precision``, ``recall``, ``f1``
        (0 where undefined), ``support`` (true positives + false negatives:
        the number of instances carrying the label), ``pn_ratio`` (the
        paper's Table I "P/N ratio": the label's support divided by the total
        support of all labels; Table I's numbers, e.g. 150 / 3,225 = 0.047,
        follow this definition) and ``prevalence`` (support / n_samples).

    Raises
    ------
    ValueError
        If ``Y_true`` or ``Y_pred`` is not a 2-D 0/1 matrix.

    Examples
    --------
    >>> from skmmlc.metrics import per_label_report
    >>> report = per_label_report([[1, 0], [1, 1], [0, 1]], [[1, 0], [0, 1], [0, 1]],
    ...                           label_names=["a", "b"])
    >>> report["recall"].tolist(), report["support"].tolist()
    ([0.5, 1.0], [2, 2])
    """
    Y_true = _indicator(Y_true, "Y_true")
    Y_pred = _indicator(Y_pred, "Y_pred")
    precision, recall, f1, support = _skm.precision_recall_fscore_support(
        Y_true, Y_pred, average=None, zero_division=0
    )
    n_labels = Y_true.shape[1]
    index = list(range(n_labels)) if label_names is None else list(label_names)
    total = support.sum()
    return pd.DataFrame(
        {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": support,
            "pn_ratio": support / total if total else np.zeros(n_labels),
            "prevalence": support / Y_true.shape[0],
        },
        index=pd.Index(index, name="label"),
    )


micro_f1_scorer = _skm.make_scorer(micro_f1)
"""Scorer for micro-F1 (same as ``scoring="f1_micro"``)."""

hamming_loss_scorer = _skm.make_scorer(hamming_loss, greater_is_better=False)
"""Scorer for the Hamming loss, negated so that greater is better."""

mean_average_precision_scorer = _skm.make_scorer(
    mean_average_precision, response_method=("decision_function", "predict_proba")
)
"""Scorer for MAP from ``decision_function`` (else ``predict_proba``)."""


def multilabel_scoring():
    """The paper's three metrics as a ``scoring`` dict for multi-metric search.

    Returns
    -------
    scoring : dict
        ``{"micro_f1": ..., "hamming_loss": ..., "map": ...}``; the Hamming
        loss scorer is negated (greater is better).

    Examples
    --------
    >>> from skmmlc.metrics import multilabel_scoring
    >>> sorted(multilabel_scoring())
    ['hamming_loss', 'map', 'micro_f1']
    """
    return {
        "micro_f1": micro_f1_scorer,
        "hamming_loss": hamming_loss_scorer,
        "map": mean_average_precision_scorer,
    }
