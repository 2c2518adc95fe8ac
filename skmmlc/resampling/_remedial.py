"""REMEDIAL: decoupling of rare and frequent labels in the same rows.

Charte, Rivera, del Jesus and Herrera, "Dealing with difficult minority
labels in imbalanced multilabel data sets", Neurocomputing 326-327 (2019)
39-53 (REsampling MultilabEl datasets by Decoupling highly ImbAlanced
Labels).
"""

from __future__ import annotations

import numpy as np

from ..metrics import irlbl_from_counts, mean_ir_from_irlbl, scumble_rows
from ._base import BaseMultilabelSampler, stack_rows

__all__ = ["REMEDIAL"]


class REMEDIAL(BaseMultilabelSampler):
    r"""Split the rows where rare and frequent labels meet (Charte et al. 2019).

    Every row whose :math:`\mathrm{SCUMBLE}_{ins}` is above the data set's
    SCUMBLE (:func:`skmmlc.metrics.scumble_per_sample`) is split in two rows
    with the same features: the original keeps its majority labels (IRLbl <=
    MeanIR), a copy appended at the end gets its minority labels (IRLbl >
    MeanIR). Each label stays on as many rows as before, so IRLbl and MeanIR
    are unchanged; SCUMBLE falls, and a classifier sees the rare labels'
    features without the frequent labels that mask them. Deterministic: no
    parameter.

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_samples_new,)
        Row of the input whose features each output row has:
        ``arange(n_samples)`` followed by the split rows.
    split_indices_ : ndarray of int
        The rows that were split.
    mean_ir_, scumble_ : float
        MeanIR (over the labels that some row carries) and SCUMBLE of the input.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When ``X`` is a DataFrame with string column names.

    Notes
    -----
    A split row whose labels are all minority (or all majority) labels,
    but with unequal IRLbl, leaves one of its two parts without labels; the
    paper keeps both, so does this implementation (the row counts of the
    authors' R code, e.g. emotions: 593 -> 815 rows).

    REMEDIAL helps where SCUMBLE is high; on data where it is low (emotions:
    0.011, scene: 0.000) it splits rows for little gain and can hurt, see
    the benchmark in docs/benchmarks.md. It can be followed by
    :class:`MLSMOTE` or :class:`MLROS` in a pipeline.

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc.resampling import REMEDIAL
    >>> X = np.arange(16.0).reshape(8, 2)
    >>> Y = np.array([[1, 1, 1, 1, 1, 1, 0, 1], [1, 1, 0, 0, 0, 0, 0, 0],
    ...               [0, 0, 0, 0, 1, 0, 1, 0]]).T
    >>> X_res, Y_res = REMEDIAL().fit_resample(X, Y)
    >>> Y_res[[0, 8]].tolist()
    [[1, 0, 0], [0, 1, 0]]
    """

    _parameter_constraints: dict = {}

    def __init__(self):
        pass

    def _fit_resample(self, X, Y, rng):
        irlbl = irlbl_from_counts(Y.sum(axis=0))
        self.mean_ir_ = mean_ir = mean_ir_from_irlbl(irlbl)
        ins = scumble_rows(Y, irlbl)
        self.scumble_ = float(ins.mean())
        split = np.flatnonzero(ins > ins.mean())
        minority = irlbl > mean_ir
        Y_res = Y.copy()
        Y_res[np.ix_(split, minority)] = False
        Y_split = Y[split] & minority
        self.split_indices_ = split
        self.sample_indices_ = np.concatenate([np.arange(Y.shape[0]), split])
        return stack_rows([X, X[split]]), np.concatenate([Y_res, Y_split])
