"""Imbalance measures of multi-label data (Charte et al., Neurocomputing 2015).

Public through :mod:`skmmlc.metrics`. With ``c_l`` the number of rows that
carry label ``l``:

- ``IRLbl(l) = max_l' c_l' / c_l``;
- ``MeanIR`` = mean of IRLbl over the labels, ``MaxIR`` = its maximum,
  ``CVIR = std(IRLbl, ddof=1) / MeanIR``; minority labels: IRLbl > MeanIR;
- ``SCUMBLE_ins(i) = 1 - geometric_mean(IRLbl of row i's labels) /
  arithmetic_mean(same)`` (0 for a row with fewer than two labels), and
  ``SCUMBLE`` its mean over the rows (Charte et al., HAIS 2014).

**Labels that no row carries** have no imbalance ratio (``c_l = 0``): their
IRLbl is NaN, and MeanIR, MaxIR, CVIR and the minority labels are computed
over the labels that some row carries. (Counting them as IRLbl 0 pulled
MeanIR below 1, the value of balanced data, and made the samplers clone or
split rows of balanced data.) A ``Y`` where no row carries any label has no
imbalance at all: these measures raise a ``ValueError``; SCUMBLE is 0.
"""

from __future__ import annotations

import numpy as np

from ..utils import check_label_matrix

__all__ = [
    "irlbl_from_counts",
    "mean_ir_from_irlbl",
    "scumble_rows",
    "label_imbalance_ratio",
    "mean_imbalance_ratio",
    "max_imbalance_ratio",
    "cv_imbalance_ratio",
    "minority_labels",
    "scumble_per_sample",
    "scumble",
]


def _label_matrix(Y):
    """``Y`` as a dense 2-D 0/1 ndarray, with errors that name the problem."""
    Y = check_label_matrix(Y, indicator=True)
    if Y.shape[0] == 0 or Y.shape[1] == 0:
        raise ValueError(f"Y is empty (shape {Y.shape}): it needs rows and labels.")
    return Y.astype(bool, copy=False)


def irlbl_from_counts(counts):
    """IRLbl from the label counts (0 for an absent label).

    Internal to skmmlc (the samplers of :mod:`skmmlc.resampling` use it).

    Parameters
    ----------
    counts : array-like of shape (n_labels,)
        Number (or weight) of rows that carry each label.

    Returns
    -------
    irlbl : ndarray of shape (n_labels,)
        ``max(counts) / counts``, 0 where a count is 0.
    """
    counts = np.asarray(counts, dtype=float)
    out = np.zeros_like(counts)
    present = counts > 0
    out[present] = counts.max() / counts[present]
    return out


def mean_ir_from_irlbl(irlbl):
    """MeanIR from :func:`irlbl_from_counts`'s output.

    Internal to skmmlc (the samplers of :mod:`skmmlc.resampling` use it).

    Parameters
    ----------
    irlbl : ndarray of shape (n_labels,)
        IRLbl per label, 0 for a label no row carries.

    Returns
    -------
    mean_ir : float
        The mean over the labels some row carries (IRLbl > 0); NaN when no
        row carries any.
    """
    present = irlbl[irlbl > 0]
    return float(present.mean()) if present.size else float("nan")


def _present_irlbl(Y):
    """IRLbl of the labels some row of ``Y`` carries; an error when none is."""
    counts = _label_matrix(Y).sum(axis=0)
    if not counts.any():
        raise ValueError(
            "Y has no positive entry (no row carries any label): its imbalance ratios "
            "are undefined. Check that Y is the label matrix you meant (e.g. not the "
            "predictions of a model that predicts nothing).")
    return irlbl_from_counts(counts[counts > 0])


def label_imbalance_ratio(Y):
    r"""Imbalance ratio per label, IRLbl.

    .. math::

        \mathrm{IRLbl}(l) = \frac{\max_{l'} c_{l'}}{c_l},

    where :math:`c_l` is the number of rows carrying label :math:`l`. The most
    frequent label has IRLbl 1; a label that no row carries has none: NaN
    (the other measures leave it out).

    Parameters
    ----------
    Y : array-like or sparse matrix of shape (n_samples, n_labels)
        0/1 label indicator matrix.

    Returns
    -------
    irlbl : ndarray of shape (n_labels,)
        NaN for a label that no row carries.

    Raises
    ------
    ValueError
        If ``Y`` is not a 0/1 matrix, or no row carries any label.

    Examples
    --------
    >>> from skmmlc.metrics import label_imbalance_ratio
    >>> label_imbalance_ratio([[1, 1, 0], [1, 0, 1], [1, 0, 0], [1, 0, 0]])
    array([1., 4., 4.])
    >>> label_imbalance_ratio([[1, 0], [1, 0]])  # no row carries the second label
    array([ 1., nan])
    """
    counts = _label_matrix(Y).sum(axis=0)
    _present_irlbl(Y)  # the error for a Y without any positive
    return np.where(counts > 0, irlbl_from_counts(counts), np.nan)


def mean_imbalance_ratio(Y):
    r"""Mean imbalance ratio, MeanIR: the mean of IRLbl over the labels.

    .. math::

        \mathrm{MeanIR} = \frac{1}{|L|} \sum_{l \in L} \mathrm{IRLbl}(l)

    over the labels :math:`L` that some row carries (a label without
    positives has no IRLbl). At least 1; 1 for perfectly balanced labels.
    Labels with IRLbl > MeanIR are the minority labels
    (:func:`minority_labels`).

    Parameters
    ----------
    Y : array-like or sparse matrix of shape (n_samples, n_labels)

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``Y`` is not a 0/1 matrix, or no row carries any label.
    """
    return float(_present_irlbl(Y).mean())


def max_imbalance_ratio(Y):
    r"""Maximum imbalance ratio, MaxIR = :math:`\max_l \mathrm{IRLbl}(l)`, over
    the labels that some row carries.

    Parameters
    ----------
    Y : array-like or sparse matrix of shape (n_samples, n_labels)

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``Y`` is not a 0/1 matrix, or no row carries any label.
    """
    return float(_present_irlbl(Y).max())


def cv_imbalance_ratio(Y):
    r"""Coefficient of variation of IRLbl, CVIR.

    .. math::

        \mathrm{CVIR} = \frac{1}{\mathrm{MeanIR}}
        \sqrt{\frac{\sum_{l} (\mathrm{IRLbl}(l) - \mathrm{MeanIR})^2}{|L| - 1}}

    (sample standard deviation, ``ddof=1``, as in mldr) over the labels
    :math:`L` that some row carries. Near 0 when all labels are about equally
    imbalanced; large when a few labels are much rarer than the others. NaN
    (without a warning) when fewer than two labels have a positive row.

    Parameters
    ----------
    Y : array-like or sparse matrix of shape (n_samples, n_labels)

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``Y`` is not a 0/1 matrix, or no row carries any label.
    """
    irlbl = _present_irlbl(Y)
    if irlbl.size < 2:
        return float("nan")
    return float(irlbl.std(ddof=1) / irlbl.mean())


def minority_labels(Y):
    """Boolean mask of the minority labels: IRLbl > MeanIR.

    A label that no row carries is not a minority label (it has no IRLbl).

    Parameters
    ----------
    Y : array-like or sparse matrix of shape (n_samples, n_labels)

    Returns
    -------
    mask : ndarray of bool, shape (n_labels,)

    Raises
    ------
    ValueError
        If ``Y`` is not a 0/1 matrix, or no row carries any label.
    """
    irlbl = label_imbalance_ratio(Y)
    with np.errstate(invalid="ignore"):
        return irlbl > np.nanmean(irlbl)


def scumble_rows(Y, irlbl):
    """SCUMBLE_ins of every row of a boolean ``Y`` given the labels' IRLbl.

    Internal to skmmlc (the samplers of :mod:`skmmlc.resampling` use it).

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_labels)
        Boolean label matrix.
    irlbl : ndarray of shape (n_labels,)
        IRLbl per label (:func:`irlbl_from_counts`).

    Returns
    -------
    scumble : ndarray of shape (n_samples,)
        SCUMBLE_ins of each row, in [0, 1] (0 for fewer than two labels).
    """
    counts = Y.sum(axis=1)
    with np.errstate(divide="ignore"):
        log_ir = np.where(irlbl > 0, np.log(np.where(irlbl > 0, irlbl, 1.0)), 0.0)
    Yf = Y.astype(float)
    mean = (Yf @ irlbl) / np.maximum(counts, 1)
    geo = np.exp((Yf @ log_ir) / np.maximum(counts, 1))
    out = np.zeros(Y.shape[0])
    several = counts > 1
    out[several] = 1.0 - geo[several] / mean[several]
    return np.clip(out, 0.0, 1.0)


def scumble_per_sample(Y):
    r"""Concurrence of rare and frequent labels in each row, SCUMBLE_ins.

    .. math::

        \mathrm{SCUMBLE}_{ins}(i) = 1 - \frac{\left(\prod_{l \in Y_i}
        \mathrm{IRLbl}(l)\right)^{1/|Y_i|}}{\frac{1}{|Y_i|}
        \sum_{l \in Y_i} \mathrm{IRLbl}(l)}

    one minus the ratio of the geometric to the arithmetic mean of the IRLbl
    of row :math:`i`'s labels :math:`Y_i`: 0 when the row's labels are
    equally frequent (and for a row with fewer than two labels), towards 1
    when a rare label appears with frequent ones.

    Parameters
    ----------
    Y : array-like or sparse matrix of shape (n_samples, n_labels)

    Returns
    -------
    scumble_ins : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from skmmlc.metrics import scumble_per_sample
    >>> scumble_per_sample([[1, 1, 0], [1, 0, 1], [1, 0, 0], [1, 0, 0]]).round(3)
    array([0.2, 0.2, 0. , 0. ])
    """
    Y = _label_matrix(Y)
    return scumble_rows(Y, irlbl_from_counts(Y.sum(axis=0)))


def scumble(Y):
    r"""SCUMBLE: the mean of :func:`scumble_per_sample` over the rows.

    .. math::

        \mathrm{SCUMBLE} = \frac{1}{n} \sum_{i=1}^{n} \mathrm{SCUMBLE}_{ins}(i)

    Charte et al. report that resampling helps less, or hurts, when SCUMBLE
    is high (rare labels mostly appear together with frequent ones): cloning
    a rare label's rows clones the frequent labels too. REMEDIAL
    (:class:`skmmlc.resampling.REMEDIAL`) lowers it.

    Parameters
    ----------
    Y : array-like or sparse matrix of shape (n_samples, n_labels)

    Returns
    -------
    float
    """
    return float(scumble_per_sample(Y).mean())
