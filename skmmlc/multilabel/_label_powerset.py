"""Label powerset + inverse-label-frequency weighted SVM (the paper's classifier).

Pouyanfar et al., section III.C: the multi-label ground truth is turned into
one single-label problem by the label powerset transform (each distinct label
set is a class), and an SVM is trained whose hinge loss is weighted by the
inverse frequency of the labels, normalised by the sum of those weights:

    J = 1 / sum_j delta_j * sum_i delta(i) * max(0, 1 - y_i (w^T x_i + b)),
    delta_j = 1 / (number of training rows carrying label j).

By default the same relative weights are rescaled to average 1 over the
training rows instead (``weighting="paper"``), so that ``C`` keeps the meaning
it has in :class:`sklearn.svm.SVC`; ``weighting="paper_literal"`` is the
normalisation above. RAkEL-o (Tsoumakas et al. 2011), an ensemble of such
weighted label-powerset SVMs on random k-label subsets, is
:class:`~skmmlc.multilabel.RakelO` (``_rakel``); the SVM offers its problem to
that ensemble's joint solve through ``_joint_problem`` and
``_set_joint_solution``. Its ``labelset_size=k`` is deprecated (removed in
0.3): it fits a ``RakelO``, imported where it is built.

The estimator is in four modules: this one (parameters, ``fit``),
``_labelsets`` (the label sets' coding, pruning and weights),
``_label_powerset_solvers`` (the encoded problem, its solvers, the joint-solve
hook) and ``_label_powerset_scores`` (predictions and per-label scores).
"""

import numbers
import warnings

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MultiOutputMixin,
    _fit_context,
    clone,
)
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight, validate_data

from ..utils import check_label_matrix, check_sample_weight, is_label_matrix
from ._label_powerset_scores import _LabelSetScoresMixin, _max_marginals  # noqa: F401 (tests)
from ._label_powerset_solvers import _DTYPES, _JOINT, _LabelSetSolversMixin
from ._labelsets import label_weights, powerset_encode, prune_labelsets

__all__ = [
    "LabelPowersetWeightedSVC",
    "label_weights",
    "powerset_encode",
    "prune_labelsets",
]


class LabelPowersetWeightedSVC(
    _LabelSetSolversMixin, _LabelSetScoresMixin, MultiOutputMixin, ClassifierMixin, BaseEstimator
):
    """Label powerset + inverse-label-frequency weighted SVM classifier.

    Each distinct row of the training label matrix ``Y`` (a label set,
    including the empty one) becomes one class of a single-label problem,
    solved by an SVM with per-row weights that penalise mistakes on rare
    labels more (the paper's cost-sensitive SVM). RAkEL-o, an ensemble of
    such models each on a random subset of ``k`` labels, is
    ``RakelO(LabelPowersetWeightedSVC(), labelset_size=k)``. A 1-D ``y`` is an ordinary
    (multi-class) problem: each class is its own "label set", and
    ``predict`` returns class labels.

    Parameters
    ----------
    C : float, default=0.9
        Penalty of the (weighted) hinge loss, as in :class:`sklearn.svm.SVC`:
        the rows' weights average 1 with the default weighting (the paper
        uses C=0.9). See Notes for ``weighting="paper_literal"``.
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
    weighting : {"paper", "paper_literal", "balanced"} or None, default="paper"
        Row weights, see :func:`label_weights`: ``"paper"`` = the mean
        inverse label frequency over the row's labels (the paper's relative
        weights), rescaled so the training rows' weights average 1;
        ``"paper_literal"`` = the same divided by the sum of the inverse
        label frequencies instead (the paper's normalisation, which shrinks
        the effective ``C``, see Notes); ``"balanced"`` = each powerset class
        weighs the same; ``None`` = unweighted (then the model is exactly
        scikit-multilearn's ``LabelPowerset(SVC(...))``). With
        ``labelset_size=k`` each member weights by its own ``k`` labels.
    prune_threshold : int or None, default=None
        Pruned sets (see :func:`prune_labelsets`): label sets seen in at
        most this many training rows are dropped and their rows
        reintroduced under up to ``prune_subsets`` of their more frequent
        subsets, so the model has fewer, better-populated classes but never
        predicts a pruned label set. ``None``: no pruning (the paper).
    prune_subsets : int, default=2
        Most subsets a pruned row is reintroduced under.
    labelset_size : int or None, default=None
        ``None``: one label powerset over all labels (the paper). An int
        ``k``: RAkEL-o, ``n_labelsets`` label-powerset SVMs, each on a random
        subset of ``k`` labels, whose per-label scores are averaged: ``fit``
        fits ``ensemble_``, a :class:`RakelO` of copies of this model with
        ``labelset_size=None``, and the outputs are its own. Ignored for a
        1-D ``y``.

        .. deprecated:: 0.1
           Use ``RakelO(LabelPowersetWeightedSVC(...), labelset_size=k)``;
           ``labelset_size``, ``n_labelsets`` and ``n_jobs`` will be removed
           in 0.3 (a ``FutureWarning`` at ``fit`` when it is not None).
    n_labelsets : int or None, default=None
        Deprecated with ``labelset_size`` (``RakelO``'s ``n_labelsets``).
        Number of members with ``labelset_size=k``: ``None`` means
        ``2 * n_labels`` (the RAkEL authors' choice for ``k=3``), at most the
        number of distinct ``k``-subsets; it must be at least
        ``ceil(n_labels / k)`` so that every label is in a member.
    solver : {"auto", "libsvm", "softmax"}, default="auto"
        ``"libsvm"``: :class:`sklearn.svm.SVC` (one-vs-one over label sets,
        hinge loss, the paper's exact setting). ``"softmax"``: not an SVM but
        a multinomial logistic regression over the label sets with the same
        row weights and ``C`` (the model of
        :class:`~sklearn.linear_model.LogisticRegression` with
        ``sample_weight``), all label sets in one smooth problem solved by
        L-BFGS with matrix-matrix products (linear kernel only; products in
        float32 unless ``tol < 1e-4``; the members of a RAkEL ensemble are
        solved together). ``"auto"``: libsvm up to 5,000 training rows and 500
        label sets (the paper's setting) and for other kernels, else
        ``"softmax"``; see Notes.
    sampler : imbalanced-learn sampler or None, default=None
        Resampler (e.g. ``RandomOverSampler()``) applied to the powerset
        classes before training; it is cloned. Weights are computed on the
        resampled rows. ``sample_weight`` together with a sampler needs a
        sampler that exposes ``sample_indices_``.
    break_ties : bool, default=True
        ``True``: the predicted label set is the argmax of the SVM's
        one-vs-rest decision values, so one-vs-one vote ties are broken by
        confidence and :meth:`predict` always agrees with
        :meth:`decision_function`. ``False``: libsvm's vote (ties go to the
        label set seen first in training), exactly as
        ``LabelPowerset(SVC())`` of scikit-multilearn. Only used with libsvm
        and ``labelset_size=None``.
    tol : float, default=1e-3
        Tolerance of the stopping criterion (libsvm's; ``"softmax"``: the
        largest gradient entry relative to the summed row costs, see
        ``skmmlc.multilabel._softmax.fit_grouped_softmax``).
    cache_size : float, default=200
        Kernel cache size in MB (libsvm).
    max_iter : int, default=-1
        Hard limit on solver iterations; -1 means ``max(10_000_000, 100_000 *
        n_samples)`` per pair of label sets for libsvm (far above what fits
        that converge take; one that reaches it ends with a
        ``ConvergenceWarning``) and 1000 L-BFGS iterations for
        ``"softmax"``.
    n_jobs : int or None, default=None
        Deprecated with ``labelset_size`` (``RakelO``'s ``n_jobs``).
        Members of a ``labelset_size=k`` ensemble fitted in parallel threads
        (libsvm releases the GIL); ``None`` means 1, -1 all cores. Not used
        when the members are solved together (``"softmax"``): BLAS threads
        then share the work.
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of label subsets and the sampler (libsvm and the
        softmax are deterministic here).

    Attributes
    ----------
    classes_ : ndarray
        Multi-label ``Y``: ``np.arange(n_labels)``, the column indices, as in
        :class:`~sklearn.multiclass.OneVsRestClassifier` and
        :class:`~sklearn.neural_network.MLPClassifier`. 1-D ``y``: the class
        labels.
    powersets_ : ndarray of shape (n_powersets, n_outputs)
        The label sets seen in training (one-hot rows for a 1-D ``y``); the
        SVM's class ``k`` is ``powersets_[k]``. Not set with
        ``labelset_size=k`` (see ``estimators_``).
    powerset_counts_ : ndarray of shape (n_powersets,)
        Number of training rows per label set as seen by the SVM (after the
        sampler). Not set with ``labelset_size=k``.
    svc_ : SVC, BatchSoftmaxRegression or None
        The fitted SVM, or for ``"softmax"`` the softmax regression
        (``skmmlc.multilabel._softmax.BatchSoftmaxRegression``: ``coef_``,
        ``intercept_``, ``decision_function`` and ``predict_proba`` as
        :class:`~sklearn.linear_model.LogisticRegression`); None when
        training had a single label set. Not set with ``labelset_size=k``.
    solver_ : {"libsvm", "softmax"}
        The solver used (with ``labelset_size=k``: by the first member).
    multilabel_ : bool
        Whether ``y`` was a 0/1 label indicator matrix (one 0/1 column
        included); else it held class labels.
    outputs_2d_ : bool
        Whether ``y`` was 2-D; :meth:`predict` then returns a 2-D array (one
        column for a column of class labels).
    ensemble_ : RakelO or None
        With ``labelset_size=k`` and a multi-label ``y``: the fitted
        ensemble, whose outputs :meth:`predict`, :meth:`decision_function`
        and :meth:`predict_proba` return. ``None`` otherwise.
    n_iter_ : ndarray or int
        Solver iterations: libsvm's per one-vs-one sub-problem, L-BFGS's for
        ``"softmax"``. Not set with ``labelset_size=k``.
    labelsets_ : ndarray of shape (n_labelsets, k)
        With ``labelset_size=k``: the label indices of each member
        (``ensemble_.labelsets_``).
    estimators_ : list of LabelPowersetWeightedSVC
        With ``labelset_size=k``: the members, full label powersets fitted on
        ``Y[:, labelsets_[i]]`` (their ``classes_`` index that subset;
        ``ensemble_.estimators_``).
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of str
        Names of features seen in fit, when ``X`` has string column names.

    See Also
    --------
    RakelO : RAkEL-o, an ensemble of this model on random label subsets; its
        members are solved together through :meth:`_joint_problem`.
    RFRecursiveSelector : The paper's feature selection around this model.
    skmmlc.multilabel.label_weights : The weighting rules.

    Notes
    -----
    **score.** ``score(X, Y)`` is subset accuracy, scikit-learn's convention
    for multi-label classifiers: the share of rows whose whole label set is
    predicted. For the paper's metrics use :mod:`skmmlc.metrics` (e.g.
    ``micro_f1(Y, model.predict(X))``, or ``scoring="f1_micro"`` in a search).

    **Weighting and C.** Let ``r_i`` be the paper's relative weight of row
    ``i`` (the mean of ``1 / n_j`` over its labels, "no label" counting as a
    label), ``S = sum_j 1 / n_j`` and ``m = sum_i s_i r_i / sum_i s_i`` with
    ``s_i`` the sample weights (1 without ``sample_weight``; after a
    ``sampler``, over the resampled rows). ``"paper"`` uses
    ``w_i = r_i / m`` (mean 1), ``"paper_literal"`` uses
    ``w_lit_i = r_i / S``. Hence ``w_lit_i = w_i * mean_s(w_lit)`` with
    ``mean_s(w_lit) = m / S`` the ``s``-weighted mean of the literal weights,
    and since the solver's penalty of row ``i`` is ``C * w_i * s_i``, fitting
    ``"paper_literal"`` with ``C`` is the same problem as fitting
    ``"paper"`` with ``C * mean_s(w_lit)``. That mean shrinks roughly like
    ``1 / n_labels`` (0.06 with 7 labels, 0.005 with 36), so the literal
    rule regularises far more than its ``C`` suggests; the default keeps
    ``C`` comparable across data sets. With ``labelset_size=k`` the
    equivalence holds member by member, each with its own mean.

    **Per-label scores (max-marginals).** Let ``d_k`` be the SVM's
    one-vs-rest decision value for label set ``k`` (libsvm: one-vs-one votes
    plus a bounded confidence, as :meth:`sklearn.svm.SVC.decision_function`
    gives it; ``"softmax"``: the label set's log-probability, up to a
    constant per row). With
    ``break_ties=True`` the predicted label set is ``argmax_k d_k``.
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

    **RAkEL** (deprecated ``labelset_size=k``). The model is then
    ``RakelO(LabelPowersetWeightedSVC(...), labelset_size=k,
    n_labelsets=n_labelsets, n_jobs=n_jobs, random_state=random_state)``
    with this model's other parameters in the members. The first
    ``ceil(n_labels / k)`` subsets split a random permutation of the labels,
    so every label is in a member; the others are drawn uniformly among the
    subsets not drawn yet (no subset twice). A label's score is the mean,
    over the members that contain it, of that member's max-marginal score;
    :meth:`predict` is ``decision_function(X) > 0`` and :meth:`predict_proba`
    its sigmoid, so the three always agree. Unlike the full powerset, the
    ensemble can predict label sets that no training row had.

    **Pruned sets** (``prune_threshold=p``, Read, Pfahringer and Holmes
    2008): see :func:`prune_labelsets`. The weights are computed on the
    pruned rows. Off by default; with RAkEL each member prunes its own
    label sets (the members are then fitted one by one).

    **Solvers.** libsvm trains ``K (K - 1) / 2`` one-vs-one SVMs for ``K``
    label sets, its fit grows at least quadratically with the rows, and its
    prediction evaluates all pairs: with 592 label sets and 1,100 rows of
    1,000 features it fits in 1.3 CPU seconds but predicts 400 rows in 94
    s; with 2,881 label sets and 16,000 rows the fit alone takes 480 s. A
    fit with more than 500 label sets warns before it starts.
    ``"softmax"`` has one weight vector per label set and one smooth,
    strongly convex objective; each L-BFGS step costs two matrix-matrix
    products over the rows (``X W`` and ``X^T G``, row chunks of about
    ``2**22 / K`` rows), memory ``O((d + chunk) K)`` and the L-BFGS history
    (10 pairs of ``(d + 1) K`` values).

    ``"auto"`` keeps libsvm (the paper's model) for a non-linear kernel and
    for problems of the paper's size (at most 5,000 training rows and 500
    label sets), and picks ``"softmax"`` above either size. Measured
    (``docs/benchmarks.md``, "labelsets"; C=0.9, tol=1e-3, CPU seconds of
    one core against per-label logistic regression's): on 1,100 rows x
    1,000 features with 592 label sets the softmax fits in 2.0x logistic
    regression's time with micro/macro-F1 0.241/0.076 against libsvm's
    0.193/0.038; on the pipeline's selection input (16,000 x 384, 125 label
    sets) in 5.7x with 0.742/0.675 against libsvm's 0.748/0.661 (fit 258x,
    prediction 45 s). On Mulan emotions and scene, where ``"auto"`` keeps
    libsvm, the softmax is 0.02-0.03 below libsvm (emotions 0.635/0.635
    against 0.662/0.661). The one-vs-rest squared-hinge solvers of earlier versions
    (liblinear, batched Newton, dual coordinate descent, ADMM) were slower
    and less accurate than the softmax on every shape measured and were
    removed. A RAkEL ensemble counts as one problem for ``"auto"``: past
    those sizes (its rows, or its members' label sets together) its members
    are solved together by ``"softmax"``.

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
        "weighting": [StrOptions({"paper", "paper_literal", "balanced"}), None],
        "prune_threshold": [Interval(numbers.Integral, 0, None, closed="left"), None],
        "prune_subsets": [Interval(numbers.Integral, 1, None, closed="left")],
        "labelset_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "n_labelsets": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "solver": [StrOptions({"auto", "libsvm", *_JOINT})],
        "sampler": [None, HasMethods(["fit_resample"])],
        "break_ties": ["boolean"],
        "tol": [Interval(numbers.Real, 0.0, None, closed="neither")],
        "cache_size": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_iter": [Interval(numbers.Integral, -1, None, closed="left")],
        "n_jobs": [numbers.Integral, None],
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
        prune_threshold=None,
        prune_subsets=2,
        labelset_size=None,
        n_labelsets=None,
        solver="auto",
        sampler=None,
        break_ties=True,
        tol=1e-3,
        cache_size=200,
        max_iter=-1,
        n_jobs=None,
        random_state=None,
    ):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.weighting = weighting
        self.prune_threshold = prune_threshold
        self.prune_subsets = prune_subsets
        self.labelset_size = labelset_size
        self.n_labelsets = n_labelsets
        self.solver = solver
        self.sampler = sampler
        self.break_ties = break_ties
        self.tol = tol
        self.cache_size = cache_size
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)  # sampler is an estimator
    def fit(self, X, y, sample_weight=None):
        """Fit the label powerset SVM (or the RAkEL ensemble).

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
        if self.labelset_size is not None:
            warnings.warn(
                f"LabelPowersetWeightedSVC(labelset_size={self.labelset_size}) is "
                "deprecated and will be removed in 0.3 (with n_labelsets and n_jobs, "
                "used only for it); use RakelO(LabelPowersetWeightedSVC(...), "
                f"labelset_size={self.labelset_size}) instead, from skmmlc or "
                "skmmlc.multilabel.",
                FutureWarning,
                stacklevel=3,
            )
        X, y, sample_weight = self._check_fit_data(X, y, sample_weight)
        if self.multilabel_ and self.labelset_size is not None:
            return self._fit_ensemble(X, y, sample_weight)
        with warnings.catch_warnings():
            # Many powerset classes relative to rows are what a label powerset
            # is; scikit-learn's "unique classes > 50% of samples" hint is noise
            # here.
            warnings.filterwarnings(
                "ignore", message="The number of unique classes is greater than 50%"
            )
            self._fit_svc(*self._encode(X, y, sample_weight))
        return self

    def _check_fit_data(self, X, y, sample_weight):
        """Validated ``X``, ``y`` and ``sample_weight`` of ``fit``.

        Sets ``n_features_in_`` (and ``feature_names_in_``), ``multilabel_``
        and ``outputs_2d_``; ``y`` comes back as an int64 label matrix, or
        1-D class labels.
        """
        # lists of names, -1/+1, joined strings: say so; a sparse y is made dense
        if y is not None:
            y = check_label_matrix(y)
        X, y = validate_data(self, X, y, accept_sparse="csr", multi_output=True, dtype=_DTYPES)
        check_classification_targets(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        check_sample_weight(sample_weight, X)  # negative, NaN: say so
        if self.solver in _JOINT and self.kernel != "linear":
            raise ValueError(
                f"solver={self.solver!r} needs kernel='linear', got "
                f"kernel={self.kernel!r}; use solver='libsvm' or 'auto' for other kernels."
            )
        self.outputs_2d_ = y.ndim == 2
        self.multilabel_ = is_label_matrix(y)
        if self.multilabel_:
            return X, y.astype(np.int64), sample_weight
        if y.ndim == 2 and y.shape[1] != 1:
            raise ValueError(
                "y must be a 0/1 label indicator matrix or a 1-D array of "
                f"class labels; got target type {type_of_target(y)!r}."
            )
        return X, y.ravel(), sample_weight

    def _fit_ensemble(self, X, Y, sample_weight):
        """RAkEL-o: a :class:`RakelO` of copies of this model with ``labelset_size=None``.

        The deprecated ``labelset_size=k`` (removed in 0.3, with this method).
        """
        from ._rakel import RakelO  # here: _rakel imports this module's class

        base = clone(self).set_params(labelset_size=None, n_labelsets=None, n_jobs=None)
        self.ensemble_ = RakelO(
            base,
            labelset_size=self.labelset_size,
            n_labelsets=self.n_labelsets,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
        ).fit(X, Y, sample_weight)
        self.classes_ = self.ensemble_.classes_
        self.labelsets_ = self.ensemble_.labelsets_
        self.estimators_ = self.ensemble_.estimators_
        self.solver_ = self.estimators_[0].solver_
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        return tags
