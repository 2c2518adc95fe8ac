"""The heads of the rows of Table II, each chosen on the validation rows.

Each head is a scikit-learn estimator whose hyper-parameter is chosen on the
validation rows by GridSearchCV (see :func:`choose_on_validation`), then refit
on the train rows. A head function (``dense_head``, ``static_head``,
``proposed_head``) returns ``(predict, score, chosen)``: two functions of a
feature matrix and a short description of what validation chose.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, PredefinedSplit, check_cv
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .. import metrics as _metrics
from ..model_selection import iterative_split

__all__ = ["ProposedHead", "choose_on_validation", "dense_head", "proposed_head",
           "static_head"]


def choose_on_validation(estimator, candidates, F, Y, splits, *, holds_out=False):
    """Fit ``estimator`` with each of ``candidates`` (parameter dicts) on the train
    rows, keep the best validation micro-F1, refit it on the train rows.

    ``GridSearchCV`` on the train and validation rows: one fit and one score
    on the validation rows per candidate. Candidates are tried in the order
    given (one grid each), and among equal scores the first is kept (the
    lowest rank, first). A single candidate is taken without a search.

    ``holds_out=False``: each fit sees the train rows only
    (``cv=PredefinedSplit``). ``holds_out=True``: ``estimator`` holds the
    validation rows out itself (its ``cv`` is set to the
    :class:`~sklearn.model_selection.PredefinedSplit` of the train rows,
    then the validation rows): each fit sees both, in that order, and the
    final one too.

    Returns ``(model, params)``: ``estimator`` with the chosen ``params``, fitted.
    """
    tr, va, _ = splits
    rows = np.concatenate([tr, va])
    fold = PredefinedSplit(np.r_[np.full(len(tr), -1), np.zeros(len(va), dtype=int)])
    if holds_out:
        estimator = clone(estimator).set_params(cv=fold)
        cv, fit_rows = [(np.arange(len(rows)), np.arange(len(tr), len(rows)))], rows
    else:
        cv, fit_rows = fold, tr
    params = candidates[0]
    if len(candidates) > 1:
        search = GridSearchCV(
            estimator,
            [{name: [value] for name, value in candidate.items()} for candidate in candidates],
            scoring=_metrics.micro_f1_scorer,
            cv=cv,
            refit=False,  # the protocol refits on the train rows only, not train + validation
            error_score="raise",
        ).fit(F[rows], Y[rows])
        params = search.best_params_
    return clone(estimator).set_params(**params).fit(F[fit_rows], Y[fit_rows]), params


def dense_head(F, Y, splits, *, alphas, random_state):
    """Dense layers on fused features, L2 penalty chosen on validation."""
    head = MLPClassifier(hidden_layer_sizes=(128,), max_iter=400, random_state=random_state)
    with warnings.catch_warnings():  # a few hundred epochs suffice on this scale
        warnings.simplefilter("ignore", ConvergenceWarning)
        head, params = choose_on_validation(
            head, [{"alpha": alpha} for alpha in alphas], F, Y, splits
        )
    return head.predict, head.predict_proba, f"alpha={params['alpha']:g}"


def static_head(F, Y, splits, *, Cs, random_state):
    """Standardised features, one logistic regression per label, C on validation."""
    model = Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "classify",
                OneVsRestClassifier(LogisticRegression(max_iter=2000, random_state=random_state)),
            ),
        ]
    )
    with warnings.catch_warnings():  # a label constant in training is predicted as such
        warnings.filterwarnings("ignore", message="Label .* is present in all")
        warnings.filterwarnings("ignore", message="Label not .* is present in all")
        model, params = choose_on_validation(
            model, [{"classify__estimator__C": C} for C in Cs], F, Y, splits
        )
    return model.predict, model.predict_proba, f"C={params['classify__estimator__C']:g}"


def proposed_head(
    F, Y, splits, *, random_state, select_params, classify_params, Cs, labelset_sizes, resample=None
):
    """:class:`ProposedHead`, ``C`` and ``labelset_size`` chosen on validation.
    With ``resample``, the SVMs are trained on resampled train rows (validation and
    test rows are never resampled)."""
    head = ProposedHead(
        select_params=select_params,
        classify_params=classify_params,
        resample=resample,
        random_state=random_state,
    )
    candidates = [{"C": C, "labelset_size": k} for k in labelset_sizes for C in Cs]
    model, params = choose_on_validation(head, candidates, F, Y, splits, holds_out=True)
    chosen = (
        f"C={params['C']:g}, labelset_size={params['labelset_size']}, "
        f"{int(model.support_.sum())}/{F.shape[1]} features"
    )
    return model.predict, model.decision_function, chosen


class ProposedHead(ClassifierMixin, BaseEstimator):
    """The proposed row's head: standardise, RF ranking + recursive elimination
    scored on validation rows, then the weighted label-powerset SVM (``C``,
    ``labelset_size``) on the selected features of the train rows.

    ``fit(X, y)`` takes the train and the validation rows together; ``cv``
    says which are which, as :class:`~skmmlc.RFRecursiveSelector`'s does.
    The scaler is fit on the train rows; the selector ranks the features on
    both and scores its elimination rounds on the validation rows; the SVM
    is fit on the train rows only. With ``resample``, the SVMs are trained
    on rows resampled by a clone of it.

    Parameters
    ----------
    C : float, default=1.0
        The SVM's ``C``.
    labelset_size : int or None, default=None
        None: the full label powerset; ``k``: RAkEL-o over ``k``-label sets
        (:class:`~skmmlc.RakelO`).
    cv : cross-validation generator, iterable or None, default=None
        Its first split is ``(train rows, validation rows)``, e.g. a
        :class:`~sklearn.model_selection.PredefinedSplit`; rows in neither
        are left out. None: 20% of the rows held out for validation
        (iterative stratification, seeded by ``random_state``).
    select_params, classify_params : dict, default=None
        Parameters of the :class:`~skmmlc.RFRecursiveSelector` (other than
        ``estimator`` and ``cv``) and of the
        :class:`~skmmlc.LabelPowersetWeightedSVC`.
    resample : sampler, default=None
        Train the SVMs on rows resampled by a clone of it.
    random_state : int or None, default=None
        Seed of the selector, the SVMs and the default validation split.
    """

    def __init__(
        self,
        C=1.0,
        labelset_size=None,
        *,
        cv=None,
        select_params=None,
        classify_params=None,
        resample=None,
        random_state=None,
    ):
        self.C = C
        self.labelset_size = labelset_size
        self.cv = cv
        self.select_params = select_params
        self.classify_params = classify_params
        self.resample = resample
        self.random_state = random_state

    def _svm(self):
        from ..multilabel import LabelPowersetWeightedSVC, RakelO
        from ..resampling import ResampledClassifier

        params = dict(self.classify_params or {}, C=self.C, random_state=self.random_state)
        if self.labelset_size is None:
            svc = LabelPowersetWeightedSVC(**params)
        else:  # RAkEL-o
            ensemble = {k: params.pop(k) for k in ("n_labelsets", "n_jobs") if k in params}
            svc = RakelO(
                LabelPowersetWeightedSVC(**params),
                labelset_size=self.labelset_size,
                random_state=self.random_state,
                **ensemble,
            )
        return svc if self.resample is None else ResampledClassifier(clone(self.resample), svc)

    def _train_validation(self, X, y):
        """The train rows and the validation rows of ``X``: ``cv``'s first split."""
        if self.cv is None:
            train, validation = iterative_split(y, (0.8, 0.2), random_state=self.random_state)
        else:
            train, validation = next(iter(check_cv(self.cv).split(X, y)))
        return np.asarray(train), np.asarray(validation)

    def fit(self, X, y):
        """Fit on the train rows of ``X``, the features selected on its validation rows.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            The train and the validation rows (``cv`` tells them apart).
        y : ndarray of shape (n_samples, n_labels)
            0/1 label indicator matrix.

        Returns
        -------
        self : ProposedHead
        """
        from ..feature_selection import RFRecursiveSelector

        X, y = np.asarray(X), np.asarray(y)
        train, validation = self._train_validation(X, y)
        self.scaler_ = StandardScaler().fit(X[train])
        Z, Z_val = self.scaler_.transform(X[train]), self.scaler_.transform(X[validation])
        fold = PredefinedSplit(np.r_[np.full(len(Z), -1), np.zeros(len(Z_val), dtype=int)])
        selector = RFRecursiveSelector(
            estimator=self._svm(),
            cv=fold,
            random_state=self.random_state,
            **(self.select_params or {}),
        ).fit(np.concatenate([Z, Z_val]), np.concatenate([y[train], y[validation]]))
        self.support_ = selector.get_support()
        self.estimator_ = self._svm().fit(Z[:, self.support_], y[train])
        return self

    @property
    def classes_(self):
        return self.estimator_.classes_

    def predict(self, X):
        """Labels of ``X`` (0/1 matrix)."""
        return self.estimator_.predict(self.scaler_.transform(X)[:, self.support_])

    def decision_function(self, X):
        """Scores of ``X``, one column per label."""
        return self.estimator_.decision_function(self.scaler_.transform(X)[:, self.support_])
