"""What a fitted :class:`~skmmlc.multilabel.LabelPowersetWeightedSVC` predicts.

The solver's decision values per label set, the predicted label sets, and
the per-label max-marginal scores and their sigmoid (the class's Notes,
"Per-label scores"), computed in row batches. A mixin of the estimator.
"""

import numpy as np
from sklearn.utils import gen_batches
from sklearn.utils.validation import check_is_fitted, validate_data

from ._label_powerset_solvers import _DTYPES

# Scores are computed in row batches of at most this many values per batch.
_BATCH_VALUES = 2**22


def _max_marginals(scores, member):
    """Per-label max-marginal scores of label-set scores.

    ``scores`` (n_samples, n_sets) and ``member`` (n_sets, n_labels, bool) give
    ``max_{k: j in set k} scores_k - max_{k: j not in set k} scores_k`` per
    label ``j``, a maximum over no set counting as ``min_k scores_k - 1``.
    One side of each difference is the row's best score; only the other side
    is searched, over at most ``n_samples x n_sets`` values at a time.
    """
    n_samples = scores.shape[0]
    top = scores.argmax(axis=1)
    best = scores[np.arange(n_samples), top]
    floor = scores.min(axis=1) - 1.0
    result = np.empty((n_samples, member.shape[1]))
    for j, has in enumerate(member.T):
        positive = has[top]  # the best set contains j
        rival = floor.copy()  # best score on the other side of j
        for rows, sets in ((positive, ~has), (~positive, has)):
            if rows.any() and sets.any():
                rival[rows] = scores[np.ix_(rows, sets)].max(axis=1)
        result[:, j] = np.where(positive, best - rival, rival - best)
    return result


def _softmax(scores):
    scores = scores - scores.max(axis=1, keepdims=True)
    expo = np.exp(scores)
    return expo / expo.sum(axis=1, keepdims=True)


class _LabelSetScoresMixin:
    """predict, decision_function and predict_proba of the label powerset SVM."""

    def _validate_X(self, X):
        check_is_fitted(self)
        return validate_data(self, X, accept_sparse="csr", dtype=_DTYPES, reset=False)

    def _batches(self, n_samples):
        """Row batches that keep the SVM's decision values below _BATCH_VALUES."""
        n_sets = len(self.powersets_)
        per_row = n_sets * (n_sets - 1) // 2 + n_sets if self.solver_ == "libsvm" else n_sets
        return gen_batches(n_samples, max(1, _BATCH_VALUES // per_row))

    def _set_scores(self, X):
        """The SVM's one-vs-rest decision values, shape (n_samples, n_powersets)."""
        n_sets = len(self.powersets_)
        scores = np.full((X.shape[0], n_sets), -1.0)
        if self.svc_ is None:
            scores[:, self._constant_code()] = 1.0
            return scores
        raw = self.svc_.decision_function(X)
        if raw.ndim == 1:  # two label sets: positive means svc_.classes_[1]
            raw = np.column_stack([-raw, raw])
        scores[:, self.svc_.classes_] = raw
        if self.svc_.classes_.size < n_sets:  # sets removed by an under-sampler
            missing = np.setdiff1d(np.arange(n_sets), self.svc_.classes_)
            scores[:, missing] = raw.min(axis=1, keepdims=True) - 1.0
        return scores

    def _label_scores(self, X):
        """Per-label max-marginal scores of validated ``X`` (multi-label fits)."""
        member = self.powersets_.astype(bool)
        scores = np.empty((X.shape[0], self.classes_.size))
        for rows in self._batches(X.shape[0]):
            scores[rows] = _max_marginals(self._set_scores(X[rows]), member)
        return scores

    def _predict_codes(self, X):
        if self.svc_ is None:
            return np.full(X.shape[0], self._constant_code())
        if self.solver_ == "libsvm" and not self.break_ties:
            return self.svc_.predict(X)
        codes = np.empty(X.shape[0], dtype=np.intp)
        for rows in self._batches(X.shape[0]):
            codes[rows] = self._set_scores(X[rows]).argmax(axis=1)
        return codes

    def predict(self, X):
        """Predict the label set (or class) of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples, n_labels) or (n_samples,)
            0/1 indicator matrix (multi-label training) or class labels;
            ``(n_samples, 1)`` when ``y`` was one column.
        """
        X = self._validate_X(X)
        if self.ensemble_ is not None:
            return self.ensemble_.predict(X)
        codes = self._predict_codes(X)
        if self.multilabel_:
            return self.powersets_[codes]
        labels = self.classes_[codes]
        return labels.reshape(-1, 1) if self.outputs_2d_ else labels

    def decision_function(self, X):
        """Per-label scores (see Notes); positive means predicted.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_labels)
            Multi-label: per-label max-marginal score (averaged over the
            members with ``labelset_size=k``). Single-label: the SVM's
            decision values (shape ``(n_samples,)`` for two classes).
        """
        X = self._validate_X(X)
        if self.ensemble_ is not None:
            return self.ensemble_.decision_function(X)
        if self.multilabel_:
            return self._label_scores(X)
        scores = self._set_scores(X)
        if self.classes_.size == 2:
            return (scores[:, 1] - scores[:, 0]) / 2
        return scores

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
            need not sum to 1). Single-label: a softmax over the SVM's
            one-vs-rest decision values.
        """
        check_is_fitted(self)
        if self.multilabel_ or self.classes_.size == 2:
            scores = self.decision_function(X)
            proba = 1.0 / (1.0 + np.exp(-scores))
            return proba if scores.ndim == 2 else np.column_stack([1 - proba, proba])
        return _softmax(self._set_scores(self._validate_X(X)))
