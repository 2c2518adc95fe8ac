"""Iterative stratification (skmmlc/model_selection/_iterative.py): iterative_split."""

import numpy as np
import pytest

from skmmlc.model_selection._iterative import iterative_split


def test_iterative_split_keeps_label_shares():
    rng = np.random.default_rng(0)
    p = np.array([0.05, 0.1, 0.3, 0.08, 0.11, 0.09, 0.25])
    Y = (rng.random((800, 7)) < p).astype(int)
    parts = iterative_split(Y, (0.6, 0.2, 0.2), random_state=0)
    sizes = [len(s) for s in parts]
    assert sum(sizes) == 800
    assert len(np.unique(np.concatenate(parts))) == 800  # a partition
    assert abs(sizes[0] - 480) <= 8 and abs(sizes[1] - 160) <= 8
    overall = Y.mean(axis=0)
    for s in parts:
        # every label's share within one row-count of stratification
        assert np.all(np.abs(Y[s].mean(axis=0) - overall) <= 2.0 / len(s) + 1e-9)


def test_iterative_split_beats_random_on_rare_label():
    rng = np.random.default_rng(1)
    Y = np.zeros((100, 2), dtype=int)
    Y[rng.choice(100, 5, replace=False), 0] = 1
    Y[:, 1] = rng.random(100) < 0.5
    train, val, test = iterative_split(Y, (0.6, 0.2, 0.2), random_state=3)
    # 5 positives over 60/20/20 -> 3/1/1
    assert [Y[s, 0].sum() for s in (train, val, test)] == [3, 1, 1]


def test_iterative_split_rejects_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        iterative_split(np.zeros(5))
    with pytest.raises(ValueError, match="fractions"):
        iterative_split(np.zeros((5, 2)), (1.0,))
