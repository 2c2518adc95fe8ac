"""Multi-label imbalance measures (issue 18): skmmlc.metrics' IRLbl, MeanIR, SCUMBLE, ..."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from skmmlc.metrics import (
    cv_imbalance_ratio,
    label_imbalance_ratio,
    max_imbalance_ratio,
    mean_imbalance_ratio,
    minority_labels,
    scumble,
    scumble_per_sample,
)
from skmmlc.resampling import MLROS, MLSMOTE, REMEDIAL

# the toy oracle: label columns A, B, C
TOY = np.array([[1, 1, 1, 1, 1, 1, 0, 1], [1, 1, 0, 0, 0, 0, 0, 0],
                [0, 0, 0, 0, 1, 0, 1, 0]]).T


def test_measures_mldr_oracle_on_emotions(emotions):
    _, Y = emotions
    assert Y.shape == (593, 6)
    assert mean_imbalance_ratio(Y) == pytest.approx(1.478068, abs=1e-6)
    assert max_imbalance_ratio(Y) == pytest.approx(1.783784, abs=1e-6)
    assert cv_imbalance_ratio(Y) == pytest.approx(0.179571, abs=1e-6)
    assert scumble(Y) == pytest.approx(0.010952, abs=1e-6)
    assert minority_labels(Y).sum() == 4


def test_measures_toy_oracle():
    np.testing.assert_allclose(label_imbalance_ratio(TOY), [1, 3.5, 3.5])
    assert mean_imbalance_ratio(TOY) == pytest.approx(2.666667, abs=1e-6)
    assert cv_imbalance_ratio(TOY) == pytest.approx(0.5412659, abs=1e-7)
    assert scumble(TOY) == pytest.approx(0.06319522, abs=1e-8)
    ins = scumble_per_sample(TOY)
    np.testing.assert_allclose(ins[[0, 1, 4]], 0.168521, atol=1e-6)
    assert (ins[[2, 3, 5, 6, 7]] == 0).all()
    np.testing.assert_array_equal(minority_labels(TOY), [False, True, True])
    # sparse and DataFrame label matrices give the same
    assert scumble(sp.csr_matrix(TOY)) == scumble(pd.DataFrame(TOY, columns=list("ABC")))


def test_absent_label_is_left_out_of_the_imbalance():
    Y = np.array([[1, 0, 0], [1, 1, 0]])
    np.testing.assert_array_equal(label_imbalance_ratio(Y), [1, 2, np.nan])
    assert mean_imbalance_ratio(Y) == 1.5  # not (1 + 2 + 0) / 3 = 1
    assert max_imbalance_ratio(Y) == 2
    np.testing.assert_array_equal(minority_labels(Y), [False, True, False])
    # balanced data with a label no row carries: MeanIR 1 (was 2/3), nothing to clone
    balanced = np.array([[1, 0, 0], [0, 1, 0]] * 4)
    assert mean_imbalance_ratio(balanced) == 1.0
    assert not minority_labels(balanced).any()
    X = np.arange(16.0).reshape(8, 2)
    for sampler in (MLROS(random_state=0), MLSMOTE(k_neighbors=2, random_state=0),
                    REMEDIAL()):
        X_res, Y_res = sampler.fit_resample(X, balanced)
        assert sampler.mean_ir_ == 1.0
        np.testing.assert_array_equal(Y_res, balanced)  # were 2 clones with MLROS
    # one label with positives: CVIR is NaN, without a numpy warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(cv_imbalance_ratio(np.array([[1, 0], [1, 0]])))


def test_no_positive_at_all_is_a_clear_error():
    Y = np.zeros((4, 3), dtype=int)
    for measure in (label_imbalance_ratio, mean_imbalance_ratio, max_imbalance_ratio,
                    cv_imbalance_ratio, minority_labels):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # was NaN with "invalid value" from numpy
            with pytest.raises(ValueError, match="no row carries any label"):
                measure(Y)
    assert scumble(Y) == 0.0  # no row with two labels: defined
    X = np.arange(8.0).reshape(4, 2)
    X_res, Y_res = MLROS(random_state=0).fit_resample(X, Y)  # nothing to resample
    assert Y_res.shape == (4, 3)


@pytest.mark.parametrize("bad, match", [
    (np.array([[0, 2], [1, 0]]), "0/1"),
    (np.array([[1, -1], [-1, 1]]), "-1/\\+1"),
    (np.array([1, 0, 1]), "2-D"),
])
def test_measures_name_bad_targets(bad, match):
    with pytest.raises(ValueError, match=match):
        scumble(bad)
