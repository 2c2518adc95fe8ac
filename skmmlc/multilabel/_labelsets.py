"""The label sets of a label powerset: their coding, pruning and per-row weights.

:func:`powerset_encode` turns a 0/1 label matrix into one class per distinct
row, :func:`prune_labelsets` is Read, Pfahringer and Holmes' pruned sets, and
:func:`label_weights` the paper's inverse-label-frequency weights (Pouyanfar
et al., section III.C) with their variants. They are the data side of
:class:`~skmmlc.multilabel.LabelPowersetWeightedSVC` (``_label_powerset``).
"""

import numpy as np

__all__ = ["label_weights", "powerset_encode", "prune_labelsets"]


def powerset_encode(Y):
    """Label powerset transform of an indicator matrix.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_labels)
        0/1 label indicator matrix.

    Returns
    -------
    powersets : ndarray of shape (n_powersets, n_labels)
        The distinct rows of ``Y`` in order of first appearance (the order
        scikit-multilearn's ``LabelPowerset`` uses). A row with no label is a
        label set like any other.
    codes : ndarray of shape (n_samples,)
        Index of each row of ``Y`` in ``powersets``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc.multilabel import powerset_encode
    >>> sets, codes = powerset_encode(np.array([[1, 0], [0, 0], [1, 0]]))
    >>> sets.tolist(), codes.tolist()
    ([[1, 0], [0, 0]], [0, 1, 0])
    """
    Y = np.asarray(Y)
    _, first, inverse = np.unique(Y, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    order = np.argsort(first)  # sorted-unique index -> first-appearance rank
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return Y[np.sort(first)], rank[inverse]


def prune_labelsets(Y, threshold, n_subsets=2):
    """Pruned sets (Read, Pfahringer and Holmes, ICDM 2008), strategy A.

    Label sets seen in at most ``threshold`` rows are pruned; each of their
    rows comes back once under each of the ``n_subsets`` best of the label
    sets that are seen more often and are subsets of its own (larger
    subsets first, then the more frequent, then the first seen); a row with
    no such subset (the empty set does not count) is left out. The classes
    become fewer and better populated, at the price of never predicting a
    pruned label set.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_labels)
        0/1 label indicator matrix.
    threshold : int
        ``p``: label sets seen in at most this many rows are pruned.
    n_subsets : int, default=2
        ``b``: most subsets a pruned row is reintroduced under.

    Returns
    -------
    rows : ndarray of shape (n_rows,)
        Index into ``Y`` (and ``X``) of each row of the pruned problem, in
        increasing order; a reintroduced row appears once per subset.
    Y_pruned : ndarray of shape (n_rows, n_labels)
        The label set of each of those rows. When no label set is seen in
        more than ``threshold`` rows nothing is pruned (``Y`` comes back).

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc.multilabel import prune_labelsets
    >>> Y = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [1, 1, 1]])
    >>> rows, Y_pruned = prune_labelsets(Y, threshold=1)
    >>> rows.tolist(), Y_pruned.tolist()
    ([0, 1, 2, 3, 4, 4], [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [1, 0, 0], [0, 1, 0]])
    """
    Y = np.asarray(Y)
    sets, codes = powerset_encode(Y)
    counts = np.bincount(codes, minlength=len(sets))
    frequent = np.flatnonzero((counts > threshold) & (sets.sum(axis=1) > 0))
    if frequent.size == 0:
        return np.arange(Y.shape[0]), Y
    pruned = np.flatnonzero(counts <= threshold)
    held = sets[frequent].astype(np.int64)
    # frequent set f is a subset of pruned set s when all of f's labels are in s
    inside = sets[pruned].astype(np.int64) @ held.T == held.sum(axis=1)
    # rank: larger, then more frequent, then first seen (frequent is in that order)
    ranked = np.lexsort((frequent, -counts[frequent], -held.sum(axis=1)))
    kept = np.flatnonzero(counts[codes] > threshold)
    rows, new_codes = [kept], [codes[kept]]
    for s, is_subset in zip(pruned, inside[:, ranked]):
        subsets = frequent[ranked[is_subset]][:n_subsets]
        members = np.flatnonzero(codes == s)
        rows.append(np.repeat(members, subsets.size))
        new_codes.append(np.tile(subsets, members.size))
    rows, new_codes = np.concatenate(rows), np.concatenate(new_codes)
    order = np.argsort(rows, kind="stable")
    return rows[order], sets[new_codes[order]]


def label_weights(Y, weighting="paper", sample_weight=None):
    """Per-row training weights of :class:`LabelPowersetWeightedSVC`.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_labels)
        0/1 label indicator matrix (a single-label problem is passed one-hot).
    weighting : {"paper", "paper_literal", "balanced"} or None, default="paper"
        - ``"paper"``: the paper's relative weights, rescaled to average 1.
          ``delta_j = 1 / n_j`` with ``n_j`` the (weighted) number of rows
          carrying label ``j``; a row's relative weight is the **mean** of
          ``delta_j`` over its labels. Rows without any label count as
          carrying one extra pseudo-label "no label", so they are weighted by
          the inverse frequency of empty rows; labels that no row carries
          play no part. The relative weights are divided by their mean over
          the rows (weighted by ``sample_weight``), so the rows weigh 1 on
          average, as with scikit-learn's ``class_weight="balanced"``.
        - ``"paper_literal"``: the same relative weights divided by
          ``sum_j delta_j`` instead (the normalisation of the paper's loss).
          They are the ``"paper"`` weights times their own mean ``m``, see
          :class:`LabelPowersetWeightedSVC` for what that means for ``C``.
        - ``"balanced"``: each powerset class (distinct row of ``Y``) gets the
          same total weight: ``n_samples / (n_classes * n_class)``, as
          scikit-learn's ``class_weight="balanced"``.
        - ``None``: every row weighs 1.
    sample_weight : array-like of shape (n_samples,), default=None
        Counts and means are weighted by it, so that a weight of 2 is the
        same as a repeated row; it is *not* multiplied into the result.

    Returns
    -------
    weights : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc.multilabel import label_weights
    >>> Y = np.array([[1, 0], [1, 0], [1, 1], [0, 0]])
    >>> # delta = 1/3, 1/1 and 1/1 for "no label"; their sum is 7/3; the
    >>> # relative weights 1/3, 1/3, 2/3, 1 average 7/12
    >>> np.round(label_weights(Y) * 7 / 12, 4).tolist()
    [0.3333, 0.3333, 0.6667, 1.0]
    >>> np.round(label_weights(Y, "paper_literal") * 7 / 3, 4).tolist()
    [0.3333, 0.3333, 0.6667, 1.0]
    """
    Y = np.asarray(Y, dtype=float)
    n_samples = Y.shape[0]
    sw = np.ones(n_samples) if sample_weight is None else np.asarray(sample_weight, float)
    if weighting is None:
        return np.ones(n_samples)
    if weighting == "balanced":
        _, codes = powerset_encode(Y)
        counts = np.bincount(codes, weights=sw)
        present = counts > 0
        per_class = np.zeros_like(counts)
        per_class[present] = sw.sum() / (present.sum() * counts[present])
        return per_class[codes]
    if weighting not in ("paper", "paper_literal"):
        raise ValueError(f"Unknown weighting {weighting!r}.")
    concepts = np.column_stack([Y, Y.sum(axis=1) == 0])  # last column: "no label"
    counts = sw @ concepts
    present = counts > 0
    delta = np.zeros_like(counts)
    delta[present] = 1.0 / counts[present]
    relative = (concepts @ delta) / concepts.sum(axis=1)
    if weighting == "paper_literal":
        return relative / delta.sum()
    mean = sw @ relative / sw.sum() if sw.sum() > 0 else 0.0
    return relative / mean if mean > 0 else relative
