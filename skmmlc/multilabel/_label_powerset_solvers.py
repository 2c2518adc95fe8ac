"""How :class:`~skmmlc.multilabel.LabelPowersetWeightedSVC` solves its label-set problem.

The weighted single-label problem of a fit (each label set a class, the
sampler on the codes, the paper's weights), the solver that fits it
(libsvm's :class:`~sklearn.svm.SVC`, or the softmax over label sets,
:class:`~skmmlc.multilabel._softmax.BatchSoftmaxRegression`) and the hook
through which :class:`~skmmlc.multilabel.RakelO` solves its members together
(``_joint_problem``, ``_set_joint_solution``; see docs/design.md). A mixin of
the estimator, which holds the parameters and ``fit``'s checks.
"""

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.svm import SVC

from ._labelsets import label_weights, powerset_encode, prune_labelsets
from ._limits import libsvm_max_iter
from ._softmax import BatchSoftmaxRegression, JointProblem

# "auto" uses the softmax (linear kernel) above these sizes, and libsvm warns
# above _SLOW_LABEL_SETS label sets (see LabelPowersetWeightedSVC's Notes).
_AUTO_MAX_SAMPLES = 5_000
_SLOW_LABEL_SETS = 500
# solvers whose RAkEL members are solved together in one problem (see
# LabelPowersetWeightedSVC._joint_problem)
_JOINT = ("softmax",)
# float32 data is not copied to float64 here (the softmax's products run in
# float32 at the default tol; libsvm converts to float64 itself).
_DTYPES = [np.float64, np.float32]


class _LabelSetSolversMixin:
    """The encoded problem, its solvers and the joint-solve hook of the label powerset SVM."""

    def _choose_solver(self, n_samples, n_features, n_sets):
        if self.solver != "auto":
            return self.solver
        large = n_samples > _AUTO_MAX_SAMPLES or n_sets > _SLOW_LABEL_SETS
        if self.kernel != "linear" or not large:
            return "libsvm"
        # measured (docs/benchmarks.md, "labelsets"): past libsvm's sizes the
        # softmax over label sets is the fastest candidate and at least as
        # accurate as libsvm and the one-vs-rest SVMs
        return "softmax"

    def _encode(self, X, y, sample_weight):
        """The weighted single-label problem ``(X, codes, weights)`` of checked targets.

        Each label set (multi-label) or class (1-D ``y``) is a class, coded
        by its row of ``powersets_``; the sampler runs on the codes. Sets
        ``classes_``, ``powersets_``, ``powerset_counts_`` and ``solver_``
        (and ``ensemble_ = None``: one label powerset).
        """
        self.ensemble_ = None
        if self.multilabel_:
            self.classes_ = np.arange(y.shape[1])
            if self.prune_threshold is not None:
                rows, y = prune_labelsets(y, self.prune_threshold, self.prune_subsets)
                X = X[rows]
                if sample_weight is not None:
                    sample_weight = sample_weight[rows]
            self.powersets_, codes = powerset_encode(y)
        else:
            self.classes_, codes = np.unique(y, return_inverse=True)
            self.powersets_ = np.eye(self.classes_.size, dtype=np.int64)
        if self.sampler is not None:
            X, codes, sample_weight = self._resample(X, codes, sample_weight)
        weights = label_weights(self.powersets_[codes], self.weighting, sample_weight)
        if sample_weight is not None:
            weights = weights * sample_weight
        self.powerset_counts_ = np.bincount(codes, minlength=len(self.powersets_))
        self.solver_ = self._choose_solver(*X.shape, self._n_present())
        return X, codes, weights

    def _n_present(self):
        """Number of label sets the SVM sees (after the sampler)."""
        return np.count_nonzero(self.powerset_counts_)

    def _constant_code(self):
        """The one label set seen in training, when there was only one."""
        return self.powerset_counts_.argmax()

    def _fit_svc(self, X, codes, weights):
        """Fit ``svc_`` (None for a single label set) on the encoded problem."""
        n_present = self._n_present()
        if n_present == 1:
            self.svc_ = None
            self.n_iter_ = np.zeros(0, dtype=np.int32)
            return
        if self.solver_ == "libsvm" and n_present > _SLOW_LABEL_SETS:
            warnings.warn(
                f"Fitting libsvm on {n_present} label sets trains "
                f"{n_present * (n_present - 1) // 2} one-vs-one SVMs; this "
                "will be slow. Use solver='softmax' (linear kernel) or "
                "RakelO(LabelPowersetWeightedSVC(), labelset_size=3).",
                UserWarning,
                stacklevel=4,
            )
        self.svc_ = self._make_svc()
        if self.solver_ == "libsvm":  # max_iter=-1: a finite bound, see _limits.py
            self.svc_.set_params(max_iter=libsvm_max_iter(self.max_iter, X.shape[0]))
        self.svc_.fit(X, codes, sample_weight=weights)
        self.n_iter_ = self.svc_.n_iter_

    def _make_svc(self):
        """An unfitted SVM (or softmax regression) for ``solver_``."""
        if self.solver_ == "softmax":
            return BatchSoftmaxRegression(C=self.C, tol=self.tol, max_iter=self._softmax_max_iter())
        return SVC(
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

    def _softmax_max_iter(self):
        return 1000 if self.max_iter == -1 else self.max_iter

    def _joint_problem(self, X, Y, sample_weight=None):
        """This model's problem, for an ensemble that solves its members together.

        The hook of :class:`~skmmlc.multilabel.RakelO` (see its Notes): with
        ``solver="softmax"``, or ``"auto"``, a linear kernel, no sampler and
        no pruning, the data are checked and encoded as :meth:`fit` does
        (setting the fitted attributes but ``svc_``, ``n_iter_`` and
        ``solver_``) and the weighted label-set problem is returned, naming
        the solver ``"softmax"``; with ``"auto"`` it asks for a joint solve
        only above 5,000 rows or 500 label sets in the ensemble together
        (``only_above``). Else None: the ensemble calls :meth:`fit`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        Y : array-like of shape (n_samples, n_labels)
            0/1 label indicator matrix (this member's labels).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-row weights, as in :meth:`fit`.

        Returns
        -------
        problem : skmmlc.multilabel._softmax.JointProblem or None
            Then pass its solution to :meth:`_set_joint_solution`.
        """
        if self.labelset_size is not None or self.sampler is not None:
            return None
        if self.prune_threshold is not None:  # the rows would be this member's own
            return None
        if self.kernel != "linear" or self.solver not in ("auto", *_JOINT):
            return None
        self._validate_params()  # what fit would check
        X, Y, sample_weight = self._check_fit_data(X, Y, sample_weight)
        if not self.multilabel_:
            return None
        X, codes, weights = self._encode(X, Y, sample_weight)
        return JointProblem(
            solver="softmax",
            X=X,
            targets=codes,
            costs=self.C * weights,
            n_classes=len(self.powersets_),
            tol=self.tol,
            max_iter=self._softmax_max_iter(),
            only_above=(_AUTO_MAX_SAMPLES, _SLOW_LABEL_SETS) if self.solver == "auto" else None,
        )

    def _set_joint_solution(self, problem, solution):
        """Keep the solution of :meth:`_joint_problem`'s problem; the model is fitted.

        Parameters
        ----------
        problem : skmmlc.multilabel._softmax.JointProblem
            What :meth:`_joint_problem` returned.
        solution : tuple or None
            ``(coef, intercept, n_iter, objective)``, this problem's columns
            of the joint solution (:func:`~skmmlc.multilabel._softmax.fit_grouped_softmax`);
            None for a problem of one label set (nothing to solve).

        Returns
        -------
        self : LabelPowersetWeightedSVC
            Fitted estimator.
        """
        self.solver_ = problem.solver
        if solution is None:
            self.svc_, self.n_iter_ = None, np.zeros(0, dtype=np.int32)
            return self
        svc = self._make_svc()
        svc.classes_, svc.n_features_in_ = np.arange(problem.n_classes), problem.X.shape[1]
        svc._set_solution(*solution)
        self.svc_, self.n_iter_ = svc, svc.n_iter_
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
