"""A classifier trained on resampled data: imbalanced-learn's pipeline semantics
inside a scikit-learn Pipeline."""

from __future__ import annotations

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    MultiOutputMixin,
    _fit_context,
    clone,
)
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _num_samples, check_is_fitted

__all__ = ["ResampledClassifier"]


def _inner_has(name):
    def check(self):
        return hasattr(getattr(self, "estimator_", self.estimator), name)

    return check


class ResampledClassifier(MetaEstimatorMixin, MultiOutputMixin, ClassifierMixin,
                          BaseEstimator):
    """Resample the training data, then fit a classifier on it.

    ``fit`` calls ``sampler.fit_resample(X, y)`` on a clone of the sampler
    and fits a clone of ``estimator`` on the result; ``predict``,
    ``predict_proba``, ``decision_function`` and ``score`` go to the fitted
    estimator on the data as given. This is what a sampler does inside
    imbalanced-learn's :class:`~imblearn.pipeline.Pipeline` (resample during
    ``fit`` only), as one estimator, so it can be a step of a scikit-learn
    :class:`~sklearn.pipeline.Pipeline` (which has no resampling step), of
    :class:`~skmmlc.MultimodalDisasterPipeline`
    (``make_disaster_pipeline(resample=...)``) or the ``estimator`` of
    :class:`~skmmlc.RFRecursiveSelector`. Rows held out for validation or
    cross-validation outside it are never resampled.

    Parameters
    ----------
    sampler : object with ``fit_resample``
        E.g. :class:`MLSMOTE`, :class:`MLROS`, :class:`MLRUS`,
        :class:`REMEDIAL`, or an imbalanced-learn sampler for single-label
        ``y``. Tune it as ``sampler__k_neighbors``.
    estimator : classifier
        Fitted on the resampled data, e.g.
        :class:`~skmmlc.LabelPowersetWeightedSVC` or any scikit-learn
        multi-label classifier. Tune it as ``estimator__C``.

    Attributes
    ----------
    sampler_ : object
        The fitted clone of ``sampler``.
    estimator_ : estimator
        The fitted clone of ``estimator``.
    classes_ : ndarray or list of ndarray
        Of ``estimator_``.
    n_features_in_ : int
        Of ``estimator_``.
    n_resampled_ : int
        Number of rows it was fitted on.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from skmmlc.resampling import MLSMOTE, ResampledClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 4))
    >>> Y = np.c_[X[:, 0] > 0, X[:, 1] > 1.2, X[:, 2] > 0].astype(int)
    >>> model = ResampledClassifier(MLSMOTE(random_state=0),
    ...                             OneVsRestClassifier(LogisticRegression()))
    >>> model.fit(X, Y).predict(X[:2]).shape
    (2, 3)
    >>> model.n_resampled_ > 60
    True
    """

    _parameter_constraints: dict = {
        "sampler": [HasMethods(["fit_resample"])],
        "estimator": [HasMethods(["fit", "predict"])],
    }

    def __init__(self, sampler, estimator):
        self.sampler = sampler
        self.estimator = estimator

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Resample ``(X, y)`` and fit the estimator on the result.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples, n_labels) or (n_samples,)
        **fit_params : dict
            Passed to the estimator's ``fit``. A ``sample_weight`` follows
            the rows through ``sampler_.sample_indices_`` (samplers without
            it, such as :class:`MLSMOTE`, refuse it).

        Returns
        -------
        self
        """
        self.sampler_ = clone(self.sampler)
        X_res, y_res = self.sampler_.fit_resample(X, y)
        weight = fit_params.pop("sample_weight", None)
        if weight is not None:
            indices = getattr(self.sampler_, "sample_indices_", None)
            if indices is None:
                raise ValueError(
                    f"sample_weight cannot follow the rows of "
                    f"{type(self.sampler_).__name__}: it makes new rows and has no "
                    "sample_indices_. Fit without sample_weight, or use a sampler "
                    "that copies rows (MLROS, MLRUS, REMEDIAL)."
                )
            fit_params["sample_weight"] = np.asarray(weight)[indices]
        self.estimator_ = clone(self.estimator).fit(X_res, y_res, **fit_params)
        self.n_resampled_ = _num_samples(X_res)
        return self

    @property
    def classes_(self):
        """Classes of the fitted estimator."""
        check_is_fitted(self)
        return self.estimator_.classes_

    @property
    def n_features_in_(self):
        """Number of features seen in ``fit``."""
        check_is_fitted(self)
        return self.estimator_.n_features_in_

    @property
    def feature_names_in_(self):
        """Feature names seen in ``fit`` (string column names of a DataFrame)."""
        check_is_fitted(self)
        return self.estimator_.feature_names_in_

    def predict(self, X):
        """Predict with the fitted estimator (no resampling)."""
        check_is_fitted(self)
        return self.estimator_.predict(X)

    @available_if(_inner_has("predict_proba"))
    def predict_proba(self, X):
        """``predict_proba`` of the fitted estimator."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(_inner_has("decision_function"))
    def decision_function(self, X):
        """``decision_function`` of the fitted estimator."""
        check_is_fitted(self)
        return self.estimator_.decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.target_tags.multi_output = inner.target_tags.multi_output
        tags.classifier_tags.multi_label = inner.classifier_tags.multi_label
        return tags
