"""All one-vs-rest linear SVMs of a label powerset in one batched solve.

:class:`sklearn.svm.LinearSVC` (liblinear) fits the ``K`` one-vs-rest
problems of a ``K``-class problem one after the other, each a sequence of
matrix-vector products over all rows. Here the ``K`` problems run in
lockstep as the columns of a ``(n_features + 1, K)`` weight matrix, so every
step is a matrix-matrix product over row chunks (BLAS-3), and each column
stops as soon as it has converged.

The problem of column ``k`` is exactly liblinear's ``L2R_L2LOSS_SVC``
(``LinearSVC(loss="squared_hinge", penalty="l2")``)::

    f_k(w) = 1/2 ||w||^2 + sum_i C_i max(0, 1 - y_ik w^T x_i)^2

with ``x_i`` extended by a constant feature ``intercept_scaling`` (so the
intercept is regularised like a weight, as liblinear does), ``y_ik = +1``
when row ``i`` is of class ``k`` and ``-1`` otherwise, and
``C_i = C * sample_weight_i``. liblinear's primal stopping rule is kept:
``||grad f_k|| <= tol * max(min(pos_k, neg_k), 1) / n * ||grad f_k(0)||``.

Method: generalised Newton (Mangasarian 2002; Keerthi and DeCoste 2005).
Each iteration solves the Newton system of every running column by
conjugate gradient to a residual of ``0.1 ||grad||`` (liblinear's CG
tolerance), the Hessian-vector products of all of them at once as
``v + 2 X^T (C * active * (X v))``; then one pass over the rows evaluates
the objective along each column's direction at 40 step sizes
(``1, 2^-1/2, 1/2, ...``) and takes the best, and one more pass computes
the new gradient. A first version used liblinear's trust-region Newton
(TRON) and reproduced its iterates exactly, but on nearly separable data
(e.g. 1,100 rows x 1,000 features) TRON's trust region collapses and it
needs hundreds of iterations (liblinear too); the line search converges
in tens. The model is the same: the objective is, and the stopping rule.

A second method, ``solver="dual-cd"``, is liblinear's dual coordinate
descent (Hsieh et al. 2008) for the same objective, with all columns'
coordinates of a row updated together and rows taken in blocks, so that
the products with ``X`` are matrix-matrix products; it stops a column by
its duality gap. On nearly separable data (as many features as rows) the
generalised Newton steps above are short (the active set changes along
the step) and Newton needs tens of iterations of tens of products each;
dual coordinate descent needs tens of passes over the rows there (1,100 x
1,000, 592 columns: 2.5 against 125-197 CPU seconds). With at most twice
as many rows as features it keeps the margins of all rows and the rows'
Gram matrix instead of the weights (one product per block of rows
instead of two). With far more rows than features it converges slowly;
the columns it has not finished after ``_CD_EPOCHS`` epochs are finished
by Newton from where it left them.

A third method, ``solver="admm"`` (``_admm``), splits ``z = [X, s] w``: its
``w`` step is one linear system whose matrix is the same for all columns
and iterations (one Cholesky factor), its ``z`` step is elementwise. Its
steps do not depend on which rows are inside the margin, so it does not
slow down when many rows sit at the margins of rare label sets (far more
rows than features, many imbalanced label sets), where Newton's steps stay
short and dual coordinate descent crawls; on balanced, well separated
classes Newton needs ten iterations where it needs hundreds.

Several independent problems over the same rows (the members of a RAkEL
ensemble, each with its own classes and row weights) are solved together
by giving each row one class per *group* and each column its group.

Memory: the data, ``O((n_features + 1) x K)`` for weights, gradient and the
conjugate-gradient vectors, ``O(chunk x K)`` per row chunk, and the active
set of every column as one bit per row and column (``n x K / 8`` bytes);
``"dual-cd"`` also keeps the dual variables (``n x K`` values), and in its
kernel form (few rows) the margins and signs (two more ``n x K``) and the
Gram matrix (``n x n``, at most 8,192 rows); ``"admm"`` keeps ``z`` and ``u``
(``2 x n x K``) and a ``(d + 1) x (d + 1)`` factor. Nothing of size
``K x K`` is ever formed.
"""

import numbers
import warnings

import numpy as np
from scipy import sparse
from scipy.linalg import cho_factor, cho_solve, get_blas_funcs
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import row_norms
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..utils import check_sample_weight

__all__ = ["BatchLinearSVC", "fit_ovr_squared_hinge", "ovr_objective"]

# A row chunk holds at most this many values per (chunk x columns) block.
_CHUNK_VALUES = 2**21
# CG stops when its residual is this fraction of the gradient (liblinear's TRON).
_EPS_CG = 0.1


def _coldot(a, b):
    """Column-wise dot products, accumulated in float64."""
    return np.einsum("ij,ij->j", a, b, dtype=np.float64)


class _Problem:
    """Row-chunked access to the ``K`` one-vs-rest problems.

    ``targets[i, g]`` is the column of row ``i``'s class in group ``g`` and
    ``costs[i, g]`` its ``C_i`` there; ``col_group[k]`` is column ``k``'s group.
    """

    def __init__(self, X, targets, costs, col_group, intercept_scaling, chunk_values):
        self.X = X
        self.dtype = X.dtype
        self.targets = targets
        self.costs = costs.astype(X.dtype)
        self.col_group = col_group
        self.n_cols = col_group.size
        self.scaling = intercept_scaling
        n = X.shape[0]
        self.chunks = list(gen_batches(n, max(1, chunk_values // max(self.n_cols, 1))))
        n_bytes = -(-self.n_cols // 8)
        self.active = [
            np.zeros((rows.stop - rows.start, n_bytes), np.uint8) for rows in self.chunks
        ]

    def _signs(self, rows, cols):
        """``y`` of the chunk for columns ``cols``: +1 for the row's classes."""
        where = np.full(self.n_cols, -1, dtype=np.intp)
        where[cols] = np.arange(cols.size)
        position = where[self.targets[rows]]  # (chunk, groups)
        Y = np.full((position.shape[0], cols.size), -1.0, dtype=self.dtype)
        hit, group = np.nonzero(position >= 0)
        Y[hit, position[hit, group]] = 1.0
        return Y

    def _costs(self, rows, cols):
        if self.costs.shape[1] == 1:
            return self.costs[rows]
        return self.costs[rows][:, self.col_group[cols]]

    def _apply(self, Xc, V):
        """Rows of ``[X, intercept_scaling] @ V``."""
        Z = np.asarray(Xc @ V[:-1])
        Z += self.scaling * V[-1]
        return Z

    def _apply_t(self, Xc, G, out):
        """``out += [X, intercept_scaling]^T @ G``."""
        out[:-1] += np.asarray(Xc.T @ G)
        out[-1] += self.scaling * G.sum(axis=0)

    def fun_grad(self, W, cols):
        """Objectives (float64) and gradients of columns ``cols``.

        The active sets of ``cols`` at ``W`` are stored (for ``hess_vec``).
        """
        f = 0.5 * _coldot(W, W)
        grad = W.copy()
        for i, rows in enumerate(self.chunks):
            Xc = self.X[rows]
            Y = self._signs(rows, cols)
            margin = 1.0 - Y * self._apply(Xc, W)
            np.maximum(margin, 0.0, out=margin)
            weighted = self._costs(rows, cols) * margin
            f += _coldot(weighted, margin)
            # d/dz of C (1 - y z)^2 on the active set: -2 C y (1 - y z)
            weighted *= Y
            weighted *= -2.0
            self._apply_t(Xc, weighted, grad)
            bits = np.unpackbits(self.active[i], axis=1, count=self.n_cols).view(bool)
            bits[:, cols] = margin > 0
            self.active[i] = np.packbits(bits, axis=1)
        return f, grad

    def objective(self, W, cols):
        """Primal objectives (float64) of columns ``cols`` at ``W``."""
        f = 0.5 * _coldot(W, W)
        for rows in self.chunks:
            Y = self._signs(rows, cols)
            margin = 1.0 - Y * self._apply(self.X[rows], W)
            np.maximum(margin, 0.0, out=margin)
            f += _coldot(self._costs(rows, cols) * margin, margin)
        return f

    def line_search(self, W, S, cols, ts):
        """Changes ``f(W + t S) - f(W)`` of the objectives for every step ``t`` in ``ts``.

        ``(len(ts), cols.size)``, float64. The squared hinge of an entry is
        linear inside ``max``, so an entry inactive at both ``t = 0`` and
        ``t = max(ts)`` is inactive for every ``t`` in between: only the
        others are evaluated. The changes are summed term by term (an entry
        active at both ends changes by ``c t b (2 a + t b)``), not as the
        difference of two objectives: their rounding is relative to the
        change, not to the objective, so a step that decreases the
        objective by less than its rounding is still seen to (the weights'
        error is otherwise stuck at ``sqrt(eps)`` of the objective's scale).
        """
        wTs, sTs = _coldot(W, S), _coldot(S, S)
        f = ts[:, None] * wTs + 0.5 * ts[:, None] ** 2 * sTs
        top = ts.max()
        for rows in self.chunks:
            Xc = self.X[rows]
            Y = self._signs(rows, cols)
            a = 1.0 - Y * self._apply(Xc, W)  # margin at t = 0
            b = -Y * self._apply(Xc, S)  # its slope in t
            row, col = np.nonzero((a > 0) | (a + top * b > 0))
            a, b = a[row, col], b[row, col]
            c = np.broadcast_to(self._costs(rows, cols), Y.shape)[row, col]
            m0 = np.maximum(a, 0.0)
            inside = a > 0
            for j, t in enumerate(ts):
                at = a + t * b
                m = np.maximum(at, 0.0)
                dm = np.where(inside & (at > 0), t * b, m - m0)  # m - m0, exactly
                f[j] += np.bincount(col, weights=c * dm * (m + m0), minlength=cols.size)
        return f

    def hess_vec(self, V, cols):
        """Generalised Hessian-vector products ``v + 2 X_I^T C_I X_I v`` of ``cols``."""
        out = V.copy()
        acc = np.zeros_like(V)
        for i, rows in enumerate(self.chunks):
            Xc = self.X[rows]
            XV = self._apply(Xc, V)
            mask = np.unpackbits(self.active[i], axis=1, count=self.n_cols).view(bool)
            XV *= mask[:, cols]
            XV *= self._costs(rows, cols)
            self._apply_t(Xc, XV, acc)
        out += 2.0 * acc
        return out


def _conjugate_gradient(problem, cols, g, max_cg=None):
    """CG on ``H s = -g`` for columns ``cols`` in lockstep, to ``_EPS_CG``."""
    s = np.zeros_like(g)
    r = -g
    d = r.copy()
    rTr = _coldot(r, r)
    cgtol = _EPS_CG * np.sqrt(rTr)
    going = np.sqrt(rTr) > cgtol
    n_cg = 0
    while going.any() and (max_cg is None or n_cg < max_cg):
        n_cg += 1
        idx = np.flatnonzero(going)
        d_i = d[:, idx]
        Hd = problem.hess_vec(d_i, cols[idx])
        alpha = (rTr[idx] / _coldot(d_i, Hd)).astype(g.dtype)
        s[:, idx] += alpha * d_i
        r_i = r[:, idx] - alpha * Hd
        r[:, idx] = r_i
        rnew = _coldot(r_i, r_i)
        d[:, idx] = (rnew / rTr[idx]).astype(g.dtype) * d_i + r_i
        rTr[idx] = rnew
        going[idx] = np.sqrt(rnew) > cgtol[idx]
    return s


# Steps tried by the line search: 1, 2^-1/2, 1/2, ... down to ~1e-6.
_STEPS = 2.0 ** (-np.arange(0, 40) / 2)


def _newton(problem, n_features, tols, max_iter, W=None, start=None):
    """Newton-CG with line search for all columns of ``problem`` at once.

    Each iteration: a (truncated) conjugate-gradient solve of the
    generalised Newton system of every column still running, one pass that
    evaluates the objective along each direction at all steps of
    ``_STEPS`` (the best one is taken), one pass for the new gradient.
    liblinear's stopping rule; see the module docstring. ``W`` and
    ``start``: continue from ``W`` (modified in place) for the columns
    ``start`` only.
    """
    K = problem.n_cols
    start = np.arange(K) if start is None else start
    zero = np.zeros((n_features + 1, start.size), dtype=problem.dtype)
    f0, g0 = problem.fun_grad(zero, start)
    gnorm0 = np.zeros(K)
    gnorm0[start] = np.sqrt(_coldot(g0, g0))
    f, g = np.zeros(K), np.zeros((n_features + 1, K), dtype=problem.dtype)
    if W is None:
        W = np.zeros_like(g)
        f[start], g[:, start] = f0, g0
    else:
        f[start], g[:, start] = problem.fun_grad(W[:, start], start)
    del zero, g0
    n_iter = np.zeros(K, dtype=np.int32)
    running = np.zeros(K, dtype=bool)
    # false for a zero gradient at w = 0
    running[start] = np.sqrt(_coldot(g[:, start], g[:, start])) > tols[start] * gnorm0[start]
    while running.any():
        cols = np.flatnonzero(running)
        W_c = W[:, cols]
        S = _conjugate_gradient(problem, cols, g[:, cols])
        change = problem.line_search(W_c, S, cols, _STEPS)
        best = change.argmin(axis=0)
        decrease = change[best, np.arange(cols.size)] < 0.0
        step = np.where(decrease, _STEPS[best], 0.0).astype(W.dtype)
        W_c += step * S
        W[:, cols] = W_c
        f_c, g_c = problem.fun_grad(W_c, cols)
        f[cols], g[:, cols] = f_c, g_c
        del S
        n_iter[cols] += 1
        gnorm = np.sqrt(_coldot(g_c, g_c))
        stop = (gnorm <= tols[cols] * gnorm0[cols]) | ~decrease
        stop |= n_iter[cols] >= max_iter
        running[cols[stop]] = False
    return W, f, n_iter


# Rows per block of the dual coordinate descent (see ``_dual_cd``).
_CD_BLOCK = 64
# Epochs of dual coordinate descent; the columns it has not finished by then
# are finished by Newton's method, from where it left them.
_CD_EPOCHS = 100
# Dual CD keeps the rows' margins and Gram matrix (``n x n``) instead of the
# weights when the rows are at most this many times the features and at most
# ``_KERNEL_MAX_ROWS`` (the Gram matrix then takes at most 256 MiB in float32,
# 512 MiB in float64).
_KERNEL_ROWS_PER_FEATURE = 2
_KERNEL_MAX_ROWS = 8192
# In that form the margins, updated block by block, are recomputed exactly
# every this many epochs (rounding does not accumulate).
_KERNEL_REFRESH = 10


def _gram(Xb, scaling):
    """``[X_b, scaling] [X_b, scaling]^T``, dense."""
    G = Xb @ Xb.T
    G = G.toarray() if sparse.issparse(G) else np.asarray(G)
    return G + scaling * scaling


def _add_product(out, A, B):
    """``out += A^T B`` in place (one BLAS call, no temporary)."""
    gemm = get_blas_funcs("gemm", (out, A, B))
    # in Fortran order: out^T (C-contiguous out) += B^T A
    result = gemm(1.0, B.T, A.T, beta=1.0, c=out.T, trans_b=1, overwrite_c=1)
    if not np.shares_memory(result, out):  # BLAS had to copy (not contiguous)
        out[...] = result.T


def _dual_costs(C, sq_norms):
    """``D = 1 / (2 C)`` and liblinear's steps ``1 / (||x||^2 + D)``; 0 where ``C = 0``."""
    positive = C > 0
    D = np.divide(0.5, C, out=np.zeros_like(C), where=positive)
    step = np.divide(1.0, sq_norms[:, None] + D, out=np.zeros_like(D), where=positive)
    return D, step


def _cd_rows(old, Y, D, step, Z0, gram):
    """One Gauss-Seidel pass of dual coordinate descent over a block of rows.

    The coordinates ``alpha_jk`` of the block's rows ``j`` are updated one
    row after the other (all columns ``k`` at once), exactly as liblinear's
    dual solver updates them one by one::

        alpha_jk <- max(0, alpha_jk - step_jk (y_jk z_jk - 1 + D_jk alpha_jk))

    (``D`` and ``step`` from ``_dual_costs``) with ``z_j = Z0_j + gram[j, :j]
    @ U[:j]``, row ``j``'s margins after the rows before it moved. Returns
    ``U``, the rows' moves ``(alpha_new - alpha_old) y`` (the weights change
    by ``[X_b, s]^T U``), and the new ``alpha``.
    """
    # alpha_new_j = max(0, start_j - step_j y_j (z_j - Z0_j)): all but one
    # product per row is done here for the whole block
    start = old - step * (D * old - 1.0 + Y * Z0)
    step_y = step * Y
    old_y = old * Y
    U = np.empty_like(Y)
    t = np.empty(Y.shape[1], dtype=Y.dtype)
    for j in range(Y.shape[0]):
        np.dot(gram[j, :j], U[:j], out=t)
        t *= step_y[j]
        np.subtract(start[j], t, out=t)
        np.maximum(t, 0.0, out=t)
        t *= Y[j]
        np.subtract(t, old_y[j], out=U[j])
    return U, U * Y + old


def _keep_cols(M, keep):
    return M if M.shape[1] == 1 else M[:, keep]


class _PrimalCD:
    """Dual CD's running columns kept as their weights ``W`` ((d + 1) x r).

    Each block costs two products of ``block x (d + 1) x r``: its margins
    ``X_b W`` and the weights' change ``X_b^T U``.
    """

    block_losses = True  # the epoch's losses are those the blocks saw

    def __init__(self, problem, n_features, n_cols):
        self.problem = problem
        self.W = np.zeros((n_features + 1, n_cols), dtype=problem.dtype)
        self.sq_norms = row_norms(problem.X, squared=True) + problem.scaling**2
        self.sq_norms = self.sq_norms.astype(problem.dtype)

    def block(self, rows, cols):
        """Signs, costs, ``D``, steps, margins and Gram matrix of a block."""
        problem = self.problem
        self._Xb = problem.X[rows]
        Y = problem._signs(rows, cols)
        C = problem._costs(rows, cols)
        D, step = _dual_costs(C, self.sq_norms[rows])
        Z0 = problem._apply(self._Xb, self.W)
        return Y, C, D, step, Z0, _gram(self._Xb, problem.scaling).astype(Y.dtype, copy=False)

    def move(self, rows, U):
        self.problem._apply_t(self._Xb, U, self.W)

    def norms(self, A, cols, epoch):
        """``||w||^2`` of the running columns (and no losses: the blocks saw them)."""
        return _coldot(self.W, self.W), None

    def exact(self, A, cols, at):
        """Primal objectives and ``||w||^2`` of running columns ``at``."""
        W = self.W[:, at]
        return self.problem.objective(W, cols[at]), _coldot(W, W)

    def weights(self, A, cols, at):
        return self.W[:, at]

    def keep(self, keep):
        self.W = self.W[:, keep]


class _KernelCD:
    """Dual CD's running columns kept as their margins ``Z = [X, s] W`` (n x r).

    With the rows' Gram matrix ``Q`` a block's margins are rows of ``Z``, and
    its moves change ``Z`` by ``Q[:, block] U``: one product of ``n x block x
    r`` per block instead of two of ``(d + 1) x block x r``. The signs,
    costs and steps of all rows are kept too (``n x r`` each).
    """

    block_losses = False

    def __init__(self, problem, n_features, n_cols):
        self.problem = problem
        self.Q = _gram(problem.X, problem.scaling).astype(problem.dtype, copy=False)
        every = slice(0, problem.X.shape[0])
        self.Y = problem._signs(every, np.arange(n_cols))
        self.C = problem._costs(every, np.arange(n_cols))
        self.D, self.step = _dual_costs(self.C, np.diagonal(self.Q))
        self.Z = np.zeros_like(self.Y)

    def block(self, rows, cols):
        D, step = self.D[rows], self.step[rows]
        return self.Y[rows], self.C[rows], D, step, self.Z[rows], self.Q[np.ix_(rows, rows)]

    def move(self, rows, U):
        _add_product(self.Z, self.Q[rows], U)

    def _losses(self, Z, at=slice(None)):
        margin = np.maximum(1.0 - self.Y[:, at] * Z, 0.0)
        return _coldot(np.broadcast_to(_keep_cols(self.C, at), Z.shape) * margin, margin)

    def norms(self, A, cols, epoch):
        """``||w||^2`` and the losses of the running columns, from the margins."""
        if epoch % _KERNEL_REFRESH == 0:
            self.Z = self.Q @ (A * self.Y)
        return _coldot(A * self.Y, self.Z), self._losses(self.Z)

    def exact(self, A, cols, at):
        AY = A[:, at] * self.Y[:, at]
        Z = self.Q @ AY
        self.Z[:, at] = Z
        ww = _coldot(AY, Z)
        return 0.5 * ww + self._losses(Z, at), ww

    def weights(self, A, cols, at):
        """``[X, s]^T (alpha y)`` of running columns ``at``."""
        AY = A[:, at] * self.Y[:, at]
        W = np.empty((self.problem.X.shape[1] + 1, at.size), dtype=self.problem.dtype)
        W[:-1] = np.asarray(self.problem.X.T @ AY)
        W[-1] = self.problem.scaling * AY.sum(axis=0)
        return W

    def keep(self, keep):
        self.Z, self.Y = self.Z[:, keep], self.Y[:, keep]
        self.C, self.D = _keep_cols(self.C, keep), _keep_cols(self.D, keep)
        self.step = _keep_cols(self.step, keep)


def _cd_form(n_samples, n_features):
    """``_KernelCD`` for few rows (see ``_KERNEL_ROWS_PER_FEATURE``), else ``_PrimalCD``."""
    few = n_samples <= min(_KERNEL_ROWS_PER_FEATURE * (n_features + 1), _KERNEL_MAX_ROWS)
    return _KernelCD if few else _PrimalCD


def _dual_cd(problem, n_features, tol, max_epochs, random_state):
    """Dual coordinate descent for all columns of ``problem`` at once.

    liblinear's dual solver (Hsieh et al. 2008) for the squared hinge: each
    epoch updates every dual coordinate ``alpha_ik`` once, in a random row
    order, ``alpha_ik <- max(0, alpha_ik - G_ik / Qbar_ii)`` with
    ``G_ik = y_ik w_k^T x_i - 1 + alpha_ik / (2 C_i)``, and keeps
    ``w_k = sum_i alpha_ik y_ik x_i``. The rows are taken in blocks of
    ``_CD_BLOCK`` (see ``_cd_rows``): the products with ``X`` are
    matrix-matrix products over a block and all running columns, the
    sequential part is one small vector-matrix product per row. With few
    rows (at most ``_KERNEL_ROWS_PER_FEATURE`` times the features) the
    margins and the rows' Gram matrix are kept instead of the weights
    (``_KernelCD``): one product per block instead of two.

    A column stops when its duality gap is at most ``tol`` times its primal
    objective: its objective is then within ``tol`` (relative) of the
    optimum, whatever the data. The primal objective is estimated each
    epoch (from the margins as the blocks saw them, or the kept margins)
    and computed exactly only for the columns whose estimate says they are
    done; finished columns leave the running set. Returns ``W``, the
    objectives and epochs of every column, and the columns not done after
    ``max_epochs``.
    """
    n_samples, K = problem.X.shape[0], problem.n_cols
    state = _cd_form(n_samples, n_features)(problem, n_features, K)
    W = np.zeros((n_features + 1, K), dtype=problem.dtype)
    f = np.full(K, np.nan)
    n_iter = np.zeros(K, dtype=np.int32)
    cols = np.arange(K)  # the running columns; A and state hold theirs only
    A = np.zeros((n_samples, K), dtype=problem.dtype)  # the dual variables
    rng = check_random_state(random_state)
    epoch = 0
    while cols.size and epoch < max_epochs:
        epoch += 1
        sums = np.zeros((3, cols.size))  # the blocks' losses, sum(alpha), sum(D alpha^2)
        order = rng.permutation(n_samples)
        for block in gen_batches(n_samples, _CD_BLOCK):
            rows = order[block]
            Y, C, D, step, Z0, gram = state.block(rows, cols)
            U, alpha = _cd_rows(A[rows], Y, D, step, Z0, gram)
            A[rows] = alpha
            state.move(rows, U)
            if state.block_losses:
                margin = np.maximum(1.0 - Y * Z0, 0.0)
                sums[0] += _coldot(np.broadcast_to(C, Y.shape) * margin, margin)
            sums[1] += alpha.sum(axis=0, dtype=np.float64)
            sums[2] += _coldot(np.broadcast_to(D, Y.shape) * alpha, alpha)
        n_iter[cols] = epoch
        ww, losses = state.norms(A, cols, epoch)
        estimate = 0.5 * ww + (sums[0] if losses is None else losses)
        dual = sums[1] - 0.5 * ww - 0.5 * sums[2]
        at = np.flatnonzero(estimate - dual <= tol * estimate)
        if not at.size:
            continue
        f_at, ww_at = state.exact(A, cols, at)
        ok = f_at - (sums[1, at] - 0.5 * ww_at - 0.5 * sums[2, at]) <= tol * f_at
        done = at[ok]
        if done.size:
            f[cols[done]] = f_at[ok]
            W[:, cols[done]] = state.weights(A, cols, done)
            keep = np.ones(cols.size, dtype=bool)
            keep[done] = False
            cols, A = cols[keep], A[:, keep]
            state.keep(keep)
    if cols.size:  # not done: Newton finishes them from here
        W[:, cols] = state.weights(A, cols, np.arange(cols.size))
    return W, f, n_iter, cols


# ADMM (``solver="admm"``): the over-relaxation of its updates, the iterations
# between two checks of the duality gap (and updates of the penalty), and the
# penalty's start, relative to mean(C) / mean(||x||^2 + s^2).
_ADMM_RELAX = 1.7
_ADMM_CHECK = 10
_ADMM_RHO = 3.0
# Iterations of ADMM; the columns it has not finished by then are finished by
# Newton's method, from where it left them.
_ADMM_ITERATIONS = 500


def _extended_gram(X, scaling):
    """``[X, s]^T [X, s]`` in float64 (``(d + 1) x (d + 1)``)."""
    G = X.T @ X
    G = G.toarray() if sparse.issparse(G) else np.asarray(G)
    sums = np.asarray(X.sum(axis=0)).ravel()
    d = X.shape[1]
    out = np.empty((d + 1, d + 1))
    out[:d, :d] = G
    out[:d, d] = out[d, :d] = scaling * sums
    out[d, d] = scaling * scaling * X.shape[0]
    return out


class _Penalty:
    """ADMM's penalty ``rho`` and the factor of ``I + rho [X, s]^T [X, s]``."""

    def __init__(self, gram, rho):
        self.gram, self.rho = gram, rho
        self._factor()

    def _factor(self):
        self.factor = cho_factor(np.eye(len(self.gram)) + self.rho * self.gram)

    def solve(self, R):
        return cho_solve(self.factor, self.rho * R)

    def scale(self, by):
        self.rho *= by
        self._factor()


def _admm(problem, n_features, tol, max_iter):
    """ADMM for all columns of ``problem`` at once (rows far outnumber features).

    The splitting ``z = [X, s] w`` (Boyd et al. 2011, scaled form, with
    over-relaxation): ``w`` minimises ``1/2 ||w||^2 + rho/2 ||[X, s] w - z +
    u||^2``, a linear system whose matrix ``I + rho [X, s]^T [X, s]`` is the
    same for every column and every iteration (one Cholesky factor); each
    ``z_ik`` minimises ``C_i max(0, 1 - y_ik z)^2 + rho/2 (z - v_ik)^2`` in
    closed form; ``u += [X, s] w - z``. One pass over the rows per
    iteration (two matrix products per chunk). Unlike Newton's steps these
    do not depend on which rows are inside the margin, which is what makes
    Newton and dual coordinate descent slow when many rows sit at the
    margin of rare label sets.

    Every ``_ADMM_CHECK`` iterations: a column stops when its duality gap is
    at most ``tol`` times its primal objective (the dual point is
    ``alpha = max(0, -rho y u)``), and ``rho`` is doubled or halved when the
    primal residual is over 10 times the dual one or under a tenth of it
    (residual balancing). Keeps ``z`` and ``u``: ``2 x n x K`` values.
    Returns ``W``, objectives, iterations and the columns not done.
    """
    X, dtype, scaling = problem.X, problem.dtype, problem.scaling
    n_samples, K = X.shape[0], problem.n_cols
    mean_sq = float(np.mean(row_norms(X, squared=True))) + scaling**2
    mean_cost = float(np.mean(problem.costs))
    penalty = _Penalty(_extended_gram(X, scaling), _ADMM_RHO * mean_cost / mean_sq)
    W = np.zeros((n_features + 1, K), dtype=dtype)
    f = np.full(K, np.nan)
    n_iter = np.zeros(K, dtype=np.int32)
    cols = np.arange(K)  # the running columns; Z, U, R hold theirs only
    Z = np.zeros((n_samples, K), dtype=dtype)
    U = np.zeros_like(Z)
    R = np.zeros((n_features + 1, K))  # [X, s]^T (z - u)
    relax = _ADMM_RELAX
    iteration = 0
    while cols.size and iteration < max_iter:
        iteration += 1
        rho = penalty.rho
        Wc = penalty.solve(R).astype(dtype, copy=False)
        check = iteration % _ADMM_CHECK == 0
        R = np.zeros((n_features + 1, cols.size), dtype=dtype)
        if check:
            moves = np.zeros_like(R)  # [X, s]^T (z_new - z)
            signed = np.zeros_like(R)  # [X, s]^T (alpha y)
            # losses at Wc, sum(alpha), sum(alpha^2 / 4C), ||[X, s] w - z||^2
            sums = np.zeros((4, cols.size))
        for rows in problem.chunks:
            Xc = X[rows]
            Y = problem._signs(rows, cols)
            C = problem._costs(rows, cols)
            XW = problem._apply(Xc, Wc)
            z, u = Z[rows], U[rows]
            if check:
                margin = np.maximum(1.0 - Y * XW, 0.0)
                sums[0] += _coldot(np.broadcast_to(C, Y.shape) * margin, margin)
                sums[3] += _coldot(XW - z, XW - z)
            XW *= relax
            XW += (1.0 - relax) * z  # the relaxed [X, s] w
            m = Y * (XW + u)
            t = np.where(m >= 1.0, m, (2.0 * C + rho * m) / (2.0 * C + rho))
            z_new = Y * t
            u += XW - z_new
            if check:
                problem._apply_t(Xc, z_new - z, moves)
                alpha = np.maximum(-rho * Y * u, 0.0)
                problem._apply_t(Xc, alpha * Y, signed)
                quarter_inv_c = np.divide(0.25, C, out=np.zeros_like(C), where=C > 0)
                sums[1] += alpha.sum(axis=0, dtype=np.float64)
                sums[2] += _coldot(np.broadcast_to(quarter_inv_c, Y.shape) * alpha, alpha)
            Z[rows], U[rows] = z_new, u
            problem._apply_t(Xc, z_new - u, R)
        n_iter[cols] = iteration
        if not check:
            continue
        primal = 0.5 * _coldot(Wc, Wc) + sums[0]
        dual = sums[1] - 0.5 * _coldot(signed, signed) - sums[2]
        done = primal - dual <= tol * primal
        if done.any():
            W[:, cols[done]], f[cols[done]] = Wc[:, done], primal[done]
            keep = ~done
            cols, Z, U, R = cols[keep], Z[:, keep], U[:, keep], R[:, keep]
            Wc, moves, sums = Wc[:, keep], moves[:, keep], sums[:, keep]
        # residual balancing (u is scaled by 1 / rho)
        r, s = np.sqrt(sums[3].sum()), rho * np.sqrt(_coldot(moves, moves).sum())
        if r > 10.0 * s or s > 10.0 * r:
            by = 2.0 if r > s else 0.5
            R_u = _transpose_product(problem, U)  # [X, s]^T u
            penalty.scale(by)
            U /= by
            R += R_u * (1.0 - 1.0 / by)
    if cols.size:
        W[:, cols] = Wc
    return W, f, n_iter, cols


def _transpose_product(problem, M):
    """``[X, s]^T M`` over row chunks."""
    out = np.zeros((problem.X.shape[1] + 1, M.shape[1]), dtype=M.dtype)
    for rows in problem.chunks:
        problem._apply_t(problem.X[rows], M[rows], out)
    return out


def _as_float(X):
    if X.dtype in (np.float32, np.float64):
        return X
    return X.astype(np.float64)


def fit_ovr_squared_hinge(
    X,
    targets,
    costs,
    col_group=None,
    *,
    tol=1e-3,
    max_iter=1000,
    intercept_scaling=1.0,
    chunk_values=_CHUNK_VALUES,
    solver="newton",
    random_state=None,
):
    """Fit one-vs-rest L2-regularised squared-hinge linear SVMs, all at once.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data, float32 or float64 (the computations use its dtype;
        objective values and dot products accumulate in float64).
    targets : ndarray of shape (n_samples,) or (n_samples, n_groups)
        Column index of each row's class (in each group).
    costs : ndarray of shape (n_samples,) or (n_samples, n_groups)
        ``C * sample_weight`` of each row (in each group).
    col_group : ndarray of shape (n_columns,), default=None
        Group of each column; ``None`` means one group with
        ``targets.max() + 1`` columns.
    tol : float, default=1e-3
        liblinear's ``eps``: column ``k`` stops when its gradient norm is at
        most ``tol * max(min(pos_k, neg_k), 1) / n_samples`` times its norm
        at zero.
    max_iter : int, default=1000
        Most Newton iterations per column.
    intercept_scaling : float, default=1.0
        Value of the constant feature whose weight is the intercept.
    chunk_values : int, default=2**21
        Rows are processed in chunks of about ``chunk_values / n_columns``.
    solver : {"newton", "dual-cd", "admm"}, default="newton"
        ``"newton"``: Newton-CG in the primal, stopped by liblinear's primal
        rule above. ``"dual-cd"``: liblinear's dual coordinate descent, rows
        in blocks; a column stops when its duality gap is at most ``tol``
        times its objective (so the objective is within ``tol``, relative,
        of the optimum). The columns it has not finished after 100 epochs
        (passes over the rows) are finished by ``"newton"`` from there. It
        keeps the dual variables: ``n_samples x n_columns`` more values;
        with at most twice as many rows as features (and at most 8,192
        rows) also the rows' margins and signs (two more such arrays) and
        their Gram matrix (``n_samples x n_samples``), which halves its
        products. ``"admm"``: ADMM on ``z = [X, s] w`` with one Cholesky
        factor of ``I + rho [X, s]^T [X, s]`` shared by all columns,
        stopped by the duality gap as ``"dual-cd"``; the columns not done
        after 500 iterations are finished by ``"newton"``. It keeps ``z``
        and ``u``: ``2 x n_samples x n_columns`` more values.
    random_state : int, RandomState instance or None, default=None
        Row order of ``"dual-cd"``'s epochs.

    Returns
    -------
    coef : ndarray of shape (n_columns, n_features)
    intercept : ndarray of shape (n_columns,)
    n_iter : ndarray of shape (n_columns,)
        Newton iterations of each column (``"dual-cd"``: its epochs, or
        the Newton iterations that finished the column).
    objective : ndarray of shape (n_columns,)
        Each column's objective value at the solution (float64).
    """
    X = _as_float(X)
    if sparse.issparse(X):
        X = X.tocsr()
    targets = np.asarray(targets, dtype=np.intp)
    costs = np.asarray(costs, dtype=np.float64)
    if targets.ndim == 1:
        targets, costs = targets[:, None], costs[:, None]
    if col_group is None:
        col_group = np.zeros(int(targets.max()) + 1, dtype=np.intp)
    col_group = np.asarray(col_group, dtype=np.intp)
    n_samples, n_features = X.shape
    positives = np.bincount(targets.ravel(), minlength=col_group.size)
    tols = tol * np.maximum(np.minimum(positives, n_samples - positives), 1) / n_samples
    problem = _Problem(X, targets, costs, col_group, intercept_scaling, chunk_values)
    if solver in ("dual-cd", "admm"):
        if solver == "dual-cd":
            first = _dual_cd(problem, n_features, tol, _CD_EPOCHS, random_state)
        else:
            first = _admm(problem, n_features, tol, _ADMM_ITERATIONS)
        W, objective, n_iter, left = first
        if left.size:  # slow for this method (see its docstring): Newton ends
            W, f_left, n_newton = _newton(problem, n_features, tols, max_iter, W, left)
            objective[left], n_iter[left] = f_left[left], n_newton[left]
    else:
        W, objective, n_iter = _newton(problem, n_features, tols, max_iter)
    if (n_iter >= max_iter).any():
        warnings.warn(
            f"The batched {solver!r} solver reached max_iter={max_iter} for "
            f"{int((n_iter >= max_iter).sum())} of {col_group.size} columns; "
            "increase max_iter or tol.",
            ConvergenceWarning,
            stacklevel=2,
        )
    coef = np.ascontiguousarray(W[:-1].T)
    intercept = intercept_scaling * W[-1]
    return coef, intercept, n_iter, objective


def ovr_objective(X, codes, coef, intercept, costs, intercept_scaling=1.0):
    """liblinear's primal objective of each one-vs-rest column (float64).

    ``0.5 * (||coef_k||^2 + (intercept_k / intercept_scaling)^2) +
    sum_i costs_i * max(0, 1 - y_ik (x_i . coef_k + intercept_k))^2``.
    For two classes pass the single column of a binary fit as ``coef`` with
    shape ``(1, n_features)``: ``y = +1`` for class 1.
    """
    X = X.astype(np.float64) if not sparse.issparse(X) else X.astype(np.float64)
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    intercept = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
    Z = np.asarray(X @ coef.T) + intercept
    if coef.shape[0] == 1:
        Y = np.where(np.asarray(codes) == 1, 1.0, -1.0)[:, None]
    else:
        Y = np.where(np.asarray(codes)[:, None] == np.arange(coef.shape[0]), 1.0, -1.0)
    margin = np.maximum(1.0 - Y * Z, 0.0)
    reg = 0.5 * ((coef**2).sum(axis=1) + (intercept / intercept_scaling) ** 2)
    return reg + np.asarray(costs, dtype=np.float64) @ margin**2


class BatchLinearSVC(ClassifierMixin, BaseEstimator):
    """``LinearSVC``'s one-vs-rest squared-hinge model, all classes at once.

    The same model as ``LinearSVC(C=C, loss="squared_hinge", dual=False,
    tol=tol, intercept_scaling=intercept_scaling)`` (same objective, same
    stopping rule), fitted by :func:`fit_ovr_squared_hinge`: a Newton method
    whose iterations are matrix-matrix products over all classes together.
    With two classes it has one row of ``coef_``, as ``LinearSVC``.

    Parameters
    ----------
    C : float, default=1.0
        Penalty of the squared hinge loss.
    tol : float, default=1e-3
        Stopping tolerance of ``solver`` (see :func:`fit_ovr_squared_hinge`).
    max_iter : int, default=1000
        Most Newton iterations per class.
    intercept_scaling : float, default=1.0
        Value of the constant feature whose (regularised) weight is the
        intercept.
    solver : {"newton", "dual-cd", "admm"}, default="newton"
        Newton-CG in the primal, dual coordinate descent (faster when the
        classes are many and the rows at most about twice the features) or
        ADMM (often faster when the rows far outnumber the features and the
        classes are many and imbalanced); see :func:`fit_ovr_squared_hinge`.
    random_state : int, RandomState instance or None, default=None
        Row order of ``"dual-cd"``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (n_classes, n_features) or (1, n_features)
    intercept_ : ndarray of shape (n_classes,) or (1,)
    n_iter_ : int
        Most Newton iterations over the classes (as ``LinearSVC``).
    n_features_in_ : int
    """

    _parameter_constraints = {
        "C": [Interval(numbers.Real, 0.0, None, closed="neither")],
        "tol": [Interval(numbers.Real, 0.0, None, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "intercept_scaling": [Interval(numbers.Real, 0.0, None, closed="neither")],
        "solver": [StrOptions({"newton", "dual-cd", "admm"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        C=1.0,
        *,
        tol=1e-3,
        max_iter=1000,
        intercept_scaling=1.0,
        solver="newton",
        random_state=None,
    ):
        self.C = C
        self.tol = tol
        self.max_iter = max_iter
        self.intercept_scaling = intercept_scaling
        self.solver = solver
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """Fit all one-vs-rest problems.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : BatchLinearSVC
        """
        self._validate_params()
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32]
        )
        check_classification_targets(y)
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        check_sample_weight(sample_weight, X)  # negative, NaN: say so
        self.classes_, codes = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {self.classes_[0]!r}"
            )
        costs = self.C * sample_weight
        coef, intercept, n_iter, objective = fit_ovr_squared_hinge(
            X,
            codes,
            costs,
            tol=self.tol,
            max_iter=self.max_iter,
            intercept_scaling=self.intercept_scaling,
            solver=self.solver,
            random_state=self.random_state,
        )
        self._set_solution(coef, intercept, n_iter, objective)
        return self

    def _set_solution(self, coef, intercept, n_iter, objective):
        """Keep the fitted columns (one for two classes, as liblinear)."""
        if self.classes_.size == 2:  # column 1 is class 1 against class 0
            coef, intercept, objective = coef[1:], intercept[1:], objective[1:]
        self.coef_, self.intercept_ = coef, intercept
        self.objective_ = objective
        self.n_iter_ = int(n_iter.max()) if n_iter.size else 0

    def decision_function(self, X):
        """Signed distances to each class's hyperplane.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False
        )
        scores = np.asarray(X @ self.coef_.T.astype(X.dtype)) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

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
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[scores.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
