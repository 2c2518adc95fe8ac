"""Common input checks and output formats of the multi-label samplers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from ..utils import check_label_matrix


def check_multilabel_target(Y, n_samples=None):
    """``Y`` as a dense 2-D bool array; errors name the problem and the fix."""
    if Y is None:
        raise ValueError(
            "Multi-label samplers need Y: a 0/1 label indicator matrix "
            "(n_samples, n_labels); got None."
        )
    arr = check_label_matrix(Y)  # lists of names, -1/+1, non-0/1 values
    if arr.ndim != 2:
        raise ValueError(
            f"Y must be a 2-D 0/1 label indicator matrix (n_samples, n_labels); got "
            f"an array of shape {arr.shape}. For single-label targets use "
            "imbalanced-learn's samplers."
        )
    values = np.unique(arr)
    if not np.isin(values, (0, 1)).all():  # check_label_matrix lets one column through
        raise ValueError(
            f"Y must be a 0/1 label indicator matrix (n_samples, n_labels); it holds "
            f"the values {values[:10].tolist()}."
        )
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(
            f"X has {n_samples} rows but Y has {arr.shape[0]}: they must describe the "
            "same samples, one row of labels per row of X."
        )
    if arr.shape[0] == 0:
        raise ValueError("X and Y have no rows.")
    return arr.astype(bool)


class BaseMultilabelSampler(BaseEstimator):
    """Base class: ``fit_resample(X, Y)`` as imbalanced-learn's samplers.

    Subclasses implement ``_fit_resample(X, Y, random_state)`` on a validated
    ``X`` (ndarray or CSR matrix, float64 or float32) and a bool ``Y``, and
    return ``(X_res, Y_res)`` in the same formats.
    """

    _parameter_constraints: dict = {}

    def fit(self, X, Y):
        """Check the inputs and the parameters; samplers learn nothing to keep.

        Returns
        -------
        self
        """
        self._validate_params()
        self._check_inputs(X, Y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, Y, **params):
        """Resample the data set.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Features (numeric). Sparse matrices are handled as CSR;
            float32 stays float32.
        Y : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_labels)
            0/1 label indicator matrix.
        **params : dict
            Unused; accepted for imbalanced-learn's pipeline.

        Returns
        -------
        X_res : same type as X, of shape (n_samples_new, n_features)
        Y_res : same type as Y, of shape (n_samples_new, n_labels)
        """
        X_arr, Y_bool = self._check_inputs(X, Y)
        rng = check_random_state(getattr(self, "random_state", None))
        X_res, Y_res = self._fit_resample(X_arr, Y_bool, rng)
        return self._format_X(X_res, X), self._format_Y(Y_res, Y)

    def _check_inputs(self, X, Y):
        X_arr = validate_data(
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=True
        )
        return X_arr, check_multilabel_target(Y, X_arr.shape[0])

    @staticmethod
    def _format_X(X_res, X):
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(X_res, columns=X.columns)
        if sp.issparse(X):
            return sp.csr_matrix(X_res) if not sp.issparse(X_res) else X_res.tocsr()
        return X_res

    @staticmethod
    def _format_Y(Y_res, Y):
        if isinstance(Y, pd.DataFrame):
            dtypes = Y.dtypes
            out = pd.DataFrame(Y_res.astype(np.int64), columns=Y.columns)
            return out.astype(dict(dtypes.items())) if len(set(dtypes)) else out
        if sp.issparse(Y):
            return sp.csr_matrix(Y_res.astype(Y.dtype))
        dtype = getattr(Y, "dtype", None)
        if dtype is None or dtype.kind not in "biuf":
            dtype = np.int64
        return Y_res.astype(dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        return tags


def stack_rows(parts):
    """Stack ndarrays or CSR matrices vertically."""
    if sp.issparse(parts[0]):
        return sp.vstack(parts, format="csr")
    return np.concatenate(parts, axis=0)
