"""Label-matrix mix-ups get an error (or warning) that names the fix."""

import numpy as np
import pytest

from skmmlc.temporal._resbilstm import _encode_targets
from skmmlc.utils._targets import check_label_matrix


def test_indicator_and_class_labels_pass():
    Y = np.array([[0, 1], [1, 0]])
    np.testing.assert_array_equal(check_label_matrix(Y), Y)
    np.testing.assert_array_equal(check_label_matrix(["a", "b"]), ["a", "b"])


@pytest.mark.parametrize("Y", [[[-1, 1], [1, -1]], [[-1, 0], [1, 1]]])
def test_minus_one_plus_one_is_refused_with_the_conversion(Y):
    with pytest.raises(ValueError, match=r"coded -1/\+1.*\(Y > 0\)\.astype\(int\)"):
        check_label_matrix(Y)


def test_other_values_are_refused():
    with pytest.raises(ValueError, match=r"0/1 label indicator.*\[0, 1, 2\]"):
        check_label_matrix([[0, 1], [2, 0]])


@pytest.mark.parametrize("Y", [
    [["Flood", "Damage"], ["Speak"]],  # ragged
    [["Flood", "Damage"], ["Speak", "Victim"]],  # rectangular strings
])
def test_lists_of_names_point_to_multilabelbinarizer(Y):
    with pytest.raises(ValueError, match="lists of label names.*MultiLabelBinarizer"):
        check_label_matrix(Y)


def test_joined_label_strings_warn_naming_the_separator():
    with pytest.warns(UserWarning, match=r"joined by '\|'.*load_manifest"):
        check_label_matrix(np.array(["Flood|Damage", "Speak", "Flood"]))


def test_temporal_targets_use_the_check():
    with pytest.raises(ValueError, match="coded -1/"):
        _encode_targets(np.array([[-1, 1], [1, -1]]))


def test_label_powerset_svc_refuses_minus_one_coding():
    from skmmlc import LabelPowersetWeightedSVC

    X = np.random.default_rng(0).normal(size=(8, 3))
    Y = np.array([[1, -1], [-1, 1]] * 4)
    with pytest.raises(ValueError, match="coded -1/"):
        LabelPowersetWeightedSVC().fit(X, Y)
    LabelPowersetWeightedSVC().fit(X, Y[:, 0])  # 1-D -1/+1: ordinary binary classes


def test_label_powerset_svc_warns_on_joined_label_strings():
    from skmmlc import LabelPowersetWeightedSVC

    X = np.random.default_rng(0).normal(size=(6, 3))
    with pytest.warns(UserWarning, match=r"joined by '\|'"):
        LabelPowersetWeightedSVC().fit(X, ["Flood|Damage", "Speak", "Flood"] * 2)


def test_label_powerset_svc_points_lists_of_names_to_multilabelbinarizer():
    from skmmlc import LabelPowersetWeightedSVC

    X = np.random.default_rng(0).normal(size=(4, 3))
    with pytest.raises(ValueError, match="MultiLabelBinarizer"):
        LabelPowersetWeightedSVC().fit(X, [["Flood", "Damage"], ["Speak"], ["Flood"], []])


@pytest.mark.parametrize("weights, match", [
    ([1.0, -1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], r"sample_weight holds 1 negative value\(s\) "
                                                r"\(the first at row 1: -1\.0\); weights must "
                                                r"be >= 0"),
    # scikit-learn's own check says it first where it runs first
    ([1.0, 1.0, np.nan, 1.0, 1.0, 1.0, 1.0, 1.0], r"sample_weight (holds 1 NaN or infinite "
                                                  r"value\(s\) \(the first at row 2|contains "
                                                  r"NaN)"),
])
def test_classifiers_refuse_negative_and_non_finite_sample_weights(weights, match):
    from skmmlc import LabelPowersetWeightedSVC, RakelO
    from skmmlc.multilabel._softmax import BatchSoftmaxRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    Y = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]] * 2)
    for model, y in ((LabelPowersetWeightedSVC(), Y),
                     (LabelPowersetWeightedSVC(solver="softmax"), Y),
                     (RakelO(labelset_size=2, random_state=0), Y),
                     (BatchSoftmaxRegression(), Y[:, 0])):
        with pytest.raises(ValueError, match=match):
            model.fit(X, y, sample_weight=weights)
    with pytest.raises(ValueError, match="every sample_weight is zero"):
        RakelO(labelset_size=2, random_state=0).fit(X, Y, sample_weight=np.zeros(8))
