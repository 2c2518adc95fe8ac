"""Random-forest ranking + recursive feature elimination (Algorithm 1 of the paper)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import SelectorMixin
from sklearn.metrics import accuracy_score, check_scoring, f1_score
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing, check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, RealNotInt
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..model_selection import iterative_split
from ..multilabel import LabelPowersetWeightedSVC

__all__ = ["RFRecursiveSelector", "stratified_split"]


def stratified_split(y, test_size, random_state=None):
    """Train/validation indices with similar label distributions.

    Multi-label ``y`` is split by iterative stratification
    (:func:`skmmlc.model_selection._iterative.iterative_split`), which keeps every label's share,
    rare labels included; a 1-D ``y`` is stratified on its classes the same way
    (one-hot).

    Parameters
    ----------
    y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        Targets.
    test_size : float
        Fraction of rows in the validation part.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    train, validation : ndarray of int
        Row indices.

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc.feature_selection._rfe import stratified_split
    >>> y = np.array([[1, 0]] * 6 + [[0, 1]] * 4)
    >>> train, val = stratified_split(y, 0.5, random_state=0)
    >>> int(y[val, 0].sum()), int(y[val, 1].sum())
    (3, 2)
    """
    y = np.asarray(y)
    Y = y if y.ndim == 2 else (y[:, None] == np.unique(y)[None, :])
    train, validation = iterative_split(Y, (1 - test_size, test_size), random_state)
    if len(train) == 0 or len(validation) == 0:
        raise ValueError(
            f"Cannot hold out {test_size:.0%} of n_samples = {len(y)} for validation: "
            "give more samples, another validation_fraction, or cv."
        )
    return train, validation


def _micro_f1_score(estimator, X, y):
    """Micro-F1 of ``estimator`` on (X, y); for a 1-D ``y`` it is the accuracy."""
    y_pred = estimator.predict(X)
    if np.ndim(y) == 1:
        return accuracy_score(y, y_pred)
    return f1_score(y, y_pred, average="micro", zero_division=0)


def _estimator_has(attr):
    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self._get_estimator(), attr)

    return check


class RFRecursiveSelector(SelectorMixin, MetaEstimatorMixin, BaseEstimator):
    """Feature selection by random-forest Gini ranking and recursive elimination.

    Algorithm 1 of the paper: features are ranked by a random forest's mean
    decrease in Gini impurity (``feature_importances_``); then the
    lowest-ranked features are dropped ``step`` at a time, the estimator is
    refit on the remaining ones and scored on validation data, and the
    elimination stops when the score no longer improves; the best subset
    seen is kept. ``estimator_`` is finally refit on the selected features
    and all the training data, and ``predict``/``score``/... delegate to it.

    Parameters
    ----------
    estimator : estimator, default=None
        Model refit in each round; ``None`` means
        ``LabelPowersetWeightedSVC()`` (the paper's weighted SVM).
    step : int or float, default=1
        Features dropped per round: an int >= 1, or a float in (0, 1) for a
        fraction of the original number of features (rounded down, at least
        1), as in :class:`sklearn.feature_selection.RFE`.
    validation_fraction : float, default=0.2
        Fraction of the training rows held out for scoring when ``cv`` is
        None. The split keeps every label's share (iterative stratification,
        see :func:`stratified_split`).
    cv : int, cross-validation generator, iterable or None, default=None
        If given, each round's score is the mean over these folds instead
        of a single held-out split (``cv`` times the cost).
    scoring : str, callable or None, default=None
        Score to maximise; ``None`` is micro-averaged F1 (for a 1-D ``y`` it
        equals accuracy).
    patience : int, default=0
        Rounds in a row allowed without reaching the best score before
        stopping. ``0`` is the paper: stop at the first round whose score
        falls below the best. Ties count as improvements, so that the
        smaller subset wins.
    min_features_to_select : int, default=1
        Never eliminate below this many features.
    n_estimators : int, default=100
        Trees of the ranking forest.
    n_jobs : int or None, default=None
        Parallel jobs of the forest.
    random_state : int, RandomState instance or None, default=None
        Seeds the forest and the validation split.
    verbose : int, default=0
        Print one line per round when positive.

    Attributes
    ----------
    importances_ : ndarray of shape (n_features,)
        The forest's mean decrease in Gini impurity per feature.
    support_ : ndarray of shape (n_features,), dtype=bool
        Mask of the selected features.
    ranking_ : ndarray of shape (n_features,)
        1 for the selected features; the others are ranked 2, 3, ... by
        decreasing importance (the order in which they would come back).
    n_features_ : int
        Number of selected features.
    scores_ : ndarray of shape (n_rounds,)
        Validation score of each round, the first with all features.
    n_features_per_round_ : ndarray of shape (n_rounds,)
        Number of features used in each round.
    estimator_ : estimator
        ``estimator`` refit on the selected features of all training rows.
    classes_ : ndarray
        ``estimator_.classes_``.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of str
        Names of features seen in fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.feature_selection.RFECV : Elimination by the model's own weights.
    LabelPowersetWeightedSVC : The default estimator.

    Notes
    -----
    Cost: one forest fit, then one estimator fit per round (times the
    number of ``cv`` folds), plus a final refit. A full elimination from
    ``p`` features has ``(p - min_features_to_select) / step`` rounds; the
    early stop usually ends it after a handful. For the paper's 384 fused
    features, ``step=0.05`` (19 features per round) bounds it at 20 rounds.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from skmmlc import RFRecursiveSelector
    >>> X, Y = make_multilabel_classification(n_samples=80, n_features=6,
    ...                                       n_classes=3, random_state=0)
    >>> X = np.hstack([X, np.random.default_rng(0).normal(size=(80, 4))])
    >>> selector = RFRecursiveSelector(step=2, random_state=0).fit(X, Y)
    >>> selector.transform(X).shape[1] == selector.n_features_
    True
    >>> selector.predict(X).shape
    (80, 3)
    """

    _parameter_constraints = {
        "estimator": [None, HasMethods(["fit", "predict"])],
        # as RFE: a count of features, or a fraction of them
        "step": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
        ],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "cv": ["cv_object", None],
        "scoring": [None, str, callable],
        "patience": [Interval(Integral, 0, None, closed="left")],
        "min_features_to_select": [Interval(Integral, 1, None, closed="left")],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [None, Integral],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        step=1,
        validation_fraction=0.2,
        cv=None,
        scoring=None,
        patience=0,
        min_features_to_select=1,
        n_estimators=100,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.step = step
        self.validation_fraction = validation_fraction
        self.cv = cv
        self.scoring = scoring
        self.patience = patience
        self.min_features_to_select = min_features_to_select
        self.n_estimators = n_estimators
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _get_estimator(self):
        return LabelPowersetWeightedSVC() if self.estimator is None else self.estimator

    def _get_scorer(self, estimator):
        if self.scoring is None:
            return _micro_f1_score
        return check_scoring(estimator, scoring=self.scoring)

    @_fit_context(
        # the estimator is validated by its own fit
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y):
        """Rank the features, eliminate recursively, refit on the best subset.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (e.g. the 384 fused temporal features).
        y : array-like of shape (n_samples, n_labels) or (n_samples,)
            0/1 label indicator matrix, or class labels.

        Returns
        -------
        self : RFRecursiveSelector
            Fitted selector.
        """
        X, y = validate_data(self, X, y, accept_sparse="csr", multi_output=True)
        check_classification_targets(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        n_features = X.shape[1]
        rng = check_random_state(self.random_state)
        seed = rng.randint(np.iinfo(np.int32).max)
        estimator = self._get_estimator()
        scorer = self._get_scorer(estimator)

        forest = RandomForestClassifier(
            n_estimators=self.n_estimators,
            criterion="gini",
            n_jobs=self.n_jobs,
            random_state=seed,
        ).fit(X, y)
        self.importances_ = forest.feature_importances_
        # stable sort, most important first; ties keep column order
        order = np.argsort(-self.importances_, kind="stable")

        if self.cv is None:
            splits = [stratified_split(y, self.validation_fraction, random_state=seed)]
        else:
            cv = check_cv(self.cv, y, classifier=True)
            splits = list(cv.split(X, y))

        step = self.step if self.step >= 1 else max(1, int(self.step * n_features))
        n_min = min(self.min_features_to_select, n_features)
        scores, sizes = [], []
        best, waited = -np.inf, 0
        n_keep = n_features
        while True:
            score = self._score_subset(estimator, scorer, X, y, order[:n_keep], splits)
            scores.append(score)
            sizes.append(n_keep)
            if self.verbose:
                print(f"RFRecursiveSelector: {n_keep} features, score {score:.4f}")
            if score >= best:
                best, waited = score, 0
            else:
                waited += 1
            if waited > self.patience or n_keep <= n_min:
                break
            n_keep = max(n_min, n_keep - step)

        self.scores_ = np.asarray(scores)
        self.n_features_per_round_ = np.asarray(sizes)
        # best score; among equal scores the smallest subset (the latest round)
        best_round = len(scores) - 1 - int(np.argmax(self.scores_[::-1]))
        self.n_features_ = int(sizes[best_round])
        self.support_ = np.zeros(n_features, dtype=bool)
        self.support_[order[: self.n_features_]] = True
        self.ranking_ = np.ones(n_features, dtype=np.int64)
        dropped = order[self.n_features_ :]
        self.ranking_[dropped] = np.arange(2, dropped.size + 2)

        self.estimator_ = clone(estimator).fit(X[:, self.support_], y)
        return self

    def _score_subset(self, estimator, scorer, X, y, columns, splits):
        X_sub = X[:, np.sort(columns)]
        fold_scores = []
        for train, val in splits:
            model = clone(estimator).fit(
                _safe_indexing(X_sub, train), _safe_indexing(y, train)
            )
            fold_scores.append(
                scorer(model, _safe_indexing(X_sub, val), _safe_indexing(y, val))
            )
        return float(np.mean(fold_scores))

    def _get_support_mask(self):
        check_is_fitted(self)
        return self.support_

    @property
    def classes_(self):
        """Class labels of the fitted estimator."""
        return self.estimator_.classes_

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict with ``estimator_`` on the selected features.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples with all the original features.

        Returns
        -------
        y_pred : ndarray
            ``estimator_.predict`` of the selected columns.
        """
        check_is_fitted(self)
        return self.estimator_.predict(self.transform(X))

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """``estimator_.decision_function`` on the selected features.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples with all the original features.

        Returns
        -------
        scores : ndarray
            Scores of ``estimator_``.
        """
        check_is_fitted(self)
        return self.estimator_.decision_function(self.transform(X))

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """``estimator_.predict_proba`` on the selected features.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples with all the original features.

        Returns
        -------
        proba : ndarray
            Probabilities of ``estimator_``.
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(self.transform(X))

    @available_if(_estimator_has("score"))
    def score(self, X, y):
        """``estimator_.score`` on the selected features.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples with all the original features.
        y : array-like
            True targets.

        Returns
        -------
        score : float
            Score of ``estimator_`` (subset accuracy for a classifier).
        """
        check_is_fitted(self)
        return self.estimator_.score(self.transform(X), y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        sub = get_tags(self._get_estimator())
        tags.estimator_type = sub.estimator_type
        tags.classifier_tags = sub.classifier_tags
        tags.regressor_tags = sub.regressor_tags
        tags.target_tags.required = True
        tags.target_tags.multi_output = sub.target_tags.multi_output
        tags.input_tags.sparse = sub.input_tags.sparse
        return tags
