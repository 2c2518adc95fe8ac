"""The softmax over label sets (``solver="softmax"``) and pruned sets."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmmlc import LabelPowersetWeightedSVC, RakelO
from skmmlc.multilabel import _softmax, label_weights, powerset_encode, prune_labelsets
from skmmlc.multilabel._softmax import BatchSoftmaxRegression, fit_grouped_softmax

# L-BFGS stops when the largest gradient entry is at most tol * sum(costs);
# the objective is 1-strongly convex in the weights, so the weights are then
# within that gradient of the optimum: tol=1e-12 puts them within ~1e-9 of
# it, far inside the tolerances below.
TIGHT = dict(tol=1e-12, max_iter=5000)


@parametrize_with_checks(
    [
        BatchSoftmaxRegression(**TIGHT),
        LabelPowersetWeightedSVC(solver="softmax", **TIGHT),
        RakelO(LabelPowersetWeightedSVC(solver="softmax", **TIGHT), random_state=0),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture
def data():
    X, Y = make_multilabel_classification(
        n_samples=150, n_features=8, n_classes=4, n_labels=2, random_state=0
    )
    return X, Y


def _classes(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    X = rng.normal(size=(n, 5)) + 0.8 * np.eye(4, 5)[y]
    return X, y, rng.uniform(0.2, 2.0, n)


def test_equals_scikit_learn_multinomial_logistic_regression():
    X, y, w = _classes()
    coef, intercept, _, objective = fit_grouped_softmax(X, y, 0.9 * w, **TIGHT)
    ref = LogisticRegression(C=0.9, tol=1e-12, max_iter=10_000).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(coef, ref.coef_, atol=1e-6)
    # the intercepts are defined up to a common shift (none is penalised)
    np.testing.assert_allclose(
        intercept - intercept.mean(), ref.intercept_ - ref.intercept_.mean(), atol=1e-6
    )
    # and the objective is scikit-learn's: 1/2 ||W||^2 + C sum_i w_i CE_i
    proba = ref.predict_proba(X)
    ref_objective = 0.5 * (ref.coef_**2).sum() - 0.9 * w @ np.log(proba[np.arange(len(y)), y])
    np.testing.assert_allclose(objective, ref_objective, rtol=1e-8)


def test_groups_are_independent_problems():
    X, y, w = _classes()
    rng = np.random.default_rng(1)
    y2, w2 = rng.integers(0, 3, len(y)), rng.uniform(0.5, 1.5, len(y))
    joint, b_joint, _, _ = fit_grouped_softmax(
        X, np.column_stack([y, y2 + 4]), np.column_stack([w, w2]), [4, 3], **TIGHT
    )
    one, b_one, _, _ = fit_grouped_softmax(X, y, w, **TIGHT)
    two, b_two, _, _ = fit_grouped_softmax(X, y2, w2, **TIGHT)
    np.testing.assert_allclose(joint, np.vstack([one, two]), atol=1e-6)
    np.testing.assert_allclose(
        b_joint[4:] - b_joint[4:].mean(), b_two - b_two.mean(), atol=1e-6
    )


def test_products_in_float32_unless_tol_is_below_1e_4(monkeypatch):
    X, y, w = _classes()
    seen = []
    original = _softmax._Softmax.__init__

    def spy(self, X, *args):
        seen.append(X.dtype)
        original(self, X, *args)

    monkeypatch.setattr(_softmax._Softmax, "__init__", spy)
    coef, _, _, _ = fit_grouped_softmax(X, y, w, tol=1e-4)
    fit_grouped_softmax(X, y, w, tol=1e-5)
    fit_grouped_softmax(X.astype(np.float32), y, w, tol=1e-5)
    assert seen == [np.float32, np.float64, np.float32]
    exact, _, _, _ = fit_grouped_softmax(X, y, w, **TIGHT)
    # strongly convex (modulus 1): ||W - W*|| <= ||grad|| <= sqrt(24 entries)
    # x tol x sum(w) (~0.02 each) + float32 rounding (~1e-5): about 0.1
    np.testing.assert_allclose(coef, exact, atol=0.15)
    clf = LabelPowersetWeightedSVC(solver="softmax").fit(X.astype(np.float32), np.eye(4)[y])
    assert clf.predict(X[:5].astype(np.float32)).shape == (5, 4)


def test_each_group_is_solved_as_exactly_as_alone():
    # 12 copies of one problem as 12 groups: the stop must come when the
    # largest gradient entry is at most tol times ONE group's summed costs,
    # as for the problem alone, not 12 times that (the sum over all groups)
    X, y, w = _classes()
    copies, tol = 12, 1e-3
    targets = y[:, None] + 4 * np.arange(copies)
    costs = np.tile(w[:, None], copies)
    coef, intercept, _, _ = fit_grouped_softmax(X, targets, costs, [4] * copies, tol=tol)
    problem = _softmax._Softmax(X, targets, costs, [4] * copies, 2**22)
    _, grad = problem.fun_grad(np.vstack([coef.T, intercept]).ravel())
    # float32 products: the gradient is known to ~1e-6 of the summed costs
    assert np.abs(grad).max() <= (tol + 1e-5) * w.sum()


def test_a_converged_group_leaves_the_products():
    # an easy group (strongly regularised: small costs) and a hard one
    # (large costs): once the easy one stops, the passes over the rows
    # multiply only the hard one's columns, and each group takes the
    # iterations it takes alone
    X, y, w = _classes()
    easy, hard = (X[:, 0] > 0).astype(int), y
    widths = []
    original = _softmax._Softmax.evaluate

    def spy(self, W, groups):
        widths.append(W.shape[1])
        return original(self, W, groups)

    _softmax._Softmax.evaluate = spy
    try:
        _, _, n_iter, _ = fit_grouped_softmax(
            X, np.column_stack([easy, hard + 2]), np.column_stack([0.01 * w, 10 * w]), [2, 4],
            tol=1e-6,
        )
    finally:
        _softmax._Softmax.evaluate = original
    alone = [
        fit_grouped_softmax(X, t, c, tol=1e-6)[2][0]
        for t, c in ((easy, 0.01 * w), (hard, 10 * w))
    ]
    assert n_iter[0] < n_iter[1]
    np.testing.assert_array_equal(n_iter, alone)
    assert widths[0] == 6 and widths[-1] == 4
    assert sum(width == 4 for width in widths) >= n_iter[1] - n_iter[0]


def test_does_not_stop_while_the_objective_still_falls():
    # many rare classes, more features than rows, weights of the paper: the
    # largest gradient entry falls below tol x the summed costs while the
    # objective is still 4x its optimum; a step that still lowers it by
    # more than 5% goes on
    rng = np.random.default_rng(0)
    n_classes, n = 200, 400
    y = np.concatenate([np.arange(n_classes), rng.integers(0, n_classes, n - n_classes)])
    X = rng.normal(size=(n, 400))
    costs = 0.9 * label_weights_of(y)
    _, _, _, optimum = fit_grouped_softmax(X, y, costs, tol=1e-8, max_iter=5000)
    _, _, _, default = fit_grouped_softmax(X, y, costs, tol=1e-3)
    assert default[0] <= 1.15 * optimum[0]
    # the fixture shows the case: by its gradient alone the solver stops early
    _softmax._PROGRESS, progress = np.inf, _softmax._PROGRESS
    try:
        _, _, _, gradient_only = fit_grouped_softmax(X, y, costs, tol=1e-3)
    finally:
        _softmax._PROGRESS = progress
    assert gradient_only[0] > 2 * optimum[0]


def label_weights_of(y):
    """Inverse class frequency: every class's rows weigh ``n / n_classes`` together."""
    counts = np.bincount(y)
    return (len(y) / (counts.size * counts))[y]


def test_max_iter_warns():
    X, y, w = _classes()
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        fit_grouped_softmax(X, y, w, tol=1e-12, max_iter=2)


def test_label_powerset_softmax_uses_paper_weights(data):
    X, Y = data
    clf = LabelPowersetWeightedSVC(solver="softmax", C=2.0, **TIGHT).fit(X, Y)
    assert clf.solver_ == "softmax"
    assert isinstance(clf.svc_, BatchSoftmaxRegression)
    sets, codes = powerset_encode(Y)
    coef, _, _, _ = fit_grouped_softmax(X, codes, 2.0 * label_weights(Y), **TIGHT)
    np.testing.assert_allclose(clf.svc_.coef_, coef, atol=1e-6)
    np.testing.assert_array_equal(clf.powersets_, sets)
    # predictions are the most probable label set
    np.testing.assert_array_equal(clf.predict(X), sets[clf.svc_.predict_proba(X).argmax(1)])


def test_label_powerset_softmax_sample_weight_is_repeated_rows(data):
    X, Y = data
    weight = np.ones(len(X))
    weight[:20] = 2
    repeated = np.r_[np.arange(len(X)), np.arange(20)]
    a = LabelPowersetWeightedSVC(solver="softmax", **TIGHT).fit(X, Y, sample_weight=weight)
    b = LabelPowersetWeightedSVC(solver="softmax", **TIGHT).fit(X[repeated], Y[repeated])
    # the same objective (to double precision): here some rare label sets are
    # nearly separable and L-BFGS ends when f stops decreasing (~1e-9 of
    # 134), which bounds each weight by sqrt(2 df) ~ 5e-5 of the optimum
    np.testing.assert_allclose(a.svc_.objective_, b.svc_.objective_, rtol=1e-9)
    np.testing.assert_allclose(a.decision_function(X), b.decision_function(X), atol=1e-3)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_rakel_one_solve_equals_members_one_by_one(data):
    X, Y = data
    member = LabelPowersetWeightedSVC(solver="softmax", **TIGHT)
    together = RakelO(member, labelset_size=2, random_state=0).fit(X, Y)
    one_by_one = RakelO(
        member.set_params(prune_threshold=0), labelset_size=2, random_state=0
    ).fit(X, Y)  # pruning (even of nothing) fits the members one by one
    # same optimum; each solve ends when f stops decreasing at double
    # precision, a bound of ~5e-5 per weight here (see the test above)
    np.testing.assert_allclose(
        together.decision_function(X), one_by_one.decision_function(X), atol=1e-3
    )
    np.testing.assert_array_equal(together.predict(X), one_by_one.predict(X))


@pytest.mark.parametrize("params", [{}, {"labelset_size": 2}, {"prune_threshold": 2}])
def test_predict_decision_proba_agree(data, params):
    X, Y = data
    params = dict(params)
    k = params.pop("labelset_size", None)
    clf = LabelPowersetWeightedSVC(solver="softmax", random_state=0, **params)
    if k is not None:  # RAkEL-o: the members solved together
        clf = RakelO(clf, labelset_size=k, random_state=0)
    clf.fit(X, Y)
    pred = clf.predict(X)
    np.testing.assert_array_equal(clf.decision_function(X) > 0, pred.astype(bool))
    np.testing.assert_array_equal(clf.predict_proba(X) > 0.5, pred.astype(bool))


def test_clone_pickle_grid_search(data):
    X, Y = data
    clf = LabelPowersetWeightedSVC(solver="softmax", prune_threshold=1).fit(X, Y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))
    assert clone(clf).get_params()["prune_threshold"] == 1
    search = GridSearchCV(
        LabelPowersetWeightedSVC(solver="softmax"),
        {"C": [0.1, 1.0], "prune_threshold": [None, 2]},
        scoring="f1_micro",
        cv=2,
    ).fit(X, Y)
    assert set(search.best_params_) == {"C", "prune_threshold"}


# --- pruned sets ----------------------------------------------------------


def test_prune_labelsets_hand_computed():
    # sets: A={0} x3, B={1} x2, AB={0,1} x2, C={2} x1, ABC={0,1,2} x1, none x2
    Y = np.array(
        [[1, 0, 0], [0, 1, 0], [1, 0, 0], [1, 1, 0], [0, 0, 1], [1, 1, 1],
         [0, 1, 0], [1, 0, 0], [1, 1, 0], [0, 0, 0], [0, 0, 0]]
    )
    # p=1: C (row 4) and ABC (row 5) are pruned. Frequent non-empty sets: A (3
    # rows), B (2), AB (2). C has no frequent subset: row 4 is dropped. ABC's
    # frequent subsets ranked larger first, then more frequent: AB, A, B; with
    # b=2 row 5 comes back as AB and A.
    rows, Y_pruned = prune_labelsets(Y, threshold=1, n_subsets=2)
    assert rows.tolist() == [0, 1, 2, 3, 5, 5, 6, 7, 8, 9, 10]
    assert Y_pruned[4].tolist() == [1, 1, 0] and Y_pruned[5].tolist() == [1, 0, 0]
    keep = [0, 1, 2, 3, 6, 7, 8, 9, 10]
    np.testing.assert_array_equal(Y_pruned[[0, 1, 2, 3, 6, 7, 8, 9, 10]], Y[keep])
    # b=1: only the best subset; b=5: all three
    rows, Y_pruned = prune_labelsets(Y, threshold=1, n_subsets=1)
    assert rows.tolist().count(5) == 1 and Y_pruned[4].tolist() == [1, 1, 0]
    rows, Y_pruned = prune_labelsets(Y, threshold=1, n_subsets=5)
    assert [y.tolist() for y in Y_pruned[rows == 5]] == [[1, 1, 0], [1, 0, 0], [0, 1, 0]]
    # p=2: B and AB pruned too; AB's and ABC's only frequent subset is A
    rows, Y_pruned = prune_labelsets(Y, threshold=2)
    assert rows.tolist() == [0, 2, 3, 5, 7, 8]
    assert (Y_pruned == [1, 0, 0]).all()


def test_prune_labelsets_nothing_to_prune_or_nothing_frequent():
    Y = np.array([[1, 0], [0, 1], [1, 1], [1, 0]])
    rows, Y_pruned = prune_labelsets(Y, threshold=0)
    assert rows.tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(Y_pruned, Y)
    rows, Y_pruned = prune_labelsets(Y, threshold=5)  # no set is frequent: unchanged
    np.testing.assert_array_equal(Y_pruned, Y)


def test_label_powerset_with_pruned_sets(data):
    X, Y = data
    sets, codes = powerset_encode(Y)
    counts = np.bincount(codes)
    clf = LabelPowersetWeightedSVC(solver="softmax", prune_threshold=2).fit(X, Y)
    # the empty set is a class when frequent, never a subset rows come back under
    frequent = {tuple(s) for s, n in zip(sets, counts) if n > 2}
    assert {tuple(s) for s in clf.powersets_} == frequent
    assert {tuple(p) for p in clf.predict(X)} <= frequent
    # sample_weight follows the reintroduced rows, for any solver
    weight = np.linspace(0.5, 2.0, len(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for solver in ("libsvm", "softmax"):
            model = LabelPowersetWeightedSVC(solver=solver, prune_threshold=2)
            assert model.fit(X, Y, sample_weight=weight).predict(X).shape == Y.shape
