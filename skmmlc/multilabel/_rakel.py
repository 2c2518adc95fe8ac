"""RAkEL-o: an ensemble of label-powerset classifiers on random label subsets.

Tsoumakas et al., "Random k-Labelsets for Multilabel Classification" (2011),
overlapping variant, as scikit-multilearn's ``RakelO``: each member is a
label-powerset classifier fitted on ``k`` of the labels; a label's score is
the mean of the scores of the members that contain it.

This module holds the ensemble itself, over any base estimator whose
``decision_function`` gives per-label scores (:class:`_BaseRakelO`), and the
draw of the label subsets. The public estimator,
:class:`~skmmlc.multilabel.RakelO`, is this ensemble with
:class:`~skmmlc.LabelPowersetWeightedSVC` as its default member; it is
defined next to that class, in ``_label_powerset``, because each of the two
builds the other (``LabelPowersetWeightedSVC(labelset_size=k)`` fits a
``RakelO``, and ``RakelO()`` fits ``LabelPowersetWeightedSVC`` members): two
modules would import each other.
"""

import itertools
import math
import numbers
import warnings

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    MultiOutputMixin,
    _fit_context,
    clone,
)
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import check_label_matrix, check_sample_weight
from ._limits import MANY_MEMBERS

__all__ = []

# Label subsets are listed (and drawn without replacement) up to this many
# possible subsets, else drawn one by one with rejection of repeats.
_ENUMERATE_MAX = 100_000


def _draw_labelsets(n_labels, size, n_labelsets, random_state):
    """Distinct random ``size``-label subsets that cover every label (RAkEL-o).

    The first ``ceil(n_labels / size)`` subsets split a random permutation of
    the labels (the last one filled up with other random labels), so every
    label is in at least one subset; the others are drawn uniformly among the
    subsets not drawn yet. ``n_labelsets=None`` means ``2 * n_labels``; no
    more than ``comb(n_labels, size)`` distinct subsets exist.
    """
    rng = check_random_state(random_state)
    size = min(size, n_labels)
    n_possible = math.comb(n_labels, size)
    n_wanted = min(2 * n_labels if n_labelsets is None else n_labelsets, n_possible)
    n_cover = -(-n_labels // size)
    if n_wanted < n_cover:
        raise ValueError(
            f"n_labelsets={n_labelsets} subsets of {size} labels cannot cover "
            f"{n_labels} labels; use n_labelsets >= {n_cover}."
        )
    order = rng.permutation(n_labels)
    chosen = []
    for start in range(0, n_labels, size):
        part = order[start : start + size]
        others = np.setdiff1d(np.arange(n_labels), part)
        part = np.concatenate([part, rng.choice(others, size - part.size, replace=False)])
        chosen.append(tuple(sorted(part.tolist())))
    seen = set(chosen)
    if n_possible <= _ENUMERATE_MAX:
        rest = [c for c in itertools.combinations(range(n_labels), size) if c not in seen]
        picks = rng.choice(len(rest), n_wanted - len(chosen), replace=False)
        chosen += [rest[i] for i in picks]
    while len(chosen) < n_wanted:  # too many subsets to list: draw and reject repeats
        subset = tuple(sorted(rng.choice(n_labels, size, replace=False).tolist()))
        if subset not in seen:
            seen.add(subset)
            chosen.append(subset)
    return np.array(chosen, dtype=np.intp)


def _warn_many_members(n_members, n_labels, size, n_labelsets):
    """Say before the fit that an ensemble of more than :data:`MANY_MEMBERS`
    members will be fitted, and how to have fewer."""
    if n_members <= MANY_MEMBERS:
        return
    size = min(size, n_labels)
    why = ("n_labelsets=None: 2 * n_labels" if n_labelsets is None
           else f"n_labelsets={n_labelsets}")
    warnings.warn(
        f"RakelO will fit {n_members} members ({why}, for {n_labels} labels), one "
        f"label-powerset classifier each: this takes {n_members} times the time and "
        f"memory of one. Lower n_labelsets (at least {-(-n_labels // size)}, "
        f"ceil(n_labels / labelset_size), covers every label), or raise labelset_size. "
        f"(This warning comes above {MANY_MEMBERS} members.)",
        UserWarning,
        stacklevel=4,
    )


def _is_label_matrix(y):
    """Whether validated targets ``y`` are a 0/1 label indicator matrix.

    One 0/1 column is one label (the predictions keep its ``(n_samples, 1)``
    shape); a column of other values is single-label class labels.
    """
    if y.ndim != 2:
        return False
    if y.shape[1] == 1:
        return bool(np.isin(y, (0, 1)).all())
    return type_of_target(y) == "multilabel-indicator"


def _base_has(method):
    def check(self):
        return hasattr(self._base(), method)

    return check


class _BaseRakelO(MetaEstimatorMixin, MultiOutputMixin, ClassifierMixin, BaseEstimator):
    """RAkEL-o over any base estimator with per-label ``decision_function``.

    Everything of :class:`~skmmlc.multilabel.RakelO` (see its docstring)
    except the default member, which a subclass gives by
    :meth:`_default_base`. :meth:`_fit_members` fits the members one by
    one; a subclass may fit them all at once instead.
    """

    _parameter_constraints = {
        "base_estimator": [HasMethods(["fit", "decision_function"]), None],
        "labelset_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_labelsets": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        base_estimator=None,
        *,
        labelset_size=3,
        n_labelsets=None,
        n_jobs=None,
        random_state=None,
    ):
        self.base_estimator = base_estimator
        self.labelset_size = labelset_size
        self.n_labelsets = n_labelsets
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _default_base(self):
        raise NotImplementedError

    def _base(self):
        """The (unfitted) base estimator: ``base_estimator`` or the default."""
        return self._default_base() if self.base_estimator is None else self.base_estimator

    def _validate_X(self, X, reset):
        # the members check their own input (dtype, sparse format, NaN)
        return validate_data(
            self, X, reset=reset, accept_sparse=True, dtype=None, ensure_all_finite=False
        )

    @_fit_context(prefer_skip_nested_validation=False)  # the base is an estimator
    def fit(self, X, y, sample_weight=None):
        """Fit the members on their label subsets (or one member on a 1-D ``y``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples, n_labels) or (n_samples,)
            0/1 label indicator matrix; 1-D class labels (or one column of
            them) are fitted by a single clone of the base estimator.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every member's ``fit``.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if y is not None:  # lists of names, -1/+1: say so; a sparse y is made dense
            y = check_label_matrix(y)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=True,
            dtype=None,
            ensure_all_finite=False,
            multi_output=True,
        )
        check_sample_weight(sample_weight, X)  # negative, NaN: say so
        fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
        if not _is_label_matrix(y):  # a label powerset of one (multi-class) label
            self.labelsets_ = None
            self.estimators_ = [clone(self._base()).fit(X, y, **fit_params)]
            self.classes_ = self.estimators_[0].classes_
            return self
        self.classes_ = np.arange(y.shape[1])
        rng = check_random_state(self.random_state)
        self.labelsets_ = _draw_labelsets(y.shape[1], self.labelset_size, self.n_labelsets, rng)
        _warn_many_members(len(self.labelsets_), y.shape[1], self.labelset_size,
                           self.n_labelsets)
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(self.labelsets_))
        members = [_seeded(clone(self._base()), seed) for seed in seeds]
        with warnings.catch_warnings():  # members' fits in threads change the filters
            self.estimators_ = self._fit_members(members, X, y, fit_params)
        return self

    def _fit_members(self, members, X, Y, fit_params):
        """Fit ``members[i]`` on ``Y[:, labelsets_[i]]``; return them."""
        return Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(member.fit)(X, Y[:, labels], **fit_params)
            for member, labels in zip(members, self.labelsets_)
        )

    def decision_function(self, X):
        """Per-label scores: the mean over the members holding each label.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_labels)
            Positive means predicted. After a 1-D ``y``: the member's
            ``decision_function``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        if self.labelsets_ is None:
            return self.estimators_[0].decision_function(X)
        total = np.zeros((X.shape[0], self.classes_.size))
        n_members = np.zeros(self.classes_.size)
        for labels, member in zip(self.labelsets_, self.estimators_):
            total[:, labels] += member.decision_function(X)
            n_members[labels] += 1
        return total / n_members

    def predict(self, X):
        """Predict the labels: ``decision_function(X) > 0``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples, n_labels) or (n_samples,)
            0/1 indicator matrix; after a 1-D ``y``, the member's prediction.
        """
        check_is_fitted(self)
        if self.labelsets_ is None:
            return self.estimators_[0].predict(self._validate_X(X, reset=False))
        return (self.decision_function(X) > 0).astype(np.int64)

    @available_if(_base_has("predict_proba"))
    def predict_proba(self, X):
        """Per-label probabilities: the logistic sigmoid of ``decision_function``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_labels) or (n_samples, n_classes)
            Above 0.5 exactly for the predicted labels (rows need not sum
            to 1). After a 1-D ``y``: the member's ``predict_proba``.
        """
        check_is_fitted(self)
        if self.labelsets_ is None:
            return self.estimators_[0].predict_proba(self._validate_X(X, reset=False))
        return 1.0 / (1.0 + np.exp(-self.decision_function(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = get_tags(self._base()).input_tags.sparse
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        return tags


def _seeded(estimator, seed):
    """``estimator`` with ``random_state=seed``, if it has that parameter."""
    if "random_state" in estimator.get_params(deep=False):
        estimator.set_params(random_state=seed)
    return estimator
