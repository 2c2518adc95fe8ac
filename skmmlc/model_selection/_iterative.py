"""Multi-label stratified splitting (iterative stratification).

Sechidis, Tsoumakas and Vlahavas, "On the Stratification of Multi-Label
Data", ECML PKDD 2011: labels are handled rarest first, and each row carrying
the current label goes to the subset that most lacks that label (ties: the
subset that most lacks rows, then at random). Keeps every label's share close
to the requested fractions in every subset, rare labels included, which a
random split does not.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["iterative_split"]


def iterative_split(Y, fractions=(0.6, 0.2, 0.2), random_state=None, *, shuffle=True):
    """Split rows of a multi-label indicator matrix into stratified subsets.

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_labels)
        0/1 indicator matrix.
    fractions : sequence of float
        Share of rows per subset; normalised to sum to one.
    random_state : int, RandomState or None
        Order of the rows within a label and ties between subsets.
    shuffle : bool
        If False, rows are taken in their order and a tie goes to the first
        subset: the split is then a function of ``Y`` alone and
        ``random_state`` is not used.

    Returns
    -------
    subsets : list of ndarray of int
        Sorted row indices of each subset, in the order of ``fractions``.

    Examples
    --------
    >>> import numpy as np
    >>> Y = np.array([[1, 0]] * 6 + [[0, 1]] * 4)
    >>> train, test = iterative_split(Y, (0.5, 0.5), random_state=0)
    >>> Y[train].sum(axis=0), Y[test].sum(axis=0)
    (array([3, 2]), array([3, 2]))
    """
    Y = np.asarray(Y).astype(bool)
    if Y.ndim != 2:
        raise ValueError(f"Y must be 2-D (n_samples, n_labels), got shape {Y.shape}.")
    fractions = np.asarray(fractions, dtype=float)
    if fractions.ndim != 1 or len(fractions) < 2 or np.any(fractions <= 0):
        raise ValueError(f"fractions must be >= 2 positive numbers, got {fractions}.")
    fractions = fractions / fractions.sum()
    rng = check_random_state(random_state)
    n, n_labels = Y.shape
    k = len(fractions)

    want_rows = fractions * n
    want_label = np.outer(fractions, Y.sum(axis=0)).astype(float)  # (k, n_labels)
    assignment = np.full(n, -1)
    remaining = Y.copy()
    unassigned = np.ones(n, dtype=bool)

    def place(rows, label=None):
        for row in rows:
            if label is None:
                score = want_rows
                best = np.flatnonzero(score == score.max())
            else:
                score = want_label[:, label]
                best = np.flatnonzero(score == score.max())
                if len(best) > 1:
                    sub = want_rows[best]
                    best = best[sub == sub.max()]
            chosen = best[rng.randint(len(best))] if shuffle and len(best) > 1 else best[0]
            assignment[row] = chosen
            want_label[chosen] -= Y[row]
            want_rows[chosen] -= 1
            remaining[row] = False
            unassigned[row] = False

    while remaining.any():
        counts = remaining.sum(axis=0)
        counts = np.where(counts > 0, counts, np.iinfo(np.int64).max)
        label = int(np.argmin(counts))
        rows = np.flatnonzero(remaining[:, label] & unassigned)
        place(rng.permutation(rows) if shuffle else rows, label)
    rest = np.flatnonzero(unassigned)
    place(rng.permutation(rest) if shuffle else rest)
    return [np.flatnonzero(assignment == s) for s in range(k)]
