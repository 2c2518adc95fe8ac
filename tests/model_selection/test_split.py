"""MultilabelStratifiedKFold and multilabel_train_test_split."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, check_cv, cross_val_score
from sklearn.multiclass import OneVsRestClassifier

import skmmlc
from skmmlc.model_selection import MultilabelStratifiedKFold, multilabel_train_test_split


def imbalanced(n=300, seed=0):
    """Seven labels from common (40%) to rare (3%), and features that tell them apart."""
    rng = np.random.default_rng(seed)
    Y = (rng.random((n, 7)) < [0.4, 0.25, 0.15, 0.1, 0.06, 0.04, 0.03]).astype(int)
    X = Y @ rng.normal(size=(7, 5)) + rng.normal(scale=0.5, size=(n, 5))
    return X, Y


def fold_shares(cv, X, Y):
    """Per fold and label: the label's share in the test fold minus its share overall."""
    return np.array([Y[test].mean(axis=0) - Y.mean(axis=0) for _, test in cv.split(X, Y)])


def test_folds_partition_the_rows():
    X, Y = imbalanced()
    cv = MultilabelStratifiedKFold(n_splits=5)
    assert cv.get_n_splits() == 5 and cv.get_n_splits(X, Y) == 5
    folds = list(cv.split(X, Y))
    assert len(folds) == 5
    tests = np.concatenate([test for _, test in folds])
    np.testing.assert_array_equal(np.sort(tests), np.arange(len(X)))  # each row tested once
    for train, test in folds:
        assert len(np.intersect1d(train, test)) == 0
        assert len(train) + len(test) == len(X)
        assert abs(len(test) - len(X) / 5) <= 3  # folds of nearly equal size


def test_label_shares_closer_than_kfold():
    X, Y = imbalanced()
    stratified = np.abs(fold_shares(MultilabelStratifiedKFold(5), X, Y))
    plain = np.abs(fold_shares(KFold(5, shuffle=True, random_state=0), X, Y))
    # every label, in every test fold, within about one row of its overall share
    assert stratified.max() <= 1.5 / 60
    assert stratified.max() < plain.max()
    assert stratified.mean() < plain.mean() / 2
    # the rarest label (9 positives): in no fold does it vanish or cluster
    counts = [Y[test, 6].sum() for _, test in MultilabelStratifiedKFold(5).split(X, Y)]
    assert min(counts) >= 1 and max(counts) - min(counts) <= 1


def test_works_in_cross_val_score_and_grid_search():
    X, Y = imbalanced(200)
    model = OneVsRestClassifier(LogisticRegression(max_iter=500))
    cv = MultilabelStratifiedKFold(n_splits=4, shuffle=True, random_state=0)
    assert check_cv(cv, Y, classifier=True) is cv
    scores = cross_val_score(model, X, Y, cv=cv, scoring="f1_micro")
    assert scores.shape == (4,) and (scores > 0.5).all()
    search = GridSearchCV(model, {"estimator__C": [0.1, 1.0]}, cv=cv, scoring="f1_micro")
    search.fit(X, Y)
    assert search.n_splits_ == 4
    assert set(search.best_params_) == {"estimator__C"}


@pytest.mark.filterwarnings("ignore:The least populated label")
def test_inside_the_pipeline_cv_of_the_selector():
    from skmmlc import RFRecursiveSelector

    X, Y = imbalanced(120)
    selector = RFRecursiveSelector(
        estimator=OneVsRestClassifier(LogisticRegression(max_iter=300)),
        cv=MultilabelStratifiedKFold(3), n_estimators=10, random_state=0,
    ).fit(X, Y)
    assert 1 <= selector.get_support().sum() <= X.shape[1]


def test_shuffle_and_random_state():
    X, Y = imbalanced()

    def tests(cv):
        return [test.tolist() for _, test in cv.split(X, Y)]

    # no shuffling: the folds depend on Y alone
    assert tests(MultilabelStratifiedKFold(5)) == tests(MultilabelStratifiedKFold(5))
    a = MultilabelStratifiedKFold(5, shuffle=True, random_state=1)
    assert tests(a) == tests(a) == tests(MultilabelStratifiedKFold(5, shuffle=True,
                                                                   random_state=1))
    assert tests(a) != tests(MultilabelStratifiedKFold(5, shuffle=True, random_state=2))
    assert tests(a) != tests(MultilabelStratifiedKFold(5))
    # a RandomState instance advances: another split on every call, as in scikit-learn
    rng = MultilabelStratifiedKFold(5, shuffle=True, random_state=np.random.RandomState(0))
    assert tests(rng) != tests(rng)
    # shuffled folds are stratified too
    assert np.abs(fold_shares(a, X, Y)).max() <= 1.5 / 60


@pytest.mark.filterwarnings("ignore:The least populated label")
def test_input_types():
    X, Y = imbalanced(60)
    expected = [t.tolist() for _, t in MultilabelStratifiedKFold(3).split(X, Y)]
    frame = pd.DataFrame(Y, columns=list("abcdefg"))
    for y in (frame, sp.csr_matrix(Y), Y.astype(bool)):
        got = [t.tolist() for _, t in MultilabelStratifiedKFold(3).split(pd.DataFrame(X), y)]
        assert got == expected
    # one column of class labels: stratified by class
    classes = np.repeat(["a", "b", "c"], [30, 20, 10])
    for _, test in MultilabelStratifiedKFold(5).split(np.zeros(60), classes):
        assert pd.Series(classes[test]).value_counts().to_dict() == {"a": 6, "b": 4, "c": 2}


def test_errors():
    X, Y = imbalanced(10)
    with pytest.raises(ValueError, match="n_splits=11 greater than the number of samples"):
        next(MultilabelStratifiedKFold(11).split(X, Y))
    with pytest.raises(ValueError, match="n_splits=2 or more"):
        MultilabelStratifiedKFold(1)
    with pytest.raises(ValueError, match="integer"):
        MultilabelStratifiedKFold(2.5)
    with pytest.raises(ValueError, match="no effect since shuffle is False"):
        MultilabelStratifiedKFold(3, random_state=0)
    with pytest.raises(TypeError, match="shuffle"):
        MultilabelStratifiedKFold(3, shuffle=1)
    with pytest.raises(ValueError, match="needs the label matrix"):
        next(MultilabelStratifiedKFold(3).split(X, None))
    with pytest.raises(ValueError, match="0/1 label indicator"):
        next(MultilabelStratifiedKFold(3).split(X, Y * 2))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        next(MultilabelStratifiedKFold(3).split(X, Y[:5]))


def test_warns_when_a_label_is_rarer_than_n_splits():
    Y = np.zeros((20, 2), dtype=int)
    Y[:3, 0] = 1
    Y[:, 1] = np.arange(20) % 2
    with pytest.warns(UserWarning, match="only 3 positive.*less than n_splits=4"):
        folds = list(MultilabelStratifiedKFold(4).split(np.zeros(20), Y))
    assert sorted(Y[test, 0].sum() for _, test in folds) == [0, 1, 1, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(MultilabelStratifiedKFold(3).split(np.zeros(20), Y))


def test_train_test_split():
    X, Y = imbalanced()
    frame = pd.DataFrame(X)
    X_train, X_test, Y_train, Y_test = multilabel_train_test_split(
        frame, Y, test_size=0.2, random_state=0)
    assert isinstance(X_train, pd.DataFrame) and len(X_train) == len(Y_train)
    assert abs(len(X_test) - 60) <= 3
    assert sorted(X_train.index.tolist() + X_test.index.tolist()) == list(range(300))
    np.testing.assert_array_equal(Y_test, Y[X_test.index])
    # each label split 80/20 to within a row
    assert np.all(np.abs(Y_test.sum(axis=0) - 0.2 * Y.sum(axis=0)) <= 1)
    again = multilabel_train_test_split(frame, Y, test_size=0.2, random_state=0)
    assert again[1].index.tolist() == X_test.index.tolist()
    # an int test_size, and stratify= given explicitly
    names = np.arange(300)
    train, test = multilabel_train_test_split(names, test_size=30, stratify=Y,
                                              random_state=0)
    assert abs(len(test) - 30) <= 3 and len(train) + len(test) == 300
    for bad in (0, 300, 1.0, -0.1, "0.2"):
        with pytest.raises(ValueError, match="test_size"):
            multilabel_train_test_split(X, Y, test_size=bad)


def test_public_names():
    assert skmmlc.MultilabelStratifiedKFold is MultilabelStratifiedKFold
    assert skmmlc.model_selection.multilabel_train_test_split is multilabel_train_test_split
    assert "MultilabelStratifiedKFold" in skmmlc.__all__
    assert "model_selection" in skmmlc.__all__


class _Recorder(BaseEstimator):
    """Remembers the label counts of its training rows."""

    def fit(self, X, Y):
        self.counts_ = np.asarray(Y).sum(axis=0)
        return self

    def predict(self, X):
        return np.zeros((len(X), len(self.counts_)), dtype=int)


def test_every_training_set_sees_every_label():
    X, Y = imbalanced(100, seed=3)
    rare = Y.sum(axis=0).min()
    assert rare >= 3
    from sklearn.model_selection import cross_validate

    out = cross_validate(_Recorder(), X, Y, cv=MultilabelStratifiedKFold(3),
                         return_estimator=True, scoring=lambda est, X, Y: 0.0)
    assert all((est.counts_ > 0).all() for est in out["estimator"])
