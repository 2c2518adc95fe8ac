"""Imbalance measures of multi-label data (Charte et al., Neurocomputing 2015).

Public through :mod:`skmmlc.metrics`. With ``c_l`` the number of rows that
carry label ``l``:

- ``IRLbl(l) = max_l' c_l' / c_l`` (0 for a label that no row carries);
- ``MeanIR`` = mean of IRLbl over the labels, ``MaxIR`` = its maximum,
  ``CVIR = std(IRLbl, ddof=1) / MeanIR``; minority labels: IRLbl > MeanIR;
- ``SCUMBLE_ins(i) = 1 - geometric_mean(IRLbl of row i's labels) /
  arithmetic_mean(same)`` (0 for a row with fewer than two labels), and
  ``SCUMBLE`` its mean over the rows (Charte et al., HAIS 2014).
"""

from __future__ import annotations

import numpy as np

from .utils import check_label_matrix

__all__ = [
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
    Y = check_label_matrix(Y)
    if Y.ndim != 2:
        raise ValueError(
            f"Y must be a 2-D 0/1 label indicator matrix (n_samples, n_labels); got "
            f"shape {Y.shape}."
        )
    if Y.shape[0] == 0 or Y.shape[1] == 0:
        raise ValueError(f"Y is empty (shape {Y.shape}): it needs rows and labels.")
    return Y.astype(bool, copy=False)


def _irlbl(counts):
    """IRLbl from the label counts (0 for an absent label)."""
    counts = np.asarray(counts, dtype=float)
    out = np.zeros_like(counts)
    present = counts > 0
    out[present] = counts.max() / counts[present]
    return out


def label_imbalance_ratio(Y):
    r"""Imbalance ratio per label, IRLbl.

    .. math::

        \mathrm{IRLbl}(l) = \frac{\max_{l'} c_{l'}}{c_l},

    where :math:`c_l` is the number of rows carrying label :math:`l`. The most
    frequent label has IRLbl 1; a label that no row carries gets 0 (it is left
    out of the imbalance, not infinite).

    Parameters
    ----------
    Y : array-like or sparse matrix of shape (n_samples, n_labels)
        0/1 label indicator matrix.

    Returns
    -------
    irlbl : ndarray of shape (n_labels,)

    Examples
    --------
    >>> from skmmlc.metrics import label_imbalance_ratio
    >>> label_imbalance_ratio([[1, 1, 0], [1, 0, 1], [1, 0, 0], [1, 0, 0]])
    array([1., 4., 4.])
    """
    return _irlbl(_label_matrix(Y).sum(axis=0))


def mean_imbalance_ratio(Y):
    r"""Mean imbalance ratio, MeanIR: the mean of IRLbl over the labels.

    .. math::

        \mathrm{MeanIR} = \frac{1}{|L|} \sum_{l \in L} \mathrm{IRLbl}(l)

    1 for perfectly balanced labels. Labels with IRLbl > MeanIR are the
    minority labels (:func:`minority_labels`).

    Parameters
    ----------
    Y : array-like or sparse matrix of shape (n_samples, n_labels)

    Returns
    -------
    float
    """
    return float(label_imbalance_ratio(Y).mean())


def max_imbalance_ratio(Y):
    r"""Maximum imbalance ratio, MaxIR = :math:`\max_l \mathrm{IRLbl}(l)`.

    Parameters
    ----------
    Y : array-like or sparse matrix of shape (n_samples, n_labels)

    Returns
    -------
    float
    """
    return float(label_imbalance_ratio(Y).max())


def cv_imbalance_ratio(Y):
    r"""Coefficient of variation of IRLbl, CVIR.

    .. math::

        \mathrm{CVIR} = \frac{1}{\mathrm{MeanIR}}
        \sqrt{\frac{\sum_{l} (\mathrm{IRLbl}(l) - \mathrm{MeanIR})^2}{|L| - 1}}

    (sample standard deviation, ``ddof=1``, as in mldr). Near 0 when all
    labels are about equally imbalanced; large when a few labels are much
    rarer than the others. NaN with a single label.

    Parameters
    ----------
    Y : array-like or sparse matrix of shape (n_samples, n_labels)

    Returns
    -------
    float
    """
    irlbl = label_imbalance_ratio(Y)
    if irlbl.size < 2:
        return float("nan")
    return float(irlbl.std(ddof=1) / irlbl.mean())


def minority_labels(Y):
    """Boolean mask of the minority labels: IRLbl > MeanIR.

    Parameters
    ----------
    Y : array-like or sparse matrix of shape (n_samples, n_labels)

    Returns
    -------
    mask : ndarray of bool, shape (n_labels,)
    """
    irlbl = label_imbalance_ratio(Y)
    return irlbl > irlbl.mean()


def _scumble_rows(Y, irlbl):
    """SCUMBLE_ins of every row of a boolean ``Y`` given the labels' IRLbl."""
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
    return _scumble_rows(Y, _irlbl(Y.sum(axis=0)))


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
