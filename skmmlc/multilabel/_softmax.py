"""Weighted multinomial (softmax) logistic regression over label sets, batched.

The label powerset's classes (label sets) are the outcomes of one softmax:
for each group ``g`` of columns (one group for a label powerset; one per
member for a RAkEL ensemble solved together) the problem is::

    f(W, b) = 1/2 ||W||_F^2 + sum_g sum_i c_ig * (logsumexp_{k in g}(z_ik) - z_i,y_ig),
    z_i = x_i W + b,

with ``c_ig = C * weight_ig`` the row's cost in group ``g`` and the
intercept ``b`` not penalised: for one group the objective of
:class:`sklearn.linear_model.LogisticRegression` (multinomial, L2, ``C``,
``sample_weight=weight``). It is smooth and strictly convex in ``W``, so a
quasi-Newton method (L-BFGS) needs one function-and-gradient evaluation per
step: two matrix-matrix products over the rows (``X W`` and ``X^T G``)
over row chunks. The groups share no variable, so each has its own L-BFGS
(history, backtracking line search, stop) while one pass over the rows
evaluates all groups still running: a RAkEL member that has converged
leaves the products, and the cost is the sum of the members' own
iterations times their columns, not the slowest member's iterations times
all columns. The products are computed in float32 (float64 data is copied to
float32 once) unless ``tol < 1e-4``: the stopping rule compares the
largest gradient entry with ``tol`` times the summed row costs, and float32
products give every gradient entry to about ``1e-7 sqrt(n)`` of that sum,
far below it (on the "labelsets" benchmark the predictions are the same as
with float64 products, at half the time).

Unlike the one-vs-rest squared hinge of earlier versions, the conditioning does
not get worse with rare classes: a rare label set's column only needs its
few rows pushed above the others, and every step moves all columns
together. It is not an SVM (no margin, no support vectors), and its scores
are log-probabilities of the label sets.
"""

import numbers
import warnings
from typing import NamedTuple

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..utils import check_sample_weight

__all__ = ["BatchSoftmaxRegression", "JointProblem", "fit_grouped_softmax"]

# rows are processed in chunks of about this many (row, column) values
_CHUNK_VALUES = 2**22
# below this tol the products run in X's dtype, at or above it in float32
_FLOAT32_TOL = 1e-4


class JointProblem(NamedTuple):
    """A member's single-label problem, handed to an ensemble that solves its members together.

    What a RAkEL member's ``_joint_problem`` returns (see
    :class:`~skmmlc.multilabel.RakelO`, Notes): its targets encoded and its
    rows weighted, and which joint solver it uses. The ensemble groups the
    problems that name the same ``solver`` (and ``tol``, ``max_iter``),
    solves each group in one :func:`fit_grouped_softmax` call (each problem
    a group of columns) and gives each member its columns of the solution.

    Parameters
    ----------
    solver : str
        The joint solver: ``"softmax"`` (:func:`fit_grouped_softmax`).
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The rows as the member checked them: the ensemble's rows in the same
        order, only converted (a member that drops, adds or reorders rows
        has no joint problem).
    targets : ndarray of shape (n_samples,)
        Each row's class, ``0`` to ``n_classes - 1``.
    costs : ndarray of shape (n_samples,)
        Each row's cost (``C`` times its weight).
    n_classes : int
        The member's number of classes; a problem of one class is not
        solved (its member gets ``None`` as its solution).
    tol, max_iter : float, int
        The solver's options.
    only_above : (int, int) or None
        ``None``: always solve jointly. ``(max_rows, max_classes)``: only
        when the group has more rows than ``max_rows`` or more classes, over
        its problems together, than ``max_classes``; else each member of
        the group is fitted on its own by its ``fit`` (what
        ``solver="auto"`` asks for).
    """

    solver: str
    X: object
    targets: np.ndarray
    costs: np.ndarray
    n_classes: int
    tol: float
    max_iter: int
    only_above: tuple | None = None


def _group_starts(n_classes):
    sizes = np.asarray(n_classes, dtype=np.intp)
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes


class _Softmax:
    """Objective and gradient of the grouped weighted softmax (see module), per group."""

    def __init__(self, X, targets, costs, n_classes, chunk_values):
        self.X = X
        self.dtype = X.dtype
        self.starts, self.sizes = _group_starts(n_classes)
        self.local = targets - self.starts  # (n, G) each row's class within its group
        self.costs = costs.astype(X.dtype)  # (n, G)
        self.chunk_values = chunk_values
        self.n_cols = int(self.sizes.sum())

    def evaluate(self, W, groups):
        """Objective and gradient of each of ``groups``, from their columns ``W``.

        ``W`` (n_features + 1, their columns side by side) holds the weights
        and, in its last row, the intercepts of the groups in ``groups``, in
        that order. Returns each group's objective (float64) and the
        gradient, shaped as ``W``: one pass over the rows, two matrix
        products over only these columns.
        """
        sizes = self.sizes[groups]
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        targets, costs = self.local[:, groups] + starts, self.costs[:, groups]
        coef = W[:-1].astype(self.dtype)
        intercept = W[-1].astype(self.dtype)
        grad = np.zeros_like(W)
        loss = np.zeros(len(groups))
        n_samples = self.X.shape[0]
        step = max(1, self.chunk_values // max(W.shape[1], 1))
        for i in range(0, n_samples, step):
            rows = slice(i, min(i + step, n_samples))
            Xc = self.X[rows]
            Z = np.asarray(Xc @ coef)
            Z += intercept
            loss += _log_loss_residual(Z, targets[rows], costs[rows], starts, sizes)
            grad[:-1] += np.asarray(Xc.T @ Z, dtype=np.float64)
            grad[-1] += Z.sum(axis=0, dtype=np.float64)
        grad[:-1] += W[:-1]
        loss += 0.5 * np.add.reduceat((W[:-1] ** 2).sum(axis=0), starts)
        return loss, grad

    def fun_grad(self, theta):
        """The objective of all groups together and its gradient (flat ``theta``)."""
        W = theta.reshape(self.X.shape[1] + 1, self.n_cols)
        loss, grad = self.evaluate(W, np.arange(self.sizes.size))
        return float(loss.sum()), grad.ravel()


def _log_loss_residual(Z, targets, costs, starts, sizes):
    """Each group's weighted log-loss on a chunk; ``Z`` becomes ``costs * (softmax - onehot)``."""
    at = (np.arange(Z.shape[0])[:, None], targets)
    Z -= np.repeat(np.maximum.reduceat(Z, starts, axis=1), sizes, axis=1)
    picked = Z[at].astype(np.float64)  # z_y - max, per group
    np.exp(Z, out=Z)
    sums = np.add.reduceat(Z, starts, axis=1)  # (rows, G)
    loss = (costs * (np.log(sums.astype(np.float64)) - picked)).sum(axis=0)
    Z *= np.repeat(costs / sums, sizes, axis=1)
    Z[at] -= costs
    return loss


class _History:
    """One group's L-BFGS memory: the last ``m`` steps and gradient changes."""

    def __init__(self, m):
        self.m, self.pairs = m, []

    def direction(self, grad):
        """``-H grad`` by the two-loop recursion (Nocedal & Wright, Algorithm 7.4)."""
        q = -grad
        if not self.pairs:
            return q
        alphas = []
        for s, y, rho in reversed(self.pairs):
            alpha = rho * np.vdot(s, q)
            q -= alpha * y
            alphas.append(alpha)
        s, y, _ = self.pairs[-1]
        q *= np.vdot(s, y) / np.vdot(y, y)
        for (s, y, rho), alpha in zip(self.pairs, reversed(alphas)):
            q += (alpha - rho * np.vdot(y, q)) * s
        return q

    def update(self, s, y):
        sy = np.vdot(s, y)
        if sy > 1e-10 * np.vdot(y, y):  # curvature: keep H positive definite
            self.pairs = [*self.pairs[-(self.m - 1):], (s, y, 1.0 / sy)]


# L-BFGS line search: sufficient decrease (Armijo) constant, backtracking limit
_ARMIJO = 1e-4
_MAX_BACKTRACKS = 30
_MEMORY = 10
# a group is not stopped by its gradient while a step still lowers its
# objective by more than this fraction (see fit_grouped_softmax, tol)
_PROGRESS = 0.05


def _lbfgs_groups(problem, shape, gtol, max_iter, ftol):
    """L-BFGS on each group at once: one history, step and stop per group.

    The groups are independent problems (no variable is shared), so each
    gets its own quasi-Newton memory, backtracking line search and stopping
    rule, while every evaluation of the objective is one pass over the rows
    with the columns of the groups still running side by side in two
    matrix products: a group that has converged costs nothing more.

    Returns the weights of each group, its iterations and objective.
    """
    n_groups = problem.sizes.size
    everyone = np.arange(n_groups)
    W = [np.zeros((shape, k)) for k in problem.sizes]
    loss, grad = problem.evaluate(np.hstack(W), everyone)
    grads = np.hsplit(grad, np.cumsum(problem.sizes)[:-1])
    n_iter = np.zeros(n_groups, dtype=np.intp)
    memory = [_History(_MEMORY) for _ in everyone]
    running = [g for g in everyone if np.abs(grads[g]).max() > gtol[g]]
    while running:
        steps, slopes, rates = {}, {}, {}
        for g in running:
            p = memory[g].direction(grads[g].ravel()).reshape(grads[g].shape)
            rates[g] = 1.0
            if not memory[g].pairs or np.vdot(grads[g], p) >= 0:
                # steepest descent, a first step of unit length (as L-BFGS-B)
                memory[g].pairs, p = [], -grads[g]
                rates[g] = 1.0 / max(np.linalg.norm(p), np.finfo(float).tiny)
            steps[g], slopes[g] = p, np.vdot(grads[g], p)
        pending, going = list(running), []
        for _ in range(_MAX_BACKTRACKS):
            trial_loss, trial_grad = problem.evaluate(
                np.hstack([W[g] + rates[g] * steps[g] for g in pending]), np.asarray(pending)
            )
            trial_grads = np.hsplit(trial_grad, np.cumsum(problem.sizes[pending])[:-1])
            missed = []
            for g, f, gr in zip(pending, trial_loss, trial_grads):
                t = rates[g]
                if f <= loss[g] + _ARMIJO * t * slopes[g]:
                    s = t * steps[g]
                    memory[g].update(s.ravel(), (gr - grads[g]).ravel())
                    W[g] += s
                    decrease = loss[g] - f
                    loss[g], grads[g] = f, gr
                    n_iter[g] += 1
                    if (
                        (np.abs(gr).max() > gtol[g] or decrease > _PROGRESS * abs(f))
                        and decrease > ftol * max(abs(f), abs(f + decrease), 1.0)
                        and n_iter[g] < max_iter
                    ):
                        going.append(g)
                else:  # backtrack: minimum of the quadratic through f(0), f'(0), f(t)
                    curvature = f - loss[g] - slopes[g] * t
                    shrink = -slopes[g] * t / (2 * curvature) if curvature > 0 else 0.5
                    rates[g] = t * min(max(shrink, 0.1), 0.5)
                    missed.append(g)
            pending = missed
            if not pending:
                break
        running = going  # a group whose line search failed stops where it is
    return W, n_iter, loss


def fit_grouped_softmax(
    X,
    targets,
    costs,
    n_classes=None,
    *,
    tol=1e-4,
    max_iter=100,
    chunk_values=_CHUNK_VALUES,
):
    """Fit weighted softmax regressions over groups of classes, all at once.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data (the objective, gradient and iterates are float64;
        the products float32 or, with ``tol < 1e-4``, ``X``'s dtype).
    targets : ndarray of shape (n_samples,) or (n_samples, n_groups)
        Column index of each row's class in each group (global: group ``g``
        owns columns ``sum(n_classes[:g])`` to ``sum(n_classes[:g + 1])``).
    costs : ndarray of shape (n_samples,) or (n_samples, n_groups)
        ``C * weight`` of each row in each group (non-negative).
    n_classes : sequence of int, default=None
        Number of classes (columns) of each group; ``None``: one group of
        ``targets.max() + 1``.
    tol : float, default=1e-4
        From ``1e-4`` on the products run in float32 (see the module).
        Each group's L-BFGS stops when its largest gradient entry is at most
        ``tol`` times its summed costs (a mean gradient per unit of cost,
        as scikit-learn's ``LogisticRegression``, whose loss is a weighted
        mean) and its last step lowered its objective by less than 5%, or
        when a step no longer lowers it at all. The second condition is for
        many classes with few rows each: there the largest of the many
        gradient entries falls below the first bound while the objective is
        still several times its optimum (592 label sets of 1,100 rows: 3.5x
        after 3 iterations; "labelsets" benchmark). The groups are
        independent problems and each stops on its own, as it would alone;
        the passes over the rows only multiply the columns of the groups
        still running.
    max_iter : int, default=100
        Most L-BFGS iterations of a group; a ``ConvergenceWarning`` if one
        reaches it.
    chunk_values : int, default=2**22
        Rows are processed in chunks of about ``chunk_values / n_columns``.

    Returns
    -------
    coef : ndarray of shape (n_columns, n_features)
    intercept : ndarray of shape (n_columns,)
    n_iter : ndarray of shape (n_groups,)
        L-BFGS iterations of each group.
    objective : ndarray of shape (n_groups,)
        Each group's objective at its solution.
    """
    if sparse.issparse(X):
        X = X.tocsr()
    if tol >= _FLOAT32_TOL:
        X = X.astype(np.float32, copy=False)
    elif X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    targets = np.asarray(targets, dtype=np.intp)
    costs = np.asarray(costs, dtype=np.float64)
    if targets.ndim == 1:
        targets, costs = targets[:, None], costs[:, None]
    if n_classes is None:
        n_classes = [int(targets.max()) + 1]
    problem = _Softmax(X, targets, costs, n_classes, chunk_values)
    gtol = tol * np.maximum(costs.sum(axis=0), np.finfo(float).tiny)
    W, n_iter, objective = _lbfgs_groups(
        problem, X.shape[1] + 1, gtol, max_iter, ftol=64 * np.finfo(float).eps
    )
    if n_iter.max() >= max_iter:
        warnings.warn(
            f"The softmax solver reached max_iter={max_iter} iterations before "
            f"its tolerance tol={tol:g}; increase max_iter or tol.",
            ConvergenceWarning,
            stacklevel=2,
        )
    W = np.hstack(W)
    return np.ascontiguousarray(W[:-1].T), W[-1].copy(), n_iter, objective


class BatchSoftmaxRegression(ClassifierMixin, BaseEstimator):
    """Weighted multinomial logistic regression fitted by :func:`fit_grouped_softmax`.

    The model of ``LogisticRegression(C=C)`` (multinomial, L2, intercept not
    penalised) with ``sample_weight``; here the products run in float32
    (unless ``tol < 1e-4``) and several such problems over the same rows can
    be solved together (the members of a RAkEL ensemble). The label
    powerset's ``solver="softmax"`` fits it over the label sets.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength.
    tol : float, default=1e-4
        Stopping tolerance (see :func:`fit_grouped_softmax`).
    max_iter : int, default=100
        Most L-BFGS iterations.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (n_classes, n_features)
        One row per class, also for two classes (the softmax's scores).
    intercept_ : ndarray of shape (n_classes,)
    n_iter_ : int
        L-BFGS iterations.
    objective_ : float
        Objective at the solution.
    n_features_in_ : int
    """

    _parameter_constraints = {
        "C": [Interval(numbers.Real, 0.0, None, closed="neither")],
        "tol": [Interval(numbers.Real, 0.0, None, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __init__(self, C=1.0, *, tol=1e-4, max_iter=100):
        self.C = C
        self.tol = tol
        self.max_iter = max_iter

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the softmax over the classes of ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : BatchSoftmaxRegression
        """
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32])
        check_classification_targets(y)
        check_sample_weight(sample_weight, X)  # negative, NaN: say so
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {self.classes_[0]!r}"
            )
        solution = fit_grouped_softmax(
            X, codes, self.C * sample_weight, tol=self.tol, max_iter=self.max_iter
        )
        self._set_solution(*solution)
        return self

    def _set_solution(self, coef, intercept, n_iter, objective):
        """Keep a solution (of this problem, or its columns of a joint solve)."""
        self.coef_, self.intercept_ = coef, intercept
        self.n_iter_ = int(np.max(n_iter))
        self.objective_ = float(np.sum(objective))

    def decision_function(self, X):
        """Each class's score (its log-probability plus a constant per row).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            ``x . coef_k + intercept_k``; for two classes the log-odds of
            class 1, as scikit-learn's binary classifiers.
        """
        scores = self._scores(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def _scores(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False)
        return np.asarray(X @ self.coef_.T.astype(X.dtype, copy=False)) + self.intercept_

    def predict(self, X):
        """Class of the largest score.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.intp)]
        return self.classes_[scores.argmax(axis=1)]

    def predict_proba(self, X):
        """Softmax of :meth:`decision_function`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        scores = self._scores(X).astype(np.float64)
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        return scores / scores.sum(axis=1, keepdims=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
