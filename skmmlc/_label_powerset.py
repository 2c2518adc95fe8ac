"""Label powerset + inverse-label-frequency weighted SVM (the paper's classifier).

Pouyanfar et al., section III.C: the multi-label ground truth is turned into
one single-label problem by the label powerset transform (each distinct label
set is a class), and an SVM is trained whose hinge loss is weighted by the
inverse frequency of the labels, normalised by the sum of those weights:

    J = 1 / sum_j delta_j * sum_i delta(i) * max(0, 1 - y_i (w^T x_i + b)),
    delta_j = 1 / (number of training rows carrying label j).
"""

import numbers

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MultiOutputMixin, clone
from sklearn.svm import SVC
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

__all__ = ["LabelPowersetWeightedSVC", "powerset_encode", "label_weights"]


def powerset_encode(Y):
    """Label powerset transform of an indicator matrix.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_labels)
        0/1 label indicator matrix.

    Returns
    -------
    powersets : ndarray of shape (n_powersets, n_labels)
        The distinct rows of ``Y`` in order of first appearance (the order
        scikit-multilearn's ``LabelPowerset`` uses). A row with no label is a
        label set like any other.
    codes : ndarray of shape (n_samples,)
        Index of each row of ``Y`` in ``powersets``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc._label_powerset import powerset_encode
    >>> sets, codes = powerset_encode(np.array([[1, 0], [0, 0], [1, 0]]))
    >>> sets.tolist(), codes.tolist()
    ([[1, 0], [0, 0]], [0, 1, 0])
    """
    Y = np.asarray(Y)
    _, first, inverse = np.unique(Y, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    order = np.argsort(first)  # sorted-unique index -> first-appearance rank
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return Y[np.sort(first)], rank[inverse]


def label_weights(Y, weighting="paper", sample_weight=None):
    """Per-row training weights of :class:`LabelPowersetWeightedSVC`.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_labels)
        0/1 label indicator matrix (a single-label problem is passed one-hot).
    weighting : {"paper", "balanced"} or None, default="paper"
        - ``"paper"``: ``delta_j = 1 / n_j`` with ``n_j`` the (weighted) number
          of rows carrying label ``j``; a row's weight is the **mean** of
          ``delta_j`` over its labels, divided by ``sum_j delta_j`` (the
          normalisation of the paper's loss). Rows without any label count as
          carrying one extra pseudo-label "no label", so they are weighted by
          the inverse frequency of empty rows. Labels that no row carries are
          left out of the sum.
        - ``"balanced"``: each powerset class (distinct row of ``Y``) gets the
          same total weight: ``n_samples / (n_classes * n_class)``, as
          scikit-learn's ``class_weight="balanced"``.
        - ``None``: every row weighs 1.
    sample_weight : array-like of shape (n_samples,), default=None
        Counts are weighted by it, so that a weight of 2 is the same as a
        repeated row; it is *not* multiplied into the result.

    Returns
    -------
    weights : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc._label_powerset import label_weights
    >>> Y = np.array([[1, 0], [1, 0], [1, 1], [0, 0]])
    >>> # delta = 1/3, 1/1 and 1/1 for "no label"; their sum is 7/3
    >>> np.round(label_weights(Y) * 7 / 3, 4).tolist()
    [0.3333, 0.3333, 0.6667, 1.0]
    """
    Y = np.asarray(Y, dtype=float)
    n_samples = Y.shape[0]
    sw = np.ones(n_samples) if sample_weight is None else np.asarray(sample_weight, float)
    if weighting is None:
        return np.ones(n_samples)
    if weighting == "balanced":
        _, codes = powerset_encode(Y)
        counts = np.bincount(codes, weights=sw)
        present = counts > 0
        per_class = np.zeros_like(counts)
        per_class[present] = sw.sum() / (present.sum() * counts[present])
        return per_class[codes]
    if weighting != "paper":
        raise ValueError(f"Unknown weighting {weighting!r}.")
    concepts = np.column_stack([Y, Y.sum(axis=1) == 0])  # last column: "no label"
    counts = sw @ concepts
    present = counts > 0
    delta = np.zeros_like(counts)
    delta[present] = 1.0 / counts[present]
    n_concepts = concepts.sum(axis=1)
    return (concepts @ delta) / n_concepts / delta.sum()


def _softmax(scores):
    scores = scores - scores.max(axis=1, keepdims=True)
    expo = np.exp(scores)
    return expo / expo.sum(axis=1, keepdims=True)


class LabelPowersetWeightedSVC(MultiOutputMixin, ClassifierMixin, BaseEstimator):
    """Label powerset + inverse-label-frequency weighted SVM classifier.

    Each distinct row of the training label matrix ``Y`` (a label set,
    including the empty one) becomes one class of a single-label problem,
    solved by :class:`sklearn.svm.SVC` with per-row weights that penalise
    mistakes on rare labels more (the paper's cost-sensitive SVM). A 1-D
    ``y`` is an ordinary (multi-class) problem: each class is its own "label
    set", and ``predict`` returns class labels.

    Parameters
    ----------
    C : float, default=0.9
        Penalty of the (weighted, normalised) hinge loss. With
        ``weighting="paper"`` a row weighs on the order of ``1 / n_labels``
        instead of 1 (the normalisation by ``sum_j delta_j``), so the same
        ``C`` regularises more than with ``weighting=None``; tune it (the
        paper uses 0.9).
    kernel : {"linear", "poly", "rbf", "sigmoid"}, default="linear"
        SVC kernel (the paper: linear).
    degree : int, default=3
        Degree of the polynomial kernel.
    gamma : {"scale", "auto"} or float, default="scale"
        Kernel coefficient for "rbf", "poly" and "sigmoid".
    coef0 : float, default=0.0
        Independent term of "poly" and "sigmoid" kernels.
    shrinking : bool, default=True
        Use libsvm's shrinking heuristic (the paper: on).
    weighting : {"paper", "balanced"} or None, default="paper"
        Row weights, see :func:`label_weights`: ``"paper"`` = mean inverse
        label frequency over the row's labels divided by the sum of inverse
        label frequencies; ``"balanced"`` = each powerset class weighs the
        same; ``None`` = unweighted (then the model is exactly
        scikit-multilearn's ``LabelPowerset(SVC(...))``).
    sampler : imbalanced-learn sampler or None, default=None
        Resampler (e.g. ``RandomOverSampler()``) applied to the powerset
        classes before training; it is cloned. Weights are computed on the
        resampled rows. ``sample_weight`` together with a sampler needs a
        sampler that exposes ``sample_indices_``.
    break_ties : bool, default=True
        ``True``: the predicted label set is the argmax of SVC's one-vs-rest
        decision values, so one-vs-one vote ties are broken by confidence
        and :meth:`predict` always agrees with :meth:`decision_function`.
        ``False``: libsvm's vote (ties go to the label set seen first in
        training), exactly as ``LabelPowerset(SVC())`` of scikit-multilearn.
    tol : float, default=1e-3
        Tolerance of the stopping criterion.
    cache_size : float, default=200
        Kernel cache size in MB.
    max_iter : int, default=-1
        Hard limit on solver iterations, -1 for none.
    random_state : int, RandomState instance or None, default=None
        Seeds the sampler (libsvm itself is deterministic here).

    Attributes
    ----------
    classes_ : ndarray
        Multi-label ``Y``: ``np.arange(n_labels)``, the column indices, as in
        :class:`~sklearn.multiclass.OneVsRestClassifier` and
        :class:`~sklearn.neural_network.MLPClassifier`. 1-D ``y``: the class
        labels.
    powersets_ : ndarray of shape (n_powersets, n_outputs)
        The label sets seen in training (one-hot rows for a 1-D ``y``); the
        SVC's class ``k`` is ``powersets_[k]``.
    powerset_counts_ : ndarray of shape (n_powersets,)
        Number of training rows per label set as seen by the SVC (after the
        sampler).
    svc_ : SVC or None
        The fitted SVC; None when training had a single label set.
    n_iter_ : ndarray of shape (n_powersets * (n_powersets - 1) // 2,)
        Solver iterations of each one-vs-one sub-problem (``svc_.n_iter_``).
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of str
        Names of features seen in fit, when ``X`` has string column names.

    See Also
    --------
    RFRecursiveSelector : The paper's feature selection around this model.
    skmmlc._label_powerset.label_weights : The weighting rules.

    Notes
    -----
    Per-label scores (max-marginals). Let ``d_k`` be SVC's one-vs-rest
    decision value for label set ``k`` (one-vs-one votes plus a bounded
    confidence, as :meth:`sklearn.svm.SVC.decision_function` gives it).
    With ``break_ties=True`` the predicted label set is ``argmax_k d_k``.
    :meth:`decision_function` returns, for label ``j``,
    ``max_{k: j in set k} d_k - max_{k: j not in set k} d_k``; a maximum over
    no set counts as ``min_k d_k - 1``, so a label never seen positive in
    training scores below every other label and never crashes anything.
    :meth:`predict_proba` is its logistic sigmoid: reading ``p_k ~ exp(d_k)``
    as a softmax over label sets, it is the probability of the best label
    set containing ``j`` against the best one without ``j``. Both therefore
    rank samples identically, are positive (resp. > 0.5) exactly for the
    labels of the predicted set (with ``break_ties=True``), and rank labels
    for mean average precision. They are scores, not calibrated
    probabilities: libsvm's Platt scaling is avoided on purpose (it is
    deprecated in scikit-learn 1.9 and unstable for label sets with a single
    member). Wrap the model in
    :class:`~sklearn.calibration.CalibratedClassifierCV` for a 1-D ``y`` if
    calibration matters.

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc import LabelPowersetWeightedSVC
    >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.], [.1, .9], [.9, .1]])
    >>> Y = np.array([[0, 0], [0, 1], [1, 0], [1, 1], [0, 1], [1, 0]])
    >>> clf = LabelPowersetWeightedSVC(C=10).fit(X, Y)
    >>> clf.predict([[0.95, 0.05]]).tolist()
    [[1, 0]]
    >>> clf.predict_proba([[0.95, 0.05]]).shape
    (1, 2)
    """

    _parameter_constraints = {
        "C": [Interval(numbers.Real, 0.0, None, closed="neither")],
        "kernel": [StrOptions({"linear", "poly", "rbf", "sigmoid"})],
        "degree": [Interval(numbers.Integral, 0, None, closed="left")],
        "gamma": [
            StrOptions({"scale", "auto"}),
            Interval(numbers.Real, 0.0, None, closed="left"),
        ],
        "coef0": [Interval(numbers.Real, None, None, closed="neither")],
        "shrinking": ["boolean"],
        "weighting": [StrOptions({"paper", "balanced"}), None],
        "sampler": [None, HasMethods(["fit_resample"])],
        "break_ties": ["boolean"],
        "tol": [Interval(numbers.Real, 0.0, None, closed="neither")],
        "cache_size": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_iter": [Interval(numbers.Integral, -1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        C=0.9,
        *,
        kernel="linear",
        degree=3,
        gamma="scale",
        coef0=0.0,
        shrinking=True,
        weighting="paper",
        sampler=None,
        break_ties=True,
        tol=1e-3,
        cache_size=200,
        max_iter=-1,
        random_state=None,
    ):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.weighting = weighting
        self.sampler = sampler
        self.break_ties = break_ties
        self.tol = tol
        self.cache_size = cache_size
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """Fit the label powerset SVM.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples, n_labels) or (n_samples,)
            0/1 label indicator matrix, or single-label class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-row weights, multiplied into the ``weighting`` weights (and
            counted in the label frequencies).

        Returns
        -------
        self : LabelPowersetWeightedSVC
            Fitted estimator.
        """
        self._validate_params()
        X, y = validate_data(
            self, X, y, accept_sparse="csr", multi_output=True, dtype=np.float64
        )
        check_classification_targets(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)

        self._multilabel = y.ndim == 2 and type_of_target(y) == "multilabel-indicator"
        if y.ndim == 2 and not self._multilabel:
            if y.shape[1] != 1:
                raise ValueError(
                    "y must be a 0/1 label indicator matrix or a 1-D array of "
                    f"class labels; got target type {type_of_target(y)!r}."
                )
            y = y.ravel()
        if self._multilabel:
            self.powersets_, codes = powerset_encode(y.astype(np.int64))
            self.classes_ = np.arange(y.shape[1])
        else:
            self.classes_, codes = np.unique(y, return_inverse=True)
            self.powersets_ = np.eye(self.classes_.size, dtype=np.int64)

        if self.sampler is not None:
            X, codes, sample_weight = self._resample(X, codes, sample_weight)

        weights = label_weights(self.powersets_[codes], self.weighting, sample_weight)
        if sample_weight is not None:
            weights = weights * sample_weight
        self.powerset_counts_ = np.bincount(codes, minlength=len(self.powersets_))

        present = np.unique(codes)
        if present.size == 1:
            self.svc_ = None
            self._constant = present[0]
            self.n_iter_ = np.zeros(0, dtype=np.int32)
            return self
        self.svc_ = SVC(
            C=self.C,
            kernel=self.kernel,
            degree=self.degree,
            gamma=self.gamma,
            coef0=self.coef0,
            shrinking=self.shrinking,
            tol=self.tol,
            cache_size=self.cache_size,
            max_iter=self.max_iter,
            random_state=self.random_state,
        )
        with warnings.catch_warnings():
            # Many powerset classes relative to rows are what a label powerset
            # is; scikit-learn's "unique classes > 50% of samples" hint is noise here.
            warnings.filterwarnings(
                "ignore", message="The number of unique classes is greater than 50%"
            )
            self.svc_.fit(X, codes, sample_weight=weights)
        self.n_iter_ = self.svc_.n_iter_
        return self

    def _resample(self, X, codes, sample_weight):
        sampler = clone(self.sampler)
        if "random_state" in sampler.get_params():
            sampler.set_params(random_state=self.random_state)
        X_res, codes_res = sampler.fit_resample(X, codes)
        if sample_weight is not None:
            if not hasattr(sampler, "sample_indices_"):
                raise ValueError(
                    f"{type(sampler).__name__} does not expose sample_indices_, "
                    "so sample_weight cannot follow the resampled rows."
                )
            sample_weight = sample_weight[sampler.sample_indices_]
        return X_res, np.asarray(codes_res), sample_weight

    def _powerset_scores(self, X):
        """SVC one-vs-rest decision values, shape (n_samples, n_powersets)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        n_sets = len(self.powersets_)
        scores = np.full((X.shape[0], n_sets), -1.0)
        if self.svc_ is None:
            scores[:, self._constant] = 1.0
            return scores
        raw = self.svc_.decision_function(X)
        if raw.ndim == 1:  # two label sets: positive means svc_.classes_[1]
            raw = np.column_stack([-raw, raw])
        scores[:, self.svc_.classes_] = raw
        if self.svc_.classes_.size < n_sets:  # sets removed by an under-sampler
            missing = np.setdiff1d(np.arange(n_sets), self.svc_.classes_)
            scores[:, missing] = raw.min(axis=1, keepdims=True) - 1.0
        return scores

    def _predict_codes(self, X):
        if self.svc_ is None:
            check_is_fitted(self)
            X = validate_data(self, X, accept_sparse="csr", reset=False)
            return np.full(X.shape[0], self._constant)
        if self.break_ties:
            return self._powerset_scores(X).argmax(axis=1)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        return self.svc_.predict(X)

    def predict(self, X):
        """Predict the label set (or class) of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples, n_labels) or (n_samples,)
            0/1 indicator matrix (multi-label training) or class labels.
        """
        check_is_fitted(self)
        codes = self._predict_codes(X)
        if self._multilabel:
            return self.powersets_[codes]
        return self.classes_[codes]

    def decision_function(self, X):
        """Per-label scores (see Notes); positive means predicted.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_labels)
            Multi-label: per-label max-marginal score. Single-label: SVC's
            decision values (shape ``(n_samples,)`` for two classes).
        """
        scores = self._powerset_scores(X)
        if not self._multilabel:
            if self.classes_.size == 2:
                return (scores[:, 1] - scores[:, 0]) / 2
            return scores
        floor = scores.min(axis=1, keepdims=True) - 1.0
        member = self.powersets_.astype(bool)  # (n_sets, n_labels)
        best_in = np.where(member[None], scores[:, :, None], floor[:, :, None]).max(axis=1)
        best_out = np.where(~member[None], scores[:, :, None], floor[:, :, None]).max(axis=1)
        return best_in - best_out

    def predict_proba(self, X):
        """Per-label max-marginal probabilities (see Notes).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_labels) or (n_samples, n_classes)
            Multi-label: ``sigmoid(decision_function(X))`` per label (rows
            need not sum to 1). Single-label: a softmax over SVC's
            one-vs-rest decision values.
        """
        if self._is_multilabel() or np.size(self.classes_) == 2:
            scores = self.decision_function(X)
            proba = 1.0 / (1.0 + np.exp(-scores))
            return proba if scores.ndim == 2 else np.column_stack([1 - proba, proba])
        return _softmax(self._powerset_scores(X))

    def _is_multilabel(self):
        check_is_fitted(self)
        return self._multilabel

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        return tags
