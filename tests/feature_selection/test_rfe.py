import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_multilabel_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmmlc import LabelPowersetWeightedSVC, RFRecursiveSelector
from skmmlc.feature_selection._rfe import stratified_split


@parametrize_with_checks(
    [RFRecursiveSelector(n_estimators=10, step=0.25, random_state=0)],
    expected_failed_checks=lambda est: {},
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


N_INFORMATIVE, N_NOISE = 5, 25


@pytest.fixture(scope="module")
def informative():
    """5 informative columns first, then pure-noise columns."""
    X, Y = make_multilabel_classification(
        n_samples=200, n_features=N_INFORMATIVE, n_classes=3, n_labels=1,
        allow_unlabeled=False, random_state=1,
    )
    noise = np.random.default_rng(0).normal(X.mean(), X.std(), size=(200, N_NOISE))
    return np.hstack([X, noise]), Y


def test_keeps_informative_features(informative):
    X, Y = informative
    selector = RFRecursiveSelector(step=3, patience=2, random_state=0).fit(X, Y)
    kept = np.flatnonzero(selector.support_)
    assert set(range(N_INFORMATIVE)) <= set(kept)
    assert selector.n_features_ < X.shape[1]  # it did drop noise
    # the forest itself ranks the informative columns on top
    assert set(np.argsort(-selector.importances_)[:N_INFORMATIVE]) == set(range(N_INFORMATIVE))


def test_fitted_attributes_are_consistent(informative):
    X, Y = informative
    selector = RFRecursiveSelector(step=0.2, patience=1, random_state=0).fit(X, Y)
    n = X.shape[1]
    assert selector.support_.sum() == selector.n_features_
    assert (selector.ranking_[selector.support_] == 1).all()
    assert sorted(selector.ranking_[~selector.support_]) == list(
        range(2, n - selector.n_features_ + 2)
    )
    sizes = selector.n_features_per_round_
    assert sizes[0] == n
    # 0.2 * 30 = 6 features per round, clamped at min_features_to_select=1
    np.testing.assert_array_equal(sizes, np.maximum(n - 6 * np.arange(len(sizes)), 1))
    assert len(selector.scores_) == len(sizes)
    best = selector.scores_.max()
    assert selector.n_features_ == sizes[selector.scores_ == best].min()
    assert selector.transform(X).shape == (len(X), selector.n_features_)
    assert selector.estimator_.n_features_in_ == selector.n_features_
    np.testing.assert_array_equal(
        selector.predict(X), selector.estimator_.predict(X[:, selector.support_])
    )
    assert selector.decision_function(X).shape == Y.shape
    assert selector.predict_proba(X).shape == Y.shape
    assert 0 <= selector.score(X, Y) <= 1
    np.testing.assert_array_equal(selector.classes_, np.arange(Y.shape[1]))


def test_stops_on_first_decrease_with_patience_zero(informative):
    X, Y = informative
    selector = RFRecursiveSelector(step=1, patience=0, random_state=0).fit(X, Y)
    scores = selector.scores_
    # every round but the last reached the running best; the last fell below it
    running_best = np.maximum.accumulate(scores)
    assert (scores[:-1] == running_best[:-1]).all()
    if selector.n_features_per_round_[-1] > 1:
        assert scores[-1] < running_best[-2]


def test_min_features_to_select(informative):
    X, Y = informative
    selector = RFRecursiveSelector(
        step=10, patience=10, min_features_to_select=12, random_state=0
    ).fit(X, Y)
    assert selector.n_features_per_round_.min() == 12
    assert selector.n_features_ >= 12


def test_cv_and_scoring(informative):
    X, Y = informative
    selector = RFRecursiveSelector(
        step=10, cv=3, scoring="f1_samples", random_state=0
    ).fit(X, Y)
    assert np.isfinite(selector.scores_).all()


def test_stratified_split_keeps_label_distribution():
    rng = np.random.default_rng(0)
    Y = (rng.random((300, 4)) < [0.5, 0.3, 0.1, 0.05]).astype(int)
    train, val = stratified_split(Y, 0.25, random_state=0)
    assert len(val) == 75 and len(np.intersect1d(train, val)) == 0
    np.testing.assert_allclose(Y[val].mean(0), Y[train].mean(0), atol=0.04)


def test_stratified_split_falls_back_when_all_sets_are_rare():
    Y = np.eye(6, dtype=int)  # six singleton label sets
    train, val = stratified_split(Y, 0.5, random_state=0)
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(6))


def test_pipeline_grid_search_over_c_and_step(informative):
    X, Y = informative
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("select", RFRecursiveSelector(LabelPowersetWeightedSVC(), n_estimators=20,
                                           random_state=0)),
        ]
    )
    grid = {"select__estimator__C": [0.1, 1.0], "select__step": [5, 10]}
    search = GridSearchCV(pipe, grid, scoring="f1_micro", cv=2).fit(X, Y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.named_steps["select"].estimator_.C in (0.1, 1.0)
    assert search.predict(X).shape == Y.shape


def test_selector_then_classifier_in_pipeline(informative):
    X, Y = informative
    pipe = Pipeline(
        [("select", RFRecursiveSelector(step=5, n_estimators=20, random_state=0)),
         ("clf", LabelPowersetWeightedSVC())]
    ).fit(X, Y)
    assert pipe.predict(X).shape == Y.shape
    names = pipe[:-1].get_feature_names_out()
    assert len(names) == pipe.named_steps["select"].n_features_


def test_pickle_clone_and_determinism(informative):
    X, Y = informative
    selector = RFRecursiveSelector(step=5, n_estimators=20, random_state=3).fit(X, Y)
    restored = pickle.loads(pickle.dumps(selector))
    np.testing.assert_array_equal(restored.support_, selector.support_)
    np.testing.assert_array_equal(restored.predict(X), selector.predict(X))
    again = clone(selector).fit(X, Y)
    np.testing.assert_array_equal(again.support_, selector.support_)
    np.testing.assert_array_equal(again.scores_, selector.scores_)
    assert not hasattr(clone(selector), "support_")
