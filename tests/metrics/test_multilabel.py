import numpy as np
import pytest
from sklearn.metrics import average_precision_score, label_ranking_average_precision_score
from sklearn.model_selection import GridSearchCV

from skmmlc import LabelPowersetWeightedSVC
from skmmlc import metrics as M


@pytest.fixture
def ranked():
    rng = np.random.default_rng(0)
    Y = (rng.random((50, 5)) < 0.4).astype(int)
    Y[Y.sum(1) == 0, 0] = 1  # every row has a label
    S = rng.random((50, 5))  # continuous: no ties
    return Y, S


def test_hamming_and_micro_f1_by_hand():
    Y = np.array([[1, 0, 1], [0, 1, 0]])
    P = np.array([[1, 1, 0], [0, 1, 0]])
    assert M.hamming_loss(Y, P) == pytest.approx(2 / 6)
    # TP=2, FP=1, FN=1
    assert M.micro_f1(Y, P) == pytest.approx(4 / 6)
    assert M.micro_f1(np.zeros((2, 2)), np.zeros((2, 2))) == 0.0


def test_map_matches_sklearn_definitions(ranked):
    Y, S = ranked
    per_row = [average_precision_score(y, s) for y, s in zip(Y, S)]
    np.testing.assert_allclose(M.average_precision_per_instance(Y, S), per_row)
    assert M.mean_average_precision(Y, S) == pytest.approx(np.mean(per_row))
    assert M.mean_average_precision(Y, S) == pytest.approx(
        label_ranking_average_precision_score(Y, S)
    )


def test_map_hand_example_with_tie():
    # labels 0 and 1 tied at the top: pessimistic rank 2 for both
    Y = np.array([[1, 0, 0]])
    S = np.array([[0.5, 0.5, 0.1]])
    assert M.mean_average_precision(Y, S) == pytest.approx(0.5)
    assert M.mean_average_precision(Y, -S) == pytest.approx(1 / 3)


def test_map_perfect_and_worst(ranked):
    Y, _ = ranked
    assert M.mean_average_precision(Y, Y + 0.0) == pytest.approx(1.0)
    assert M.mean_average_precision(Y, -Y + 0.0) < 1.0


def test_map_rows_without_labels():
    Y = np.array([[1, 0], [0, 0]])
    S = np.array([[0.2, 0.9], [0.1, 0.3]])
    assert M.mean_average_precision(Y, S) == pytest.approx(0.5)
    assert M.mean_average_precision(Y, S, no_label_score=1.0) == pytest.approx(0.75)
    assert np.isnan(M.mean_average_precision(np.zeros((2, 2)), S))
    assert M.mean_average_precision(Y, S, sample_weight=[1, 3], no_label_score=0) == (
        pytest.approx(0.125)
    )


def test_per_label_report():
    Y = np.array([[1, 0], [1, 1], [1, 0], [0, 0]])
    P = np.array([[1, 1], [0, 1], [1, 0], [0, 0]])
    report = M.per_label_report(Y, P, label_names=["a", "b"])
    assert list(report.index) == ["a", "b"]
    assert report.loc["a", "precision"] == 1.0
    assert report.loc["a", "recall"] == pytest.approx(2 / 3)
    assert report.loc["b", "precision"] == 0.5
    assert report.loc["b", "f1"] == pytest.approx(2 / 3)
    assert report["support"].tolist() == [3, 1]
    assert report["pn_ratio"].tolist() == pytest.approx([0.75, 0.25])
    assert report["prevalence"].tolist() == pytest.approx([0.75, 0.25])


def test_scorers_in_grid_search():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    Y = (X[:, :3] + 0.3 * rng.normal(size=(60, 3)) > 0).astype(int)
    search = GridSearchCV(
        LabelPowersetWeightedSVC(), {"C": [0.5, 2.0]}, cv=3,
        scoring=M.multilabel_scoring(), refit="map",
    ).fit(X, Y)
    res = search.cv_results_
    assert (res["mean_test_hamming_loss"] <= 0).all()
    assert ((res["mean_test_map"] > 0.5) & (res["mean_test_map"] <= 1)).all()
    clf = search.best_estimator_
    assert M.mean_average_precision_scorer(clf, X, Y) == pytest.approx(
        M.mean_average_precision(Y, clf.decision_function(X))
    )
    assert M.micro_f1_scorer(clf, X, Y) == pytest.approx(M.micro_f1(Y, clf.predict(X)))


def test_map_scorer_two_labels_uses_all_columns():
    # with 2 labels classes_ looks "binary" to scikit-learn; the scorer must
    # still see both columns of decision_function
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 2))
    Y = (X > 0).astype(int)
    clf = LabelPowersetWeightedSVC().fit(X, Y)
    assert M.mean_average_precision_scorer(clf, X, Y) == pytest.approx(
        M.mean_average_precision(Y, clf.decision_function(X))
    )


def _ap_brute_force(Y, S):
    """The definition, one row and one true label at a time."""
    result = []
    for y, s in zip(Y.astype(bool), S):
        if not y.any():
            result.append(np.nan)
            continue
        precisions = [(s[y] >= s[j]).sum() / (s >= s[j]).sum() for j in np.flatnonzero(y)]
        result.append(np.mean(precisions))
    return np.array(result)


def test_average_precision_matches_definition_with_ties():
    rng = np.random.default_rng(3)
    Y = (rng.random((80, 9)) < 0.3).astype(int)
    S = rng.integers(0, 4, size=(80, 9)).astype(float)  # many ties
    S[0] = -np.inf  # a row of equal (infinite) scores
    Y[1] = 0  # a row without labels
    np.testing.assert_allclose(
        M.average_precision_per_instance(Y, S), _ap_brute_force(Y, S), equal_nan=True
    )


def test_average_precision_memory_is_linear_in_labels():
    import tracemalloc

    rng = np.random.default_rng(0)
    n, n_labels = 100, 3000  # an n x L x L array would take 900 MB
    Y = (rng.random((n, n_labels)) < 0.01).astype(np.int8)
    Y[:, 0] = 1
    S = rng.normal(size=(n, n_labels))
    tracemalloc.start()
    ap = M.average_precision_per_instance(Y, S)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * n * n_labels * 8  # 48 MB
    np.testing.assert_allclose(ap[:5], _ap_brute_force(Y[:5], S[:5]))


@pytest.mark.parametrize("Y_true, Y_pred, match", [
    ([[1, 0], [0, 1]], [[2, 0], [0, 2]], r"Y_pred must be a 0/1 .* the values \[0, 2\]"),
    ([[1, -1], [-1, 1]], [[1, 0], [0, 1]], r"Y_true is coded -1/\+1"),
    ([[1], [0]], [[2], [0]], "Y_pred must be a 0/1"),  # one label: checked too
])
def test_prediction_metrics_refuse_what_is_not_0_1(Y_true, Y_pred, match):
    # predictions coded 0/2 gave micro-F1 1.0
    for metric in (M.micro_f1, M.hamming_loss, M.per_label_report):
        with pytest.raises(ValueError, match=match):
            metric(Y_true, Y_pred)


def test_map_refuses_a_non_0_1_truth_and_nan_scores():
    S = [[0.9, 0.1], [0.8, 0.2]]
    with pytest.raises(ValueError, match=r"Y_true is coded -1/\+1"):  # gave MAP 1.0
        M.mean_average_precision([[1, -1], [1, -1]], S)
    with pytest.raises(ValueError, match="Y_true must be a 2-D"):
        M.mean_average_precision([1, 0], S)
    S_nan = [[0.9, 0.1], [0.8, np.nan]]  # was a numpy IndexError
    with pytest.raises(ValueError, match=r"1 NaN score\(s\) \(the first at row 1, label 1\)"):
        M.mean_average_precision([[1, 0], [0, 1]], S_nan)
    # infinite scores are a ranking like any other
    assert M.mean_average_precision([[1, 0], [1, 0]], [[np.inf, 0], [-np.inf, 0]]) == 0.75
    # 1-D class labels stay scikit-learn's
    assert M.micro_f1([0, 1, 2], [0, 1, 1]) == pytest.approx(2 / 3)
