"""RAkEL-o: an ensemble of label-powerset classifiers on random label subsets.

Tsoumakas et al., "Random k-Labelsets for Multilabel Classification" (2011),
overlapping variant, as scikit-multilearn's ``RakelO``: each member is a
label-powerset classifier fitted on ``k`` of the labels; a label's score is
the mean of the scores of the members that contain it.

This module is the one home of the ensemble: :class:`RakelO`, the draw of
the label subsets, and the fit of members that are solved together (the
members' ``_joint_problem`` / ``_set_joint_solution`` hook, see
:class:`RakelO`'s Notes). Its default member,
:class:`~skmmlc.LabelPowersetWeightedSVC`, is imported where it is built
(``RakelO._default_base``); nothing else here knows that class.
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
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import check_label_matrix, check_sample_weight, is_label_matrix
from ._limits import MANY_MEMBERS
from ._softmax import fit_grouped_softmax

__all__ = ["RakelO"]

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


def _base_has(method):
    def check(self):
        return hasattr(self._base(), method)

    return check


class RakelO(MetaEstimatorMixin, MultiOutputMixin, ClassifierMixin, BaseEstimator):
    """RAkEL-o: label-powerset classifiers on overlapping random label subsets.

    Each of ``n_labelsets`` clones of ``base_estimator`` is fitted on the
    columns of ``Y`` of a random subset of ``labelset_size`` labels (the
    subsets together cover every label, none twice); a label's score is the
    mean of the per-label scores (``decision_function``) of the members that
    hold it, and a label is predicted when its score is positive (Tsoumakas
    et al. 2011, overlapping variant, as scikit-multilearn's ``RakelO``).
    This is the one way to get RAkEL: ``LabelPowersetWeightedSVC(labelset_size=k)``
    is deprecated (a ``FutureWarning``; removed in 0.3) and fits
    ``RakelO(LabelPowersetWeightedSVC(), labelset_size=k)``, with the same
    results.

    The name is scikit-multilearn's: the ensemble itself neither weights nor
    resamples; the weighting against label imbalance is the members' (the
    default member is :class:`LabelPowersetWeightedSVC`, each weighting by its
    own labels), so any label-powerset classifier fits in.

    Parameters
    ----------
    base_estimator : estimator or None, default=None
        The member, cloned for each label subset: a multi-label classifier
        with ``fit(X, Y)`` and a per-label ``decision_function``, positive
        for a predicted label. ``None``: :class:`LabelPowersetWeightedSVC()
        <LabelPowersetWeightedSVC>`. Tune it as ``base_estimator__C``.
    labelset_size : int, default=3
        ``k``, the number of labels of each member (the RAkEL authors' choice
        is 3); at most the number of labels.
    n_labelsets : int or None, default=None
        Number of members: ``None`` means ``2 * n_labels`` (the RAkEL
        authors' choice for ``k=3``), at most the number of distinct
        ``k``-subsets; it must be at least ``ceil(n_labels / k)`` so that
        every label is in a member.
    n_jobs : int or None, default=None
        Members fitted in parallel threads (the SVM solvers release the GIL);
        ``None`` means 1, -1 all cores. Not used when the members are solved
        together (see Notes).
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of label subsets and, through a seed drawn for each,
        the members' own ``random_state``.

    Attributes
    ----------
    classes_ : ndarray
        ``np.arange(n_labels)``, the column indices (after a 1-D ``y``: the
        member's ``classes_``).
    labelsets_ : ndarray of shape (n_labelsets, k) or None
        The label indices of each member; ``None`` after a 1-D ``y`` (or a
        column of class labels), which ``estimators_[0]`` was fitted on as
        it is, a "label powerset of one label".
    estimators_ : list of estimators
        The fitted members; member ``i`` was fitted on
        ``Y[:, labelsets_[i]]`` (its ``classes_`` index that subset).
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of str
        Names of features seen in fit, when ``X`` has string column names.

    See Also
    --------
    LabelPowersetWeightedSVC : The default member (its deprecated
        ``labelset_size=k`` fits this ensemble).

    Notes
    -----
    The first ``ceil(n_labels / k)`` subsets split a random permutation of
    the labels, so every label is in a member; the others are drawn
    uniformly among the subsets not drawn yet. :meth:`predict` is
    ``decision_function(X) > 0`` and :meth:`predict_proba` its logistic
    sigmoid, so the three always agree. Unlike one label powerset over all
    labels, the ensemble can predict label sets that no training row had.

    **Members solved together.** A member may offer its problem to be solved
    together with the others', through two methods found by duck typing
    (``hasattr``, so subclasses keep them):

    - ``member._joint_problem(X, Y, sample_weight)``: check and encode the
      member's data as its ``fit`` would (setting its fitted attributes but
      the solution) and return a
      ``skmmlc.multilabel._softmax.JointProblem`` (targets, row costs,
      number of classes, the joint solver it names, e.g. ``"softmax"``, and
      its options), or ``None`` to be fitted by ``fit``;
    - ``member._set_joint_solution(problem, solution)``: keep the solution
      of that problem, ``(coef, intercept, n_iter, objective)`` for its
      columns (``None`` for a problem of one class), and return the member.

    When every member returns a problem, those that name the same solver
    are solved in one call (:func:`~skmmlc.multilabel._softmax.fit_grouped_softmax`,
    each member a group of columns), with the optimum of fitting them one
    by one; ``n_jobs`` is then not used (BLAS threads share the work).
    :class:`LabelPowersetWeightedSVC` offers its problem with
    ``solver="softmax"``, or ``"auto"`` (linear kernel, no sampler, no
    pruning); with ``"auto"`` the ensemble counts as one problem: its
    members are solved together by the softmax when it has more than 5,000
    rows or its members' label sets together number more than 500, else
    each member fits on its own (libsvm).

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc import LabelPowersetWeightedSVC, RakelO
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 4))
    >>> Y = (X[:, :3] > 0).astype(int)
    >>> model = RakelO(LabelPowersetWeightedSVC(C=10), labelset_size=2, random_state=0)
    >>> model.fit(X, Y).labelsets_.shape
    (3, 2)
    >>> model.predict([[1.0, -1.0, 1.0, 0.0]]).tolist()
    [[1, 0, 1]]
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
        # imported here: the member's module imports this one (for its
        # deprecated labelset_size), and RakelO needs the class only to build it
        from ._label_powerset import LabelPowersetWeightedSVC

        return LabelPowersetWeightedSVC()

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
        if not is_label_matrix(y):  # a label powerset of one (multi-class) label
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
        """Fit ``members[i]`` on ``Y[:, labelsets_[i]]``; return them.

        Members with a joint problem (see Notes) are solved together; the
        others are fitted one by one, through their ``fit``.
        """
        alone = _fit_jointly(members, X, Y, self.labelsets_, fit_params.get("sample_weight"))
        Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(members[i].fit)(X, Y[:, self.labelsets_[i]], **fit_params) for i in alone
        )
        return members

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


# the joint solvers a member's problem may name
_JOINT_SOLVERS = {"softmax": fit_grouped_softmax}


def _joint_problems(members, X, Y, labelsets, sample_weight):
    """Each member's joint problem (see :class:`RakelO`, Notes), or None.

    None when a member has no ``_joint_problem`` hook or no joint problem
    (the members are clones of one estimator: then none has). Each member
    after the first is given the rows as the first checked them, so that a
    conversion of ``X`` (e.g. to float) is made once.
    """
    hooks = ("_joint_problem", "_set_joint_solution")
    if not all(hasattr(member, hook) for member in members for hook in hooks):
        return None
    problems = []
    for member, labels in zip(members, labelsets):
        problem = member._joint_problem(X, Y[:, labels], sample_weight)
        if problem is None or problem.solver not in _JOINT_SOLVERS:
            return None
        if problem.X.shape[0] != Y.shape[0]:
            raise ValueError(
                f"{type(member).__name__}._joint_problem changed the rows "
                f"({Y.shape[0]} -> {problem.X.shape[0]}); a joint problem keeps them."
            )
        X = problem.X
        problems.append(problem)
    return problems


def _fit_jointly(members, X, Y, labelsets, sample_weight):
    """Solve the members that share a joint solver together; the others' indices.

    The problems that name the same solver (and options) form a group, solved
    in one call with each problem a group of columns: the optimum of fitting
    the members one by one. A group whose problems ask for a joint solve
    only above a size (``only_above``, ``solver="auto"``) and is not above
    it is left to the members' own ``fit``, as are all members when one has
    no joint problem.
    """
    problems = _joint_problems(members, X, Y, labelsets, sample_weight)
    if problems is None:
        return list(range(len(members)))
    groups = {}
    for i, problem in enumerate(problems):
        groups.setdefault((problem.solver, problem.tol, problem.max_iter), []).append(i)
    alone = []
    for (solver, tol, max_iter), group in groups.items():
        n_rows = problems[group[0]].X.shape[0]
        n_classes = sum(problems[i].n_classes for i in group)
        small = [
            p.only_above is not None and n_rows <= p.only_above[0] and n_classes <= p.only_above[1]
            for p in (problems[i] for i in group)
        ]
        if any(small):
            alone += group
            continue
        solved = [i for i in group if problems[i].n_classes > 1]
        for i in group:
            if problems[i].n_classes == 1:  # one class: nothing to solve
                members[i]._set_joint_solution(problems[i], None)
        if not solved:
            continue
        sizes = [problems[i].n_classes for i in solved]
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        coef, intercept, n_iter, objective = _JOINT_SOLVERS[solver](
            problems[solved[0]].X,
            np.column_stack([problems[i].targets + start for i, start in zip(solved, starts)]),
            np.column_stack([problems[i].costs for i in solved]),
            sizes,
            tol=tol,
            max_iter=max_iter,
        )
        for j, (i, start, size) in enumerate(zip(solved, starts, sizes)):
            cols = slice(start, start + size)
            members[i]._set_joint_solution(
                problems[i], (coef[cols], intercept[cols], n_iter[j], objective[j])
            )
    return sorted(alone)

