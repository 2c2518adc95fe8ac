"""Splitting multi-label data so that every label, rare ones included, is in every part.

scikit-learn's :class:`~sklearn.model_selection.StratifiedKFold` stratifies
one column of class labels; on a multi-label indicator matrix it refuses
(or, on the label sets as classes, fails for label sets seen once). A plain
:class:`~sklearn.model_selection.KFold` leaves a rare label's positives to
chance: some folds get none of them, and a per-label F1 on such a fold is 0
or undefined.

:class:`MultilabelStratifiedKFold` and :func:`multilabel_train_test_split`
use iterative stratification (Sechidis, Tsoumakas and Vlahavas, "On the
Stratification of Multi-Label Data", ECML PKDD 2011), the scheme the paper's
60/20/20 split and :func:`skmmlc.experiments.run_table2` use: labels are handled
rarest first, and each row carrying the current label goes to the part that
most lacks that label. Each label's positives are then shared out between the
parts in proportion to their sizes, give or take one row.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import _safe_indexing, check_random_state, indexable
from sklearn.utils.validation import _num_samples

from ._iterative import iterative_split

__all__ = ["MultilabelStratifiedKFold", "multilabel_train_test_split"]


def _indicator(y, n_samples):
    """``y`` as a 2-D boolean indicator matrix of ``n_samples`` rows.

    A 2-D ``y`` (array, DataFrame, sparse matrix) must hold 0/1 values; a 1-D
    ``y`` of class labels is one-hot encoded, so that single-label data is
    stratified by class as :class:`~sklearn.model_selection.StratifiedKFold`
    would.
    """
    if y is None:
        raise ValueError(
            "Multi-label stratification needs the label matrix: pass y (the 0/1 "
            "indicator matrix of shape (n_samples, n_labels)) to split()."
        )
    Y = y.toarray() if sp.issparse(y) else np.asarray(y)
    if Y.ndim == 1:
        _, codes = np.unique(Y, return_inverse=True)
        Y = np.eye(codes.max() + 1 if len(codes) else 0, dtype=bool)[codes]
    elif Y.ndim == 2:
        if Y.dtype == object or not np.isin(Y, (0, 1)).all():
            raise ValueError(
                "y must be a 0/1 label indicator matrix (n_samples, n_labels); got values "
                f"{np.unique(Y)[:5].tolist()}. Lists of label names can be turned into "
                "one with sklearn.preprocessing.MultiLabelBinarizer."
            )
    else:
        raise ValueError(f"y must be 1-D or 2-D, got shape {Y.shape}.")
    if Y.shape[0] != n_samples:
        raise ValueError(f"y has {Y.shape[0]} rows but X has {n_samples}.")
    return Y.astype(bool)


class MultilabelStratifiedKFold(BaseCrossValidator):
    """K-fold cross-validator whose test folds are stratified per label.

    A multi-label counterpart of
    :class:`~sklearn.model_selection.StratifiedKFold`: the rows are split into
    ``n_splits`` folds of (nearly) equal size by iterative stratification, so
    that every label's positives are spread evenly over the folds, the rarest
    label first. Each fold is the test set once, the other folds the training
    set. Works wherever scikit-learn takes ``cv=``
    (:func:`~sklearn.model_selection.cross_val_score`,
    :class:`~sklearn.model_selection.GridSearchCV`, ``RFRecursiveSelector(cv=)``).

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Whether to take the rows of each label in a random order (and break
        ties between folds at random). Without shuffling, the folds are a
        function of ``y`` alone: rows are taken in their order and a tie goes
        to the first fold.
    random_state : int, RandomState instance or None, default=None
        Used only when ``shuffle`` is True: an int gives the same folds on
        every call of :meth:`split`. Must be None when ``shuffle`` is False,
        as in scikit-learn's K-fold splitters.

    See Also
    --------
    multilabel_train_test_split : One stratified train/test split.
    sklearn.model_selection.StratifiedKFold : Stratification of one column of
        classes.

    Notes
    -----
    A label with fewer positives than ``n_splits`` cannot be in every test
    fold; :meth:`split` warns (``UserWarning``) and puts one positive in as
    many folds as it can. A 1-D ``y`` of class labels is treated as its
    one-hot matrix, i.e. stratified by class.

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc.model_selection import MultilabelStratifiedKFold
    >>> Y = np.array([[1, 0, 0]] * 4 + [[0, 1, 0]] * 4 + [[1, 1, 1]] * 4)
    >>> cv = MultilabelStratifiedKFold(n_splits=4)
    >>> [Y[test].sum(axis=0).tolist() for _, test in cv.split(np.zeros(12), Y)]
    [[2, 2, 1], [2, 2, 1], [2, 2, 1], [2, 2, 1]]
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        if not isinstance(n_splits, numbers.Integral) or isinstance(n_splits, bool):
            raise ValueError(
                f"n_splits must be an integer, got {n_splits!r} of type "
                f"{type(n_splits).__name__}."
            )
        if n_splits < 2:
            raise ValueError(
                "k-fold cross-validation needs at least one train/test split: set "
                f"n_splits=2 or more, got n_splits={n_splits}."
            )
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle must be True or False, got {shuffle!r}.")
        if not shuffle and random_state is not None:
            raise ValueError(
                "Setting a random_state has no effect since shuffle is False. Leave "
                "random_state to its default (None), or set shuffle=True."
            )
        self.n_splits = int(n_splits)
        self.shuffle = shuffle
        self.random_state = random_state

    def split(self, X, y, groups=None):
        """Generate indices to split data into training and test set.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; only its number of rows is used (a DataFrame of
            clips works as well).
        y : array-like or sparse matrix of shape (n_samples, n_labels)
            0/1 label indicator matrix the folds are stratified by (a 1-D
            array of class labels is stratified by class).
        groups : object
            Ignored, exists for compatibility.

        Yields
        ------
        train : ndarray
            The training set indices for that split.
        test : ndarray
            The testing set indices for that split.
        """
        X, y, groups = indexable(X, y, groups)
        n_samples = _num_samples(X)
        if self.n_splits > n_samples:
            raise ValueError(
                f"Cannot have number of splits n_splits={self.n_splits} greater than "
                f"the number of samples: n_samples={n_samples}."
            )
        yield from super().split(X, y, groups)

    def _iter_test_indices(self, X=None, y=None, groups=None):
        Y = _indicator(y, _num_samples(X))
        positives = Y.sum(axis=0)
        present = positives[positives > 0]
        if present.size and present.min() < self.n_splits:
            warnings.warn(
                f"The least populated label in y has only {int(present.min())} positive(s), "
                f"which is less than n_splits={self.n_splits}: some test folds have none.",
                UserWarning,
                stacklevel=5,  # the caller iterating over split()
            )
        rng = check_random_state(self.random_state) if self.shuffle else None
        folds = iterative_split(Y, np.ones(self.n_splits), random_state=rng,
                                shuffle=self.shuffle)
        yield from folds

    def get_n_splits(self, X=None, y=None, groups=None):
        """Returns the number of splitting iterations in the cross-validator.

        Parameters
        ----------
        X, y, groups : object
            Always ignored, exist for compatibility.

        Returns
        -------
        n_splits : int
            The ``n_splits`` parameter.
        """
        return self.n_splits


def multilabel_train_test_split(*arrays, test_size=0.25, random_state=None, stratify=None):
    """Split arrays into random train and test subsets, stratified per label.

    A multi-label counterpart of
    :func:`~sklearn.model_selection.train_test_split` with ``stratify=``: the
    rows are shared out by iterative stratification, so that every label's
    positives, rare labels included, are split in (nearly) the ratio of the
    sizes.

    Parameters
    ----------
    *arrays : sequence of indexables with the same length
        Lists, NumPy arrays, sparse matrices or pandas DataFrames/Series,
        e.g. ``X, Y``.
    test_size : float or int, default=0.25
        A float in (0, 1) is the test share of the rows, an int their number.
        The parts' sizes may differ from it by a few rows: keeping the labels
        balanced comes first.
    random_state : int, RandomState instance or None, default=None
        Order of the rows and ties; an int gives the same split every time.
    stratify : array-like of shape (n_samples, n_labels), optional
        The 0/1 label indicator matrix to stratify by; by default the last of
        ``arrays`` (``Y`` in ``X, Y``).

    Returns
    -------
    splitting : list, length=2 * len(arrays)
        ``X_train, X_test, Y_train, Y_test, ...``, of the input types.

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc.model_selection import multilabel_train_test_split
    >>> X = np.arange(20).reshape(10, 2)
    >>> Y = np.array([[1, 0]] * 6 + [[0, 1]] * 2 + [[1, 1]] * 2)
    >>> X_train, X_test, Y_train, Y_test = multilabel_train_test_split(
    ...     X, Y, test_size=0.5, random_state=0)
    >>> Y_train.sum(axis=0).tolist(), Y_test.sum(axis=0).tolist()
    ([4, 2], [4, 2])
    """
    if not arrays:
        raise ValueError("At least one array required as input.")
    arrays = indexable(*arrays)
    n_samples = _num_samples(arrays[0])
    Y = _indicator(arrays[-1] if stratify is None else stratify, n_samples)
    if isinstance(test_size, numbers.Integral) and not isinstance(test_size, bool):
        if not 0 < test_size < n_samples:
            raise ValueError(
                f"test_size={test_size} should be between 1 and n_samples - 1 = "
                f"{n_samples - 1}."
            )
        test_share = test_size / n_samples
    elif isinstance(test_size, numbers.Real) and 0 < test_size < 1:
        test_share = float(test_size)
    else:
        raise ValueError(
            f"test_size={test_size!r} should be a float in (0, 1) or an int in "
            f"[1, n_samples - 1]."
        )
    train, test = iterative_split(Y, (1 - test_share, test_share), random_state=random_state)
    if len(train) == 0 or len(test) == 0:
        raise ValueError(
            f"With n_samples={n_samples} and test_size={test_size!r}, one of the parts "
            "is empty; use more rows or another test_size."
        )
    return [part for a in arrays for part in (_safe_indexing(a, train), _safe_indexing(a, test))]
