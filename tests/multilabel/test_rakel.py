"""RakelO: RAkEL-o as an estimator of its own."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmmlc import LabelPowersetWeightedSVC, RakelO


@pytest.fixture
def data():
    X, Y = make_multilabel_classification(
        n_samples=120, n_features=8, n_classes=5, n_labels=2, random_state=0
    )
    return X, Y


def _outputs(model, X):
    return [model.predict(X), model.decision_function(X), model.predict_proba(X)]


# softmax members on this small, nearly separable data may use all 1,000
# L-BFGS iterations at tol=1e-3 (the intercepts' optimum lies far out); the
# tests compare fits, not convergence
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "params, rakel_params, with_weights",
    [
        ({}, {"labelset_size": 2}, False),
        ({"C": 2.0, "solver": "softmax"}, {"labelset_size": 3, "n_labelsets": 4}, True),
        ({"solver": "softmax", "tol": 1e-6}, {"labelset_size": 3}, True),  # one solve
        ({"weighting": "balanced", "kernel": "rbf"}, {"labelset_size": 1}, False),
    ],
)
def test_deprecated_labelset_size_warns_and_is_rakelo(data, params, rakel_params, with_weights):
    # the one test of the deprecated LabelPowersetWeightedSVC(labelset_size=k)
    X, Y = data
    sw = np.random.default_rng(0).uniform(0.5, 2, len(X)) if with_weights else None
    old = LabelPowersetWeightedSVC(
        **params,
        labelset_size=rakel_params["labelset_size"],
        n_labelsets=rakel_params.get("n_labelsets"),
        random_state=0,
    )
    k = rakel_params["labelset_size"]
    with pytest.warns(FutureWarning, match=rf"labelset_size={k}\) is deprecated and will be "
                                           rf"removed in 0\.3.*RakelO\(LabelPowersetWeightedSVC"
                                           rf"\(\.\.\.\), labelset_size={k}\)"):
        old.fit(X, Y, sample_weight=sw)
    new = RakelO(LabelPowersetWeightedSVC(**params), **rakel_params, random_state=0)
    new.fit(X, Y, sample_weight=sw)
    np.testing.assert_array_equal(new.labelsets_, old.labelsets_)
    for got, expected in zip(_outputs(new, X), _outputs(old, X)):
        np.testing.assert_array_equal(got, expected)
    assert isinstance(old.ensemble_, RakelO)
    np.testing.assert_array_equal(new.classes_, np.arange(Y.shape[1]))


def test_default_member_and_full_powerset_has_no_ensemble(data):
    X, Y = data
    model = RakelO(random_state=0).fit(X, Y)
    assert model.base_estimator is None
    assert all(type(m) is LabelPowersetWeightedSVC for m in model.estimators_)
    assert model.labelsets_.shape == (10, 3)  # 2 * n_labels members of 3 labels
    assert LabelPowersetWeightedSVC().fit(X, Y).ensemble_ is None


def test_members_are_fitted_clones(data):
    X, Y = data
    base = LabelPowersetWeightedSVC(C=3.0)
    model = RakelO(base, labelset_size=2, random_state=0).fit(X, Y)
    assert not hasattr(base, "classes_")  # the given estimator stays unfitted
    seeds = {m.random_state for m in model.estimators_}
    assert len(seeds) == len(model.estimators_)  # one seed each
    for labels, member in zip(model.labelsets_, model.estimators_):
        assert member is not base and member.C == 3.0
        assert member.n_features_in_ == X.shape[1]
        assert member.predict(X).shape == (len(X), len(labels))


def test_any_multilabel_base_estimator(data):
    X, Y = data
    base = OneVsRestClassifier(LogisticRegression())
    model = RakelO(base, labelset_size=2, random_state=0).fit(X, Y)
    scores = model.decision_function(X)
    assert scores.shape == Y.shape
    np.testing.assert_array_equal(model.predict(X), (scores > 0).astype(int))
    assert (model.predict(X) == Y).mean() > 0.7


def test_one_solve_equals_members_one_by_one(data):
    X, Y = data
    sw = np.random.default_rng(1).uniform(0.5, 2, len(X))
    # two fits of one strongly convex objective, each ending at a gradient of
    # at most tol * sum(costs) or when f stops decreasing at double precision
    # (~1e-9 of it here): each weight within ~1e-4 of the optimum
    base = LabelPowersetWeightedSVC(solver="softmax", tol=1e-12, max_iter=5000)
    model = RakelO(base, labelset_size=3, random_state=0).fit(X, Y, sample_weight=sw)
    for labels, member in zip(model.labelsets_, model.estimators_):
        alone = clone(member).fit(X, Y[:, labels], sample_weight=sw)
        np.testing.assert_allclose(member.svc_.coef_, alone.svc_.coef_, atol=1e-3)
        np.testing.assert_array_equal(member.powersets_, alone.powersets_)
        np.testing.assert_array_equal(member.predict(X), alone.predict(X))


class _Member(LabelPowersetWeightedSVC):
    """A subclass: found by its hooks, not by its class."""


class _Alone(LabelPowersetWeightedSVC):
    def _joint_problem(self, X, Y, sample_weight=None):
        return None


# softmax members on this small, nearly separable data may use all 1,000
# L-BFGS iterations at tol=1e-3 (the intercepts' optimum lies far out); the
# tests compare fits, not convergence
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_subclass_member_is_solved_together(data, monkeypatch):
    from skmmlc.multilabel import _rakel

    X, Y = data
    calls = []
    solve = _rakel._JOINT_SOLVERS["softmax"]
    monkeypatch.setitem(_rakel._JOINT_SOLVERS, "softmax",
                        lambda *a, **k: calls.append(a[3]) or solve(*a, **k))
    base = LabelPowersetWeightedSVC(solver="softmax")
    sub = RakelO(_Member(solver="softmax"), labelset_size=3, random_state=0).fit(X, Y)
    assert len(calls) == 1 and len(calls[0]) == len(sub.estimators_)  # one solve
    assert all(type(m) is _Member and m.solver_ == "softmax" for m in sub.estimators_)
    same = RakelO(base, labelset_size=3, random_state=0).fit(X, Y)
    for got, expected in zip(_outputs(sub, X), _outputs(same, X)):
        np.testing.assert_array_equal(got, expected)
    # a member that offers no joint problem is fitted on its own, through its fit
    calls.clear()
    alone = RakelO(_Alone(solver="softmax"), labelset_size=3, random_state=0).fit(X, Y)
    assert calls == [] and all(m.svc_.n_features_in_ == X.shape[1] for m in alone.estimators_)


def test_one_d_y_delegates_to_one_clone(data):
    X, Y = data
    y = Y[:, 0] + 2 * Y[:, 1]  # 4 classes
    plain = LabelPowersetWeightedSVC(C=10).fit(X, y)
    model = RakelO(LabelPowersetWeightedSVC(C=10), labelset_size=2).fit(X, y)
    assert model.labelsets_ is None and len(model.estimators_) == 1
    np.testing.assert_array_equal(model.classes_, plain.classes_)
    for got, expected in zip(_outputs(model, X), _outputs(plain, X)):
        np.testing.assert_array_equal(got, expected)
    # a column of class labels keeps its shape, as the member does
    column = RakelO(labelset_size=2).fit(X, y[:, None])
    assert column.labelsets_ is None
    assert column.predict(X).shape == (len(X), 1)


def test_one_label_column_is_an_ensemble(data):
    X, Y = data
    model = RakelO(labelset_size=2, random_state=0).fit(X, Y[:, :1])
    assert model.labelsets_.tolist() == [[0]]
    assert model.predict(X).shape == model.decision_function(X).shape == (len(X), 1)


def test_clone_and_pickle(data):
    X, Y = data
    model = RakelO(LabelPowersetWeightedSVC(C=2.0), labelset_size=2, random_state=0).fit(X, Y)
    restored = pickle.loads(pickle.dumps(model))
    for got, expected in zip(_outputs(restored, X), _outputs(model, X)):
        np.testing.assert_array_equal(got, expected)
    fresh = clone(model)
    assert fresh.get_params()["base_estimator__C"] == 2.0
    assert fresh.base_estimator is not model.base_estimator
    with pytest.raises(NotFittedError):
        fresh.predict(X)
    refit = fresh.fit(X, Y)
    np.testing.assert_array_equal(refit.decision_function(X), model.decision_function(X))


def test_grid_search_over_base_estimator_C(data):
    X, Y = data
    search = GridSearchCV(
        RakelO(LabelPowersetWeightedSVC(), labelset_size=2, random_state=0),
        {"base_estimator__C": [0.1, 10.0], "labelset_size": [2, 3]},
        scoring="f1_micro",
        cv=KFold(3),
    ).fit(X, Y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.estimators_[0].C == search.best_params_["base_estimator__C"]
    assert search.predict(X).shape == Y.shape


def test_parallel_fit_leaves_warning_filters_alone(data):
    X, Y = data
    before = list(warnings.filters)
    serial = RakelO(labelset_size=2, random_state=0).fit(X, Y)
    parallel = RakelO(labelset_size=2, random_state=0, n_jobs=2).fit(X, Y)
    assert list(warnings.filters) == before
    np.testing.assert_array_equal(serial.decision_function(X), parallel.decision_function(X))


def test_too_few_labelsets_to_cover(data):
    X, Y = data
    with pytest.raises(ValueError, match="cannot cover"):
        RakelO(labelset_size=2, n_labelsets=2).fit(X, Y)


@parametrize_with_checks(
    [
        RakelO(
            LabelPowersetWeightedSVC(solver="softmax", tol=1e-12, max_iter=5000),
            labelset_size=2,
            random_state=0,
        )
    ]
)
def test_sklearn_compatible_with_one_solve(estimator, check):
    # the softmax's sample_weight is exactly a repeated row's, unlike
    # libsvm's (see test_label_powerset.py for RakelO's default member)
    check(estimator)


class _FitStarted(Exception):
    pass


class _NeverFits(ClassifierMixin, BaseEstimator):
    """A member whose fit tells that fitting started."""

    def fit(self, X, y, sample_weight=None):
        raise _FitStarted

    def decision_function(self, X):  # pragma: no cover - never fitted
        return np.zeros((len(X), 1))


def test_many_members_are_announced_before_fitting_starts():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(4, 2)), (rng.random((4, 600)) < 0.5).astype(int)
    model = RakelO(_NeverFits(), labelset_size=3, random_state=0)
    with pytest.warns(UserWarning, match=r"RakelO will fit 1200 members \(n_labelsets=None: "
                                         r"2 \* n_labels, for 600 labels\).*Lower n_labelsets "
                                         r"\(at least 200"), pytest.raises(_FitStarted):
        model.fit(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 200 members: no warning
        with pytest.raises(_FitStarted):
            model.set_params(n_labelsets=200).fit(X, Y)


def test_libsvm_gets_a_finite_iteration_bound(monkeypatch):
    from sklearn.exceptions import ConvergenceWarning

    from skmmlc.multilabel import _limits

    assert _limits.libsvm_max_iter(-1, 40) == 10_000_000
    assert _limits.libsvm_max_iter(-1, 391) == 39_100_000
    assert _limits.libsvm_max_iter(500, 391) == 500  # a limit given is kept
    # libsvm counts in a C int: above 21,474 rows the per-row bound would
    # overflow it (a 26,000-row fit raised OverflowError inside libsvm)
    assert _limits.libsvm_max_iter(-1, 26_000) == 2**31 - 1
    assert _limits.libsvm_max_iter(2**40, 10) == 2**31 - 1
    from sklearn.svm import SVC

    SVC(max_iter=_limits.libsvm_max_iter(-1, 26_000)).fit([[0.0], [1.0]], [0, 1])
    # C=1e12 on rows that no hyperplane separates: libsvm ran for minutes; with
    # the bound it stops and says so (bound lowered here to keep the test fast)
    monkeypatch.setattr(_limits, "LIBSVM_MIN_ITER", 20_000)
    monkeypatch.setattr(_limits, "LIBSVM_ITER_PER_ROW", 100)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(40, 5)), np.c_[rng.integers(0, 2, 40), np.zeros(40, int)]
    model = LabelPowersetWeightedSVC(C=1e12, solver="libsvm")
    with pytest.warns(ConvergenceWarning, match="max_iter=20000"):
        model.fit(X, Y)
    assert model.svc_.max_iter == 20_000 and model.n_iter_.max() == 20_000


def test_pipeline_builds_rakelo_for_labelset_size():
    from skmmlc.pipeline import make_disaster_pipeline

    pipe = make_disaster_pipeline(
        classify={"labelset_size": 3, "n_labelsets": 4, "C": 2.0, "random_state": 1}
    )
    for step in (pipe.named_steps["classify"], pipe.named_steps["select"].estimator):
        assert isinstance(step, RakelO)
        assert (step.labelset_size, step.n_labelsets, step.random_state) == (3, 4, 1)
        assert step.base_estimator.C == 2.0 and step.base_estimator.labelset_size is None
