import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmmlc import LabelPowersetWeightedSVC, RakelO
from skmmlc.multilabel._label_powerset import _max_marginals, label_weights, powerset_encode

SW_REASON = (
    "libsvm's sample_weight is not exactly equivalent to repeating rows; "
    "scikit-learn lists the same expected failure for SVC itself"
)


@parametrize_with_checks(
    [
        LabelPowersetWeightedSVC(),
        LabelPowersetWeightedSVC(weighting="balanced"),
        RakelO(random_state=0),
        RakelO(LabelPowersetWeightedSVC(), labelset_size=2, random_state=0),
    ],
    expected_failed_checks=lambda est: {
        "check_sample_weight_equivalence_on_dense_data": SW_REASON,
        "check_sample_weight_equivalence_on_sparse_data": SW_REASON,
    },
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture
def data():
    X, Y = make_multilabel_classification(
        n_samples=120, n_features=8, n_classes=4, n_labels=2, random_state=0
    )
    return X, Y


def test_powerset_encode_first_appearance():
    Y = np.array([[0, 1], [1, 1], [0, 0], [0, 1], [0, 0]])
    sets, codes = powerset_encode(Y)
    assert sets.tolist() == [[0, 1], [1, 1], [0, 0]]
    assert codes.tolist() == [0, 1, 2, 0, 2]
    assert (sets[codes] == Y).all()


def test_paper_weights_hand_computed():
    # label counts: a=3, b=2, no-label rows=1 -> delta 1/3, 1/2, 1; sum 11/6
    Y = np.array([[1, 0], [1, 0], [1, 1], [0, 1], [0, 0]])
    relative = np.array([1 / 3, 1 / 3, (1 / 3 + 1 / 2) / 2, 1 / 2, 1])
    # literal rule: divided by sum(delta) = 11/6
    literal = label_weights(Y, "paper_literal")
    np.testing.assert_allclose(literal, [2 / 11, 2 / 11, 5 / 22, 3 / 11, 6 / 11])
    np.testing.assert_allclose(literal, relative / (11 / 6))
    # mean-1 rule: divided by the mean relative weight, 31/60
    mean1 = label_weights(Y, "paper")
    np.testing.assert_allclose(mean1, [20 / 31, 20 / 31, 25 / 31, 30 / 31, 60 / 31])
    assert mean1.mean() == pytest.approx(1.0)
    # the two differ by the literal weights' mean
    np.testing.assert_allclose(literal, mean1 * literal.mean())
    # rarer labels weigh more
    assert mean1[3] > mean1[0]


def test_paper_weights_weighted_mean_is_one():
    Y = np.array([[1, 0], [1, 0], [1, 1], [0, 1], [0, 0]])
    sw = np.array([2.0, 1.0, 0.5, 1.0, 3.0])
    mean1 = label_weights(Y, "paper", sample_weight=sw)
    assert np.average(mean1, weights=sw) == pytest.approx(1.0)
    literal = label_weights(Y, "paper_literal", sample_weight=sw)
    np.testing.assert_allclose(literal, mean1 * np.average(literal, weights=sw))


@pytest.mark.parametrize("with_sample_weight", [False, True])
def test_literal_weighting_is_mean1_with_scaled_C(data, with_sample_weight):
    X, Y = data
    sw = np.random.default_rng(0).uniform(0.5, 2, len(X)) if with_sample_weight else None
    literal_mean = np.average(label_weights(Y, "paper_literal", sw), weights=sw)
    # the same optimisation problem, solved to a tight tolerance
    literal = LabelPowersetWeightedSVC(C=20.0, weighting="paper_literal", tol=1e-8)
    mean1 = LabelPowersetWeightedSVC(C=20.0 * literal_mean, tol=1e-8)
    literal.fit(X, Y, sw)
    mean1.fit(X, Y, sw)
    np.testing.assert_array_equal(literal.predict(X), mean1.predict(X))
    np.testing.assert_allclose(
        literal.decision_function(X), mean1.decision_function(X), atol=1e-5
    )
    # the literal rule's effective C is tiny with 4 labels already
    assert literal_mean < 0.3


def test_paper_weights_sample_weight_counts_like_repeats():
    Y = np.array([[1, 0], [0, 1], [1, 1]])
    repeated = label_weights(np.vstack([Y, Y[:1]]), "paper")
    weighted = label_weights(Y, "paper", sample_weight=[2, 1, 1])
    np.testing.assert_allclose(weighted, repeated[:3])


def test_balanced_and_none_weights():
    Y = np.array([[1, 0], [1, 0], [1, 0], [0, 1]])
    np.testing.assert_allclose(label_weights(Y, "balanced"), [4 / 6, 4 / 6, 4 / 6, 2])
    np.testing.assert_array_equal(label_weights(Y, None), np.ones(4))


def test_weighting_reaches_svc(data):
    X, Y = data
    clf = LabelPowersetWeightedSVC(weighting="paper_literal").fit(X, Y)
    # libsvm bounds |dual_coef_| of a row by C * its weight; the literal
    # weights are all < 1, so no dual coefficient can exceed C
    assert np.abs(clf.svc_.dual_coef_).max() <= clf.C + 1e-9
    unweighted = LabelPowersetWeightedSVC(weighting=None).fit(X, Y)
    assert not np.allclose(clf.decision_function(X), unweighted.decision_function(X))


def test_predict_shapes_and_consistency(data):
    X, Y = data
    clf = LabelPowersetWeightedSVC().fit(X, Y)
    pred = clf.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}
    # each prediction is a label set seen in training
    seen = {tuple(row) for row in Y}
    assert all(tuple(row) in seen for row in pred)
    scores = clf.decision_function(X)
    proba = clf.predict_proba(X)
    assert scores.shape == proba.shape == Y.shape
    np.testing.assert_array_equal(scores > 0, pred.astype(bool))
    assert ((proba > 0) & (proba < 1)).all()
    np.testing.assert_array_equal(proba > 0.5, pred.astype(bool))
    np.testing.assert_array_equal(clf.classes_, np.arange(Y.shape[1]))


def test_matches_scikit_multilearn_on_emotions(mulan_dir):
    pytest.importorskip("skmultilearn")
    from sklearn.svm import SVC
    from skmultilearn.problem_transform import LabelPowerset

    from skmmlc.datasets import load_mulan

    X, Y = load_mulan(mulan_dir / "emotions" / "emotions-train.arff", return_X_y=True)
    X_test, _ = load_mulan(mulan_dir / "emotions" / "emotions-test.arff", return_X_y=True)
    ref = LabelPowerset(SVC(kernel="linear", C=0.9)).fit(X, Y).predict(X_test).toarray()
    ours = LabelPowersetWeightedSVC(weighting=None, break_ties=False).fit(X, Y)
    np.testing.assert_array_equal(ours.predict(X_test), ref)


def test_label_never_positive_does_not_crash(data):
    X, Y = data
    Y = Y.copy()
    Y[:, 2] = 0
    clf = LabelPowersetWeightedSVC().fit(X, Y)
    assert (clf.predict(X)[:, 2] == 0).all()
    scores = clf.decision_function(X)
    assert np.isfinite(scores).all()
    # the never-seen label ranks below every other label
    others = np.delete(scores, 2, axis=1)
    assert (scores[:, 2] < others.min(axis=1)).all()


def test_empty_label_set_is_a_class():
    X = np.array([[0.0], [0.1], [5.0], [5.1], [10.0], [10.1]])
    Y = np.array([[0, 0], [0, 0], [1, 0], [1, 0], [1, 1], [1, 1]])
    clf = LabelPowersetWeightedSVC(C=100).fit(X, Y)
    assert [0, 0] in clf.powersets_.tolist()
    np.testing.assert_array_equal(clf.predict([[0.05], [10.05]]), [[0, 0], [1, 1]])


def test_single_label_set_predicts_constant():
    X = np.arange(6.0).reshape(-1, 1)
    Y = np.tile([1, 0, 1], (6, 1))
    clf = LabelPowersetWeightedSVC().fit(X, Y)
    np.testing.assert_array_equal(clf.predict(X), Y)
    assert (clf.decision_function(X)[:, 0] > 0).all()
    assert (clf.decision_function(X)[:, 1] < 0).all()


def test_sample_weight_honoured():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    Y = np.zeros((40, 2), dtype=int)
    Y[:20, 0] = 1
    Y[20:, 1] = 1
    X_probe = np.zeros((1, 2))
    # the same point labelled both ways; the heavier rows decide
    X = np.vstack([X, X_probe, X_probe])
    Y = np.vstack([Y, [[1, 0]], [[0, 1]]])
    wins = []
    for heavy in (40, 41):
        sw = np.full(len(X), 0.01)
        sw[heavy] = 100.0
        clf = LabelPowersetWeightedSVC(kernel="rbf", gamma=5.0, C=10).fit(X, Y, sample_weight=sw)
        wins.append(clf.predict(X_probe)[0].tolist())
    assert wins == [[1, 0], [0, 1]]
    # zero weight equals dropping the rows
    sw = np.ones(len(X))
    sw[-2:] = 0
    a = LabelPowersetWeightedSVC().fit(X, Y, sample_weight=sw).decision_function(X)
    b = LabelPowersetWeightedSVC().fit(X[:-2], Y[:-2]).decision_function(X)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_sampler_changes_training_counts(data):
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.under_sampling import RandomUnderSampler

    X, Y = data
    plain = LabelPowersetWeightedSVC().fit(X, Y)
    counts = plain.powerset_counts_
    assert counts.min() < counts.max()
    over = LabelPowersetWeightedSVC(sampler=RandomOverSampler(), random_state=0).fit(X, Y)
    assert (over.powerset_counts_ == counts.max()).all()
    under = LabelPowersetWeightedSVC(sampler=RandomUnderSampler(), random_state=0)
    under.fit(X, Y, sample_weight=np.ones(len(X)))
    assert (under.powerset_counts_ == counts.min()).all()
    assert under.predict(X).shape == Y.shape
    assert np.isfinite(under.decision_function(X)).all()


def test_sampler_without_indices_rejects_sample_weight(data):
    from imblearn.over_sampling import SMOTE

    X, Y = data
    Y = np.repeat(Y[:3], 40, axis=0)  # 3 label sets with plenty of members
    clf = LabelPowersetWeightedSVC(sampler=SMOTE(k_neighbors=2))
    assert clf.fit(X, Y).predict(X).shape == Y.shape
    with pytest.raises(ValueError, match="sample_indices_"):
        clf.fit(X, Y, sample_weight=np.ones(len(X)))


def test_grid_search_f1_micro_and_map(data):
    from skmmlc.metrics import mean_average_precision_scorer

    X, Y = data
    for scoring in ("f1_micro", mean_average_precision_scorer):
        search = GridSearchCV(
            LabelPowersetWeightedSVC(), {"C": [0.1, 1.0]}, scoring=scoring, cv=3
        ).fit(X, Y)
        assert np.isfinite(search.cv_results_["mean_test_score"]).all()
        assert search.predict(X).shape == Y.shape


def test_pickle_and_clone(data):
    X, Y = data
    clf = LabelPowersetWeightedSVC(C=2.0, weighting="balanced").fit(X, Y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    np.testing.assert_allclose(restored.decision_function(X), clf.decision_function(X))
    fresh = clone(clf)
    assert fresh.get_params() == clf.get_params()
    with pytest.raises(NotFittedError):
        fresh.predict(X)


def test_single_label_y_is_plain_weighted_svc():
    X = np.array([[0.0], [0.2], [1.0], [1.2], [2.0], [2.2]])
    y = np.array(["a", "a", "b", "b", "c", "c"])
    clf = LabelPowersetWeightedSVC(C=10).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, ["a", "b", "c"])
    np.testing.assert_array_equal(clf.predict(X), y)
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)


def _model(labelset_size=None, **params):
    """The full powerset, or RAkEL-o with ``labelset_size=k`` (RakelO)."""
    if labelset_size is None:
        return LabelPowersetWeightedSVC(random_state=0, **params)
    return RakelO(LabelPowersetWeightedSVC(**params), labelset_size=labelset_size, random_state=0)


def _solvers(clf):
    return {m.solver_ for m in getattr(clf, "estimators_", [clf])}


def _assert_agree(clf, X):
    pred = clf.predict(X)
    scores = clf.decision_function(X)
    proba = clf.predict_proba(X)
    assert pred.shape == scores.shape == proba.shape
    np.testing.assert_array_equal(scores > 0, pred.astype(bool))
    np.testing.assert_array_equal(proba > 0.5, pred.astype(bool))


@pytest.mark.parametrize("labelset_size", [None, 1, 2, 3])
@pytest.mark.parametrize("solver", ["libsvm", "softmax"])
def test_predict_decision_proba_agree(data, labelset_size, solver):
    X, Y = data
    clf = _model(labelset_size, solver=solver).fit(X, Y)
    assert _solvers(clf) == {solver}
    _assert_agree(clf, X)


def test_rakel_members_cover_all_labels_without_repeats(data):
    X, Y = data  # 4 labels
    clf = RakelO(labelset_size=3, random_state=0).fit(X, Y)
    # 2 x 4 requested, but only comb(4, 3) = 4 distinct 3-label subsets exist
    assert clf.labelsets_.shape == (4, 3)
    assert len({tuple(s) for s in clf.labelsets_}) == 4
    clf = RakelO(labelset_size=2, n_labelsets=2, random_state=3).fit(X, Y)
    assert sorted(clf.labelsets_.ravel().tolist()) == [0, 1, 2, 3]
    for labels, member in zip(clf.labelsets_, clf.estimators_):
        assert member.powersets_.shape[1] == len(labels)
    with pytest.raises(ValueError, match="cannot cover"):
        RakelO(labelset_size=2, n_labelsets=1).fit(X, Y)


def test_rakel_deterministic_with_seed(data):
    X, Y = data
    Y = np.column_stack([Y, Y[:, ::-1] ^ 1])  # 8 labels: 70 possible 4-subsets

    def fitted(seed):
        return RakelO(labelset_size=4, n_labelsets=5, random_state=seed).fit(X, Y)

    a, b, c = fitted(0), fitted(0), fitted(1)
    np.testing.assert_array_equal(a.labelsets_, b.labelsets_)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    assert not np.array_equal(a.labelsets_, c.labelsets_)


def test_rakel_predicts_label_set_never_seen():
    # label j is on exactly when feature j is positive; training never has
    # all three labels at once, but every pair of labels occurs
    rng = np.random.default_rng(0)
    X = rng.uniform(0.5, 1.5, size=(120, 3)) * rng.choice([-1, 1], size=(120, 3))
    X = X[(X > 0).sum(axis=1) < 3]
    Y = (X > 0).astype(int)
    assert [1, 1, 1] not in Y.tolist()
    probe = np.array([[1.0, 1.0, 1.0]])
    rakel = RakelO(LabelPowersetWeightedSVC(C=10), labelset_size=2, random_state=0).fit(X, Y)
    assert rakel.predict(probe).tolist() == [[1, 1, 1]]
    assert all([1, 1] in m.powersets_.tolist() for m in rakel.estimators_)
    full = LabelPowersetWeightedSVC(C=10).fit(X, Y)
    assert full.predict(probe).tolist() != [[1, 1, 1]]  # only seen label sets


@pytest.mark.parametrize("labelset_size", [None, 2])
def test_label_never_positive_with_ensemble(data, labelset_size):
    X, Y = data
    Y = Y.copy()
    Y[:, 1] = 0
    clf = _model(labelset_size).fit(X, Y)
    scores = clf.decision_function(X)
    assert np.isfinite(scores).all() and (scores[:, 1] < 0).all()
    assert (clf.predict(X)[:, 1] == 0).all()
    _assert_agree(clf, X)


def test_softmax_needs_linear_kernel_and_fits(data):
    X, Y = data
    with pytest.raises(ValueError, match="kernel='linear'"):
        LabelPowersetWeightedSVC(kernel="rbf", solver="softmax").fit(X, Y)
    clf = LabelPowersetWeightedSVC(solver="softmax", random_state=0).fit(X, Y)
    assert clf.svc_.coef_.shape == (len(clf.powersets_), X.shape[1])
    assert (clf.predict(X) == Y).mean() > 0.7


@pytest.mark.parametrize("solver", ["liblinear", "newton", "dual-cd", "admm"])
def test_removed_solvers_are_refused(data, solver):
    X, Y = data
    with pytest.raises(ValueError, match="'solver' parameter"):
        LabelPowersetWeightedSVC(solver=solver).fit(X, Y)


def test_auto_solver_rule():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    Y = (rng.random((600, 12)) < 0.5).astype(int)  # ~600 distinct label sets
    n_sets = len(np.unique(Y, axis=0))
    assert n_sets > 500
    clf = LabelPowersetWeightedSVC().fit(X, Y)
    assert clf.solver_ == "softmax"
    assert len(clf.powersets_) == n_sets
    _assert_agree(clf, X[:50])
    # more than 5,000 rows, even with few label sets: softmax
    many = np.repeat(X, 9, axis=0)[:5001]
    assert LabelPowersetWeightedSVC().fit(many, np.repeat(Y[:, :2], 9, axis=0)[:5001]).solver_ == (
        "softmax"
    )
    # a RAkEL ensemble counts as one problem: its members' label sets together
    rakel = RakelO(labelset_size=3, n_labelsets=66, random_state=0)
    rakel.fit(X, Y)  # 66 members x 8 label sets > 500: all by softmax, in one solve
    assert {m.solver_ for m in rakel.estimators_} == {"softmax"}
    small = RakelO(labelset_size=2, random_state=0).fit(X, Y)  # 24 members
    assert {m.solver_ for m in small.estimators_} == {"libsvm"}
    # small data, few label sets, or another kernel: libsvm
    assert LabelPowersetWeightedSVC().fit(X, Y[:, :3]).solver_ == "libsvm"
    rbf = RakelO(LabelPowersetWeightedSVC(kernel="rbf"), labelset_size=3, random_state=0)
    assert _solvers(rbf.fit(X, Y)) == {"libsvm"}
    # libsvm with many label sets warns before it starts fitting
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        with pytest.raises(UserWarning, match="will be slow"):
            LabelPowersetWeightedSVC(solver="libsvm").fit(X, Y)


def test_max_marginals_match_brute_force():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(30, 12)).round(1)  # rounding makes ties
    member = rng.random((12, 5)) < 0.4
    member[:, 4] = False  # a label in no set
    member[:, 3] = True  # a label in every set
    floor = scores.min(axis=1, keepdims=True) - 1
    best_in = np.where(member[None], scores[:, :, None], floor[:, :, None]).max(axis=1)
    best_out = np.where(~member[None], scores[:, :, None], floor[:, :, None]).max(axis=1)
    np.testing.assert_allclose(_max_marginals(scores, member), best_in - best_out)


def test_score_is_subset_accuracy_not_micro_f1():
    from sklearn.metrics import accuracy_score

    from skmmlc.metrics import micro_f1

    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 4))
    Y = (rng.random((80, 3)) < 0.4).astype(int)
    Y[:, 0] = X[:, 0] > 0
    model = LabelPowersetWeightedSVC().fit(X, Y)
    pred = model.predict(X)
    assert model.score(X, Y) == accuracy_score(Y, pred) == np.mean((pred == Y).all(axis=1))
    assert model.score(X, Y) < micro_f1(Y, pred)  # what the docs say: stricter
