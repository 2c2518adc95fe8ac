"""Random multi-label over- and under-sampling: MLROS and MLRUS.

Charte, Rivera, del Jesus and Herrera, "Addressing imbalance in multilabel
classification: Measures and random resampling algorithms", Neurocomputing
163 (2015) 3-16, Algorithms 1 and 2.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ..metrics import irlbl_from_counts, mean_ir_from_irlbl
from ._base import BaseMultilabelSampler, stack_rows

__all__ = ["MLROS", "MLRUS"]

_LOOP_NOTES = """    The loop follows the paper's pseudo-code, which the published
    implementations do not all do:

    - ``MeanIR`` is computed once, on the original data; each label's IRLbl
      is recomputed from the current label counts after every {verb} row (the
      maximum count included, which changes when {verb} rows carry the most
      frequent label). Mulan's implementation is reported to keep the
      initial maximum instead.
    - A bag leaves the round-robin as soon as its label's IRLbl {crosses}
      MeanIR, so no label is pushed past the target the paper sets. The
      authors' R code (mldr.resampling's ``MLROS.R``) never drops a bag (the
      line that would comes after a ``return``; its counts are never
      updated either), so it keeps {verbing} rows of labels that are already
      balanced until the budget is spent.
    - The budget, ``floor(n_samples * percentage / 100)`` rows, is exact:
      the loop stops in the middle of a round when it is spent (the R code
      works in whole rounds and can pass the budget by up to one row per
      bag). When every bag has left before that (the data is balanced by
      the paper's criterion), fewer rows are {verb}; ``sample_indices_``
      tells how many.
"""


class _RandomResampler(BaseMultilabelSampler):
    """What MLROS and MLRUS share: a budget of ``percentage`` % of the rows and
    the input's label counts, IRLbl and MeanIR (fixed from the input)."""

    def _budget_and_imbalance(self, Y):
        budget = int(Y.shape[0] * self.percentage / 100)
        counts = Y.sum(axis=0).astype(float)
        irlbl = irlbl_from_counts(counts)
        self.mean_ir_ = mean_ir_from_irlbl(irlbl)
        return budget, counts, irlbl


def _bags(Y, labels):
    return {int(label): np.flatnonzero(Y[:, label]) for label in labels}


class MLROS(_RandomResampler):
    __doc__ = """Multi-label random over-sampling (MLROS, Charte et al. 2015).

    Clones random rows of the minority labels' bags (labels with IRLbl >
    MeanIR; a bag holds the rows that carry its label), one bag after the
    other, until ``percentage`` % of the number of rows has been added.

    Parameters
    ----------
    percentage : float, default=25
        Size of the budget, in % of the number of rows (the paper's P; its
        experiments use 25). Above 100 is allowed.
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_samples_new,)
        Row of the input that each output row copies: ``arange(n_samples)``
        (the input, in order) followed by the cloned rows.
    mean_ir_ : float
        MeanIR of the input, over the labels that some row carries (NaN, and
        nothing resampled, when no row carries any).
    minority_labels_ : ndarray of int
        Columns of the minority labels of the input.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When ``X`` is a DataFrame with string column names.

    Notes
    -----
""" + _LOOP_NOTES.format(verb="cloned", verbing="cloning", crosses="falls to or below") + """
    Bags hold the original rows only: a clone is never drawn again (it is a
    copy of a row that can be).

    See Also
    --------
    MLRUS : the under-sampling counterpart.
    MLSMOTE : synthetic rows instead of copies.

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc.resampling import MLROS
    >>> X = np.arange(16.0).reshape(8, 2)
    >>> Y = np.array([[1, 1, 1, 1, 1, 1, 0, 1], [1, 1, 0, 0, 0, 0, 0, 0],
    ...               [0, 0, 0, 0, 1, 0, 1, 0]]).T
    >>> X_res, Y_res = MLROS(percentage=25, random_state=0).fit_resample(X, Y)
    >>> X_res.shape
    (10, 2)
    >>> Y_res.sum(axis=0)
    array([8, 3, 3])
    """

    _parameter_constraints: dict = {
        "percentage": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(self, percentage=25, *, random_state=None):
        self.percentage = percentage
        self.random_state = random_state

    def _fit_resample(self, X, Y, rng):
        n = Y.shape[0]
        budget, counts, irlbl = self._budget_and_imbalance(Y)
        mean_ir = self.mean_ir_
        self.minority_labels_ = np.flatnonzero(irlbl > mean_ir)
        bags = _bags(Y, self.minority_labels_)
        active = list(bags)
        clones = []
        while len(clones) < budget and active:
            for label in list(active):
                bag = bags[label]
                row = int(bag[rng.randint(len(bag))])
                clones.append(row)
                counts += Y[row]
                if counts.max() / counts[label] <= mean_ir:
                    active.remove(label)
                if len(clones) == budget:
                    break
        clones = np.asarray(clones, dtype=np.intp)
        self.sample_indices_ = np.concatenate([np.arange(n), clones])
        return stack_rows([X, X[clones]]), np.concatenate([Y, Y[clones]])


class MLRUS(_RandomResampler):
    __doc__ = """Multi-label random under-sampling (MLRUS, Charte et al. 2015).

    Deletes random rows of the majority labels' bags (labels with IRLbl <
    MeanIR), one bag after the other, until ``percentage`` % of the rows has
    been deleted. Without replacement: a deleted row leaves every bag.

    Parameters
    ----------
    percentage : float, default=25
        Size of the budget, in % of the number of rows (the paper's P),
        below 100.
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_samples_new,)
        Rows of the input that were kept, in their input order.
    mean_ir_ : float
        MeanIR of the input, over the labels that some row carries (NaN, and
        nothing resampled, when no row carries any).
    majority_labels_ : ndarray of int
        Columns of the majority labels of the input.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When ``X`` is a DataFrame with string column names.

    Notes
    -----
""" + _LOOP_NOTES.format(verb="deleted", verbing="deleting", crosses="reaches") + """
    A deleted row may carry minority labels too (the paper deletes it
    anyway): on data whose rare labels mostly appear with frequent ones (high
    SCUMBLE) under-sampling then removes rare labels' rows as well.

    See Also
    --------
    MLROS : the over-sampling counterpart.
    """

    _parameter_constraints: dict = {
        "percentage": [Interval(Real, 0, 100, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(self, percentage=25, *, random_state=None):
        self.percentage = percentage
        self.random_state = random_state

    def _fit_resample(self, X, Y, rng):
        n = Y.shape[0]
        budget, counts, irlbl = self._budget_and_imbalance(Y)
        mean_ir = self.mean_ir_
        self.majority_labels_ = np.flatnonzero((irlbl < mean_ir) & (counts > 0))
        # each bag in a random order, read from a pointer that skips the rows other
        # bags deleted: the next row is uniform among the bag's remaining rows, in
        # time linear in the bag sizes overall
        bags = {label: rng.permutation(bag) for label, bag in
                _bags(Y, self.majority_labels_).items()}
        position = dict.fromkeys(bags, 0)
        active = list(bags)
        kept = np.ones(n, dtype=bool)
        deleted = 0
        while deleted < budget and active:
            for label in list(active):
                bag, i = bags[label], position[label]
                while i < len(bag) and not kept[bag[i]]:
                    i += 1
                if i == len(bag):
                    active.remove(label)
                    continue
                row = int(bag[i])
                position[label] = i + 1
                kept[row] = False
                deleted += 1
                counts -= Y[row]
                if counts[label] == 0 or counts.max() / counts[label] >= mean_ir:
                    active.remove(label)
                if deleted == budget:
                    break
        self.sample_indices_ = np.flatnonzero(kept)
        return X[self.sample_indices_], Y[self.sample_indices_]
