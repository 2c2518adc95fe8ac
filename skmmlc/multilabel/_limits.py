"""Bounds on the work of a fit, so that no default runs without end.

- :func:`libsvm_max_iter`: the iteration limit libsvm gets when
  ``max_iter=-1`` (libsvm's "no limit"). With a huge ``C`` on data that is
  not separable, libsvm's SMO may take hundreds of millions of iterations
  per pair of label sets (``LabelPowersetWeightedSVC(C=1e12)`` on 40 rows:
  minutes). The bound, ``max(10_000_000, 100_000 * n_samples)`` per pair,
  is far above what fits that converge take (on Mulan's emotions and
  scene, linear and RBF kernels, scaled or not, ``C`` from 0.1 to 1000: at
  most 26.3 million iterations, 67,000 per row, for emotions' 391 unscaled
  rows with ``C=1000``; 200,000 with the default ``C=0.9``), so their
  results are unchanged; a fit that reaches it stops there with
  scikit-learn's ``ConvergenceWarning`` (about 3 s per pair on 40 rows).
- :data:`MANY_MEMBERS`: RAkEL-o ensembles above this many members are
  announced with a ``UserWarning`` before fitting starts.
"""

from __future__ import annotations

__all__ = ["LIBSVM_MIN_ITER", "LIBSVM_ITER_PER_ROW", "MANY_MEMBERS", "libsvm_max_iter"]

#: Fewest iterations libsvm gets under ``max_iter=-1`` (per pair of label sets).
LIBSVM_MIN_ITER = 10_000_000

#: Iterations per training row libsvm gets under ``max_iter=-1``.
LIBSVM_ITER_PER_ROW = 100_000

#: libsvm's iteration counter is a C int: no bound may exceed it.
LIBSVM_MAX_INT = 2**31 - 1

#: A RAkEL-o ensemble of more members than this gives a warning before its fit.
MANY_MEMBERS = 1_000


def libsvm_max_iter(max_iter, n_samples):
    """The ``max_iter`` to give :class:`sklearn.svm.SVC`: ``max_iter``, or for
    -1 (no limit) ``max(LIBSVM_MIN_ITER, LIBSVM_ITER_PER_ROW * n_samples)``,
    at most ``2**31 - 1`` (libsvm's counter is a C ``int``; above 21,474
    rows the per-row bound would overflow it).

    Parameters
    ----------
    max_iter : int
        The estimator's ``max_iter``; -1 means its default bound.
    n_samples : int
        Training rows.

    Returns
    -------
    int
    """
    if max_iter != -1:
        return min(max_iter, LIBSVM_MAX_INT)
    return min(max(LIBSVM_MIN_ITER, LIBSVM_ITER_PER_ROW * int(n_samples)), LIBSVM_MAX_INT)
