"""Multi-label samplers (issue 18); the imbalance measures: tests/metrics/test_imbalance.py."""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmmlc import LabelPowersetWeightedSVC
from skmmlc.metrics import (
    label_imbalance_ratio,
    mean_imbalance_ratio,
    minority_labels,
    scumble,
)
from skmmlc.resampling import MLROS, MLRUS, MLSMOTE, REMEDIAL, ResampledClassifier

SAMPLERS = [MLROS(random_state=0), MLRUS(random_state=0), MLSMOTE(random_state=0),
            REMEDIAL()]
IDS = ["MLROS", "MLRUS", "MLSMOTE", "REMEDIAL"]

# the toy oracle: label columns A, B, C
TOY = np.array([[1, 1, 1, 1, 1, 1, 0, 1], [1, 1, 0, 0, 0, 0, 0, 0],
                [0, 0, 0, 0, 1, 0, 1, 0]]).T


def small(n=80, seed=0):
    """Features with some signal and 4 imbalanced labels (two rare)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    Y = np.c_[X[:, 0] > -0.5, X[:, 1] > 0, X[:, 2] > 1.0, X[:, 3] > 1.1].astype(int)
    return X, Y


# ------------------------------------------------------------------ MLROS / MLRUS


def test_mlros_adds_exactly_its_budget_of_copies(emotions):
    X, Y = emotions
    sampler = MLROS(percentage=10, random_state=0)
    X_res, Y_res = sampler.fit_resample(X, Y)
    assert X_res.shape == (593 + 59, X.shape[1])  # floor(593 * 10%)
    np.testing.assert_array_equal(X_res[:593], X)
    idx = sampler.sample_indices_
    np.testing.assert_array_equal(idx[:593], np.arange(593))
    np.testing.assert_array_equal(X_res, X[idx])
    np.testing.assert_array_equal(Y_res, Y[idx])
    # every new row is a copy of an original row that carries a minority label
    originals = {row.tobytes() for row in X}
    assert all(row.tobytes() in originals for row in X_res[593:])
    assert Y[idx[593:]][:, sampler.minority_labels_].any(axis=1).all()
    assert mean_imbalance_ratio(Y_res) < mean_imbalance_ratio(Y)


def test_mlros_stops_when_every_bag_has_left():
    # B and C leave after one clone each (IRLbl 8/3 <= MeanIR 8/3): 2 rows, not 8
    sampler = MLROS(percentage=100, random_state=0)
    X_res, _ = sampler.fit_resample(np.arange(8.0)[:, None], TOY)
    assert X_res.shape[0] == 10
    assert set(sampler.sample_indices_[8:]) <= {0, 1, 4, 6}


def test_mlrus_returns_a_subset(emotions):
    X, Y = emotions
    sampler = MLRUS(percentage=10, random_state=0)
    X_res, Y_res = sampler.fit_resample(X, Y)
    idx = sampler.sample_indices_
    assert X_res.shape[0] == 593 - 59
    assert len(np.unique(idx)) == len(idx) and (np.diff(idx) > 0).all()
    np.testing.assert_array_equal(X_res, X[idx])
    np.testing.assert_array_equal(Y_res, Y[idx])
    deleted = np.setdiff1d(np.arange(593), idx)
    assert Y[deleted][:, sampler.majority_labels_].any(axis=1).all()


# ------------------------------------------------------------------ MLSMOTE


def test_mlsmote_rows_lie_between_seed_and_reference(emotions):
    X, Y = emotions
    sampler = MLSMOTE(random_state=0)
    X_res, Y_res = sampler.fit_resample(X, Y)
    seeds, refs = sampler.seed_indices_, sampler.reference_indices_
    # only the input's minority labels are over-sampled (no cascade)
    assert set(sampler.minority_labels_) <= set(np.flatnonzero(minority_labels(Y)))
    n_new = X_res.shape[0] - 593
    assert n_new == len(seeds) == len(refs) > 0
    new = X_res[593:]
    low = np.minimum(X_res[seeds], X_res[refs])
    high = np.maximum(X_res[seeds], X_res[refs])
    assert ((new >= low) & (new <= high)).all()
    # interpolated, not copied: the rows differ from both ends
    assert (np.abs(new - X_res[seeds]).sum(axis=1) > 0).mean() > 0.9
    # each synthetic row shares a label with its seed and reference (the minority
    # label it was made for); the first label's block has one row per seed
    assert (Y_res[seeds] & Y_res[refs] & Y_res[593:]).any(axis=1).all()
    first = sampler.minority_labels_[0]
    assert Y_res[593:593 + Y[:, first].sum(), first].all()


def tie_data():
    """6 rows of a rare label M near the origin; Z on 3 of them, W on 4; 40 far rows."""
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 0.1, (6, 2)), rng.normal(50, 0.1, (40, 2))]
    Y = np.zeros((46, 4), dtype=int)  # columns M, Z, W, F
    Y[:6, 0] = 1
    Y[[0, 2, 4], 1] = 1
    Y[[0, 1, 2, 3], 2] = 1
    Y[6:, 1:] = 1
    return X, Y


@pytest.mark.parametrize("rule, z_on, w_on", [
    ("ranking", False, True),  # 3 of 6 is not more than half; 4 of 6 is
    ("union", True, True),
    ("intersection", False, False),
])
def test_mlsmote_label_rules_at_k5(rule, z_on, w_on):
    X, Y = tie_data()
    sampler = MLSMOTE(k_neighbors=5, label_rule=rule, random_state=0)
    _, Y_res = sampler.fit_resample(X, Y)
    np.testing.assert_array_equal(sampler.minority_labels_, [0])
    new = Y_res[46:]
    assert new.shape == (6, 4)
    assert new[:, 0].all() and not new[:, 3].any()
    assert (new[:, 1] == z_on).all() and (new[:, 2] == w_on).all()


def test_mlsmote_sparse_float32_and_dataframe():
    X, Y = small()
    dense_X, dense_Y = MLSMOTE(random_state=0).fit_resample(X, Y)
    sparse_X, sparse_Y = MLSMOTE(random_state=0).fit_resample(sp.csr_matrix(X), Y)
    assert sp.issparse(sparse_X) and sparse_X.format == "csr"
    np.testing.assert_allclose(sparse_X.toarray(), dense_X)
    np.testing.assert_array_equal(sparse_Y, dense_Y)

    X32, _ = MLSMOTE(random_state=0).fit_resample(X.astype(np.float32), Y)
    assert X32.dtype == np.float32
    np.testing.assert_allclose(X32, dense_X, rtol=1e-5, atol=1e-5)

    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    labels = pd.DataFrame(Y, columns=list("abcd"))
    X_df, Y_df = MLSMOTE(random_state=0).fit_resample(frame, labels)
    assert list(X_df.columns) == list(frame.columns) and list(Y_df.columns) == list("abcd")
    np.testing.assert_allclose(X_df.to_numpy(), dense_X)
    Y_sp = MLSMOTE(random_state=0).fit_resample(X, sp.csr_matrix(Y))[1]
    assert sp.issparse(Y_sp)
    np.testing.assert_array_equal(Y_sp.toarray(), dense_Y)


# ------------------------------------------------------------------ REMEDIAL


def test_remedial_oracle_on_emotions(emotions):
    X, Y = emotions
    sampler = REMEDIAL()
    X_res, Y_res = sampler.fit_resample(X, Y)
    assert X_res.shape == (815, X.shape[1])
    np.testing.assert_array_equal(Y_res.sum(axis=0), Y.sum(axis=0))
    np.testing.assert_allclose(label_imbalance_ratio(Y_res), label_imbalance_ratio(Y))
    assert scumble(Y_res) < scumble(Y)
    np.testing.assert_array_equal(X_res, X[sampler.sample_indices_])
    minority = minority_labels(Y)
    split = sampler.split_indices_
    assert not Y_res[split][:, minority].any()
    assert not Y_res[593:][:, ~minority].any()


def test_remedial_toy():
    X_res, Y_res = REMEDIAL().fit_resample(np.arange(8.0)[:, None], TOY)
    # rows 0, 1, 4 (SCUMBLE_ins above the mean) split: A stays, B / C move
    np.testing.assert_array_equal(X_res[8:, 0], [0, 1, 4])
    np.testing.assert_array_equal(Y_res[8:], [[0, 1, 0], [0, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(Y_res[[0, 1, 4]], [[1, 0, 0]] * 3)


# ------------------------------------------------------------------ common API


@pytest.mark.parametrize("sampler", SAMPLERS, ids=IDS)
def test_deterministic_and_clone_pickle(sampler):
    X, Y = small()
    a = clone(sampler).fit_resample(X, Y)
    b = pickle.loads(pickle.dumps(sampler)).fit_resample(X, Y)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert a[0].shape[0] == a[1].shape[0]
    assert a[1].dtype == Y.dtype
    assert clone(sampler).get_params() == sampler.get_params()


@pytest.mark.parametrize("cls", [MLROS, MLRUS, MLSMOTE])
def test_seed_changes_the_draws(cls):
    X, Y = small(200)
    a = cls(random_state=0).fit_resample(X, Y)[0]
    b = cls(random_state=1).fit_resample(X, Y)[0]
    assert a.shape != b.shape or not np.array_equal(a, b)


@pytest.mark.parametrize("sampler", SAMPLERS, ids=IDS)
def test_bad_input_names_the_problem(sampler):
    X, Y = small()
    with pytest.raises(ValueError, match="0/1"):
        sampler.fit_resample(X, Y * 2)
    with pytest.raises(ValueError, match="-1/\\+1"):
        sampler.fit_resample(X, 2 * Y - 1)
    with pytest.raises(ValueError, match="2-D"):
        sampler.fit_resample(X, Y[:, 0])
    with pytest.raises(ValueError, match="X has 80 rows but Y has 79"):
        sampler.fit_resample(X, Y[:-1])
    with pytest.raises(ValueError, match="lists of label names"):
        sampler.fit_resample(X[:2], [["a"], ["a", "b"]])
    with pytest.raises(ValueError, match="2D array"):
        sampler.fit_resample(X[:, 0], Y)


@pytest.mark.parametrize("sampler, param", [
    (MLROS(percentage=0), "percentage"),
    (MLRUS(percentage=100), "percentage"),
    (MLSMOTE(k_neighbors=0), "k_neighbors"),
    (MLSMOTE(label_rule="majority"), "label_rule"),
])
def test_bad_parameters_are_named(sampler, param):
    X, Y = small()
    with pytest.raises(InvalidParameterError, match=param):
        sampler.fit_resample(X, Y)


@pytest.mark.parametrize("sampler", SAMPLERS, ids=IDS)
@pytest.mark.parametrize("final", ["lp", "ovr"])
def test_imblearn_pipeline_round_trip(sampler, final):
    from imblearn.pipeline import Pipeline as ImbPipeline

    X, Y = small(120)
    clf = (LabelPowersetWeightedSVC() if final == "lp"
           else OneVsRestClassifier(LogisticRegression()))
    model = ImbPipeline([("scale", StandardScaler()), ("sample", sampler), ("clf", clf)])
    model.fit(X, Y)
    pred = model.predict(X[:30])  # predict does not resample
    assert pred.shape == (30, 4)
    assert set(np.unique(pred)) <= {0, 1}
    fitted = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(fitted.predict(X[:30]), pred)


def test_grid_search_over_a_sampler_parameter():
    from imblearn.pipeline import Pipeline as ImbPipeline

    X, Y = small(120)
    model = ImbPipeline([("sample", MLSMOTE(random_state=0)),
                         ("clf", LabelPowersetWeightedSVC())])
    search = GridSearchCV(model, {"sample__k_neighbors": [2, 5],
                                  "sample__label_rule": ["ranking", "union"]},
                          cv=KFold(3), scoring="f1_micro").fit(X, Y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["sample__k_neighbors"] in (2, 5)

    wrapped = ResampledClassifier(MLROS(random_state=0), LabelPowersetWeightedSVC())
    search = GridSearchCV(wrapped, {"sampler__percentage": [10, 50], "estimator__C": [1.0]},
                          cv=KFold(3), scoring="f1_micro").fit(X, Y)
    assert search.best_estimator_.n_resampled_ > 80


def test_resampled_classifier_resamples_at_fit_only():
    X, Y = small(100)
    model = ResampledClassifier(MLROS(percentage=10, random_state=0),
                                OneVsRestClassifier(LogisticRegression()))
    model.fit(X, Y)
    assert model.n_resampled_ == 110
    assert model.estimator_.estimators_[0].n_features_in_ == 5
    assert model.predict(X).shape == (100, 4)
    assert model.predict_proba(X).shape == (100, 4)
    assert model.decision_function(X).shape == (100, 4)
    no_proba = OneVsRestClassifier(LinearSVC())
    assert not hasattr(ResampledClassifier(MLROS(), no_proba), "predict_proba")
    weights = np.arange(100.0)
    lp = ResampledClassifier(MLROS(percentage=10, random_state=0), LabelPowersetWeightedSVC())
    lp.fit(X, Y, sample_weight=weights)  # follows sample_indices_
    with pytest.raises(ValueError, match="sample_indices_"):
        ResampledClassifier(MLSMOTE(), LabelPowersetWeightedSVC()).fit(
            X, Y, sample_weight=weights)
    twin = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(twin.predict(X), model.predict(X))


def test_make_disaster_pipeline_resample_option():
    from skmmlc import make_disaster_pipeline

    model = make_disaster_pipeline(resample=MLSMOTE(random_state=0))
    classify = model.named_steps["classify"]
    assert isinstance(classify, ResampledClassifier)
    assert isinstance(classify.estimator, LabelPowersetWeightedSVC)
    selector_estimator = model.named_steps["select"].estimator
    assert isinstance(selector_estimator, ResampledClassifier)
    assert selector_estimator.sampler is not classify.sampler  # clones, not shared
    params = model.get_params()
    assert params["classify__sampler__k_neighbors"] == 5
    assert "classify__estimator__C" in params
    model.set_params(classify__sampler__k_neighbors=3)
    assert clone(model).named_steps["classify"].sampler.k_neighbors == 3
    plain = make_disaster_pipeline()
    assert isinstance(plain.named_steps["classify"], LabelPowersetWeightedSVC)


def test_run_table2_adds_the_resampling_row(monkeypatch):
    """With resample=, Table II gets "Proposed + resampling" after the proposed row."""
    from skmmlc.experiments import _table2 as protocol

    rng = np.random.default_rng(0)
    n = 90
    Y = (rng.random((n, 3)) < [0.5, 0.3, 0.15]).astype(int)
    static = {m: rng.normal(size=(n, 4)) for m in ("visual", "audio", "text")}

    def fake_temporal(static_features, n_steps, Y, train, params, log):
        # no networks: temporal features are the static ones plus the labels' signal
        feats = {m: static_features[m] + Y[:, [j]]
                 for j, m in enumerate(("visual", "audio", "text"))}
        feats["early"] = np.concatenate(list(feats.values()), axis=1)
        return feats, dict.fromkeys(feats, 0.0)

    monkeypatch.setattr(protocol, "_temporal_features", fake_temporal)
    with pytest.warns(protocol.FewTestPositivesWarning):
        result = protocol.run_table2(
            static, dict.fromkeys(static, 1), Y, select_params=dict(n_estimators=10),
            head_alphas=(1.0,), svc_Cs=(1.0,), labelset_sizes=(None,),
            baseline_Cs=(1.0,), resample=MLROS(random_state=0), beyond_paper=False,
        )
    approaches = list(result.table.approach)
    assert approaches[-3:] == ["Proposed framework", "Proposed + resampling",
                               "Static baseline"]
    assert "proposed + resampling" in result.per_concept_f1.index
    assert result.settings["resample"] == "MLROS(random_state=0)"


def test_proposed_head_with_resampling():
    """The Table II head behind "Proposed + resampling" trains on resampled rows."""
    from skmmlc.experiments import RESAMPLED_ROW
    from skmmlc.experiments._heads import proposed_head

    assert RESAMPLED_ROW.approach == "Proposed + resampling"
    X, Y = small(90)
    splits = (np.arange(54), np.arange(54, 72), np.arange(72, 90))
    predict, score, chosen = proposed_head(
        X, Y, splits, random_state=0, select_params=dict(n_estimators=10),
        classify_params={}, Cs=(1.0,), labelset_sizes=(None,),
        resample=MLROS(percentage=50, random_state=0),
    )
    assert predict(X[72:]).shape == (18, 4)
    assert score(X[72:]).shape == (18, 4)


def test_disaster_pipeline_resamples_at_fit_only(sounds):
    from conftest import audio_pipeline

    X, _ = sounds
    Y = np.array([[1, 0], [1, 1], [1, 0], [1, 0], [0, 1], [1, 0], [1, 1], [0, 0]])
    model = audio_pipeline(resample=MLROS(percentage=50, random_state=0))
    model.fit(X, Y)
    classify = model.named_steps["classify"]
    assert classify.n_resampled_ > 8  # trained on resampled rows
    assert model.predict(X).shape == (8, 2)  # one prediction per clip


@pytest.mark.parametrize("estimator", [
    *SAMPLERS, ResampledClassifier(MLROS(random_state=0), LabelPowersetWeightedSVC()),
], ids=[*IDS, "ResampledClassifier"])
def test_sklearn_api_checks(estimator):
    from sklearn.utils.estimator_checks import (
        check_get_params_invariance,
        check_no_attributes_set_in_init,
        check_set_params,
    )

    name = type(estimator).__name__
    check_no_attributes_set_in_init(name, clone(estimator))
    check_get_params_invariance(name, clone(estimator))
    check_set_params(name, clone(estimator))


class _RepeatFirstRows(BaseEstimator):
    """A sampler for any target (1-D or 2-D): the data plus copies of its first rows."""

    def __init__(self, n=3):
        self.n = n

    def fit_resample(self, X, y):
        from sklearn.utils import check_X_y

        X, y = check_X_y(X, y, accept_sparse="csr", multi_output=True)
        n = X.shape[0]
        self.sample_indices_ = np.r_[np.arange(n), np.arange(min(self.n, n))]
        return X[self.sample_indices_], y[self.sample_indices_]


@parametrize_with_checks(
    [ResampledClassifier(_RepeatFirstRows(), LogisticRegression(max_iter=500))]
)
def test_resampled_classifier_passes_sklearn_checks(estimator, check):
    check(estimator)
