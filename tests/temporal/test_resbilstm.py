"""Tests of ResBiLSTMTemporal (skmmlc/temporal/_resbilstm.py): tiny networks, few epochs."""

import pickle

import joblib
import numpy as np
import pytest
from _checks import run_sklearn_check_at_float32
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmmlc.temporal._resbilstm import ResBiLSTMTemporal, _encode_targets, _predict

TINY = dict(units=2, dense_units=3, epochs=1, batch_size=16)


def sequences(n=30, n_steps=6, dim=3, valid=4, seed=0):
    """(n, n_steps * dim) rows: ``valid`` real steps, then zero padding."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_steps, dim)).astype(np.float32)
    X[:, valid:] = 0.0
    Y = (X[:, 0, :2] > 0).astype(int)
    return X.reshape(n, -1), Y


@pytest.fixture(scope="module")
def fitted():
    X, Y = sequences()
    est = ResBiLSTMTemporal(n_steps=6, units=3, dense_units=5, epochs=2, random_state=0)
    return est.fit(X, Y), X, Y


# -- shapes and architecture --------------------------------------------------


def test_transform_shape_and_dtype(fitted):
    est, X, Y = fitted
    F = est.transform(X)
    assert F.shape == (30, 5)
    assert F.dtype == np.float32
    assert np.all(F >= 0)  # ReLU output
    assert np.isfinite(F).all()
    assert est.n_steps_ == 6 and est.dim_ == 3 and est.n_outputs_ == 2
    assert est.n_features_in_ == 18
    assert list(est.get_feature_names_out()) == [f"resbilstmtemporal{i}" for i in range(5)]
    assert est.model_.output_shape == (None, 2)


def test_float64_input_gives_float32(fitted):
    est, X, _ = fitted
    F64 = est.transform(X.astype(np.float64))
    assert F64.dtype == np.float32
    np.testing.assert_allclose(F64, est.transform(X), atol=1e-6)


def test_residual_width_handling(fitted):
    """Input (dim + flag) is projected to 2 * units; each block keeps that width."""
    est, _, _ = fitted
    model = est.model_
    proj = model.get_layer("input_projection")
    assert tuple(proj.kernel.shape) == (est.dim_ + 1, 2 * est.units)
    assert proj.bias is None
    for block in (1, 2):
        assert model.get_layer(f"bilstm_{block}").output.shape[-1] == 2 * est.units
        residual = model.get_layer(f"residual_{block}")
        assert residual.output.shape[-1] == 2 * est.units
    # The residual adds take the block's input: block 2 adds block 1's output.
    inbound = [t._keras_history.operation.name for t in model.get_layer("residual_2").input]
    assert "residual_1" in inbound and "dropout_2" in inbound


def test_n_steps_must_divide_width():
    X, Y = sequences()
    with pytest.raises(ValueError, match="not a multiple of n_steps=7"):
        ResBiLSTMTemporal(n_steps=7, **TINY).fit(X, Y)


def test_n_steps_none_is_one_step():
    X, Y = sequences(n=10)
    est = ResBiLSTMTemporal(random_state=0, **TINY).fit(X, Y)
    assert est.n_steps_ == 1 and est.dim_ == 18
    assert est.transform(X).shape == (10, 3)


@pytest.mark.parametrize(
    "param, value",
    [("units", 0), ("dropout", 1.0), ("epochs", 0), ("learning_rate", 0.0),
     ("early_stopping", "yes"), ("class_weight", "auto"), ("cv", 1),
     ("cv_alignment", "procrustes"), ("validation_fraction", 1.0)],
)
def test_invalid_params_raise(param, value):
    X, Y = sequences(n=8)
    with pytest.raises(ValueError, match=param):
        ResBiLSTMTemporal(**{**TINY, param: value}).fit(X, Y)


def test_transform_before_fit_raises():
    with pytest.raises(NotFittedError):
        ResBiLSTMTemporal().transform(np.ones((2, 3)))


# -- targets --------------------------------------------------------------------


def test_encode_targets():
    np.testing.assert_array_equal(_encode_targets(["a", "b", "a"]), [[0], [1], [0]])
    np.testing.assert_array_equal(
        _encode_targets([2, 0, 1]), [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    )
    np.testing.assert_array_equal(_encode_targets([[1, 0], [0, 1]]), [[1, 0], [0, 1]])
    np.testing.assert_array_equal(_encode_targets([[1], [0]]), [[1], [0]])
    with pytest.raises(ValueError, match="indicator"):
        _encode_targets([[2, 0], [0, 1]])


# -- masking --------------------------------------------------------------------


def test_padding_steps_do_not_change_features(fitted):
    """The same clips padded to more steps give the same features."""
    est, X, _ = fitted
    seq = est._sequences(X)
    seq_long = np.concatenate([seq, np.zeros((len(X), 5, seq.shape[2]), np.float32)], axis=1)
    F = _predict(est._feature_model, seq)
    F_long = _predict(est._feature_model, seq_long)
    np.testing.assert_allclose(F_long, F, rtol=1e-5, atol=1e-6)
    assert np.abs(F).max() > 0
    # Without the mask, padding would shift the mean: a real zero step does.
    seq_zero_step = seq_long.copy()
    seq_zero_step[:, 6, -1] = 1.0  # mark one padding step as real
    F_zero = _predict(est._feature_model, seq_zero_step)
    assert not np.allclose(F_zero, F, atol=1e-4)


def test_padding_invariance_end_to_end():
    """Fitting on rows padded to 9 steps instead of 6 gives the same features.

    Dropout is off: its random masks are drawn with the padded shape.
    Standardisation statistics ignore padding steps.
    """
    X, Y = sequences(n=24, n_steps=6, valid=4)
    X3 = X.reshape(24, 6, 3)
    X_long = np.concatenate([X3, np.zeros((24, 3, 3), np.float32)], axis=1).reshape(24, -1)
    params = dict(units=3, dense_units=4, epochs=2, batch_size=8, dropout=0.0,
                  dense_dropout=0.0, random_state=1)
    F_short = ResBiLSTMTemporal(n_steps=6, **params).fit(X, Y).transform(X)
    F_long = ResBiLSTMTemporal(n_steps=9, **params).fit(X_long, Y).transform(X_long)
    np.testing.assert_allclose(F_long, F_short, rtol=1e-4, atol=1e-5)


def test_padding_position_and_padded_rows(fitted):
    """Masked steps anywhere are ignored by the mean; an empty row stays finite."""
    est, X, _ = fitted
    X3 = X.reshape(-1, 6, 3).copy()
    F = est.transform(X)
    # Padding before the clip (2 steps) instead of after it: same features.
    X_front = np.roll(X3, 2, axis=1)
    assert np.all(X_front[:, :2] == 0)
    np.testing.assert_allclose(est.transform(X_front.reshape(len(X3), -1)), F,
                               rtol=1e-5, atol=1e-6)
    # A non-padding change at a real step changes the features (the test can fail).
    X_changed = X3.copy()
    X_changed[:, 1] += 1.0
    assert not np.allclose(est.transform(X_changed.reshape(len(X3), -1)), F, atol=1e-4)
    empty = est.transform(np.zeros((2, 18), np.float32))
    assert np.isfinite(empty).all()
    np.testing.assert_allclose(empty[0], empty[1])


# -- learning -------------------------------------------------------------------


def test_learns_label_encoded_in_time_steps():
    """A label marked by a pattern at one random step is learnt (train and test)."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    n, n_steps, dim = 160, 5, 4
    X = rng.normal(size=(n, n_steps, dim)).astype(np.float32)
    y = rng.random(n) < 0.5
    steps = rng.integers(0, n_steps, size=n)
    X[y, steps[y]] += np.array([2.0, -2.0, 2.0, 0.0], np.float32)
    X = X.reshape(n, -1)
    Y = np.stack([y, ~y], axis=1).astype(int)
    est = ResBiLSTMTemporal(n_steps=n_steps, units=8, dense_units=8, epochs=15,
                            batch_size=16, learning_rate=0.01, early_stopping=False,
                            random_state=0)
    est.fit(X[:120], Y[:120])
    losses = est.history_["loss"]
    assert losses[-1] < 0.8 * losses[0], losses
    proba = _predict(est.model_, est._sequences(X[120:]))
    auc = roc_auc_score(Y[120:, 0], proba[:, 0])
    assert auc > 0.8, auc


def test_early_stopping_restores_best_epoch():
    X, Y = sequences(n=60)
    est = ResBiLSTMTemporal(n_steps=6, units=2, dense_units=3, epochs=6, patience=1,
                            early_stopping=True, validation_fraction=0.2, random_state=0)
    est.fit(X, Y)
    assert "val_loss" in est.history_
    assert 1 <= est.best_epoch_ <= est.n_epochs_ <= 6
    assert est.history_["val_loss"][est.best_epoch_ - 1] == min(est.history_["val_loss"])


def test_early_stopping_true_needs_validation_rows():
    X, Y = sequences(n=5)
    with pytest.raises(ValueError, match="validation"):
        ResBiLSTMTemporal(early_stopping=True, validation_fraction=0.1, **TINY).fit(X, Y)


def test_balanced_class_weight_changes_training():
    X, Y = sequences(n=20)
    Y[:, 1] = 0
    Y[:2, 1] = 1  # rare label
    params = dict(n_steps=6, units=2, dense_units=3, epochs=2, random_state=0)
    F_plain = ResBiLSTMTemporal(**params).fit_transform(X, Y)
    est = ResBiLSTMTemporal(class_weight="balanced", **params).fit(X, Y)
    assert not np.allclose(est.transform(X), F_plain)
    assert np.isfinite(est.history_["loss"]).all()


# -- reproducibility, clone, pickle -----------------------------------------------


def test_same_random_state_same_features(fitted):
    est, X, Y = fitted
    again = clone(est).fit(X, Y)
    np.testing.assert_array_equal(again.transform(X), est.transform(X))
    other = clone(est).set_params(random_state=1).fit(X, Y)
    assert not np.allclose(other.transform(X), est.transform(X))


def test_concurrent_fits_in_threads_equal_a_serial_fit(fitted):
    """A fit depends on random_state alone, not on Python's, TensorFlow's or
    Keras' global generators, which other threads draw from too (threaded
    joblib and Dask workers fit several models in one process)."""
    import random
    import threading

    est, X, Y = fitted
    random.seed(99)  # a caller's global state must not matter either
    out = [None, None]

    def fit(i):
        out[i] = clone(est).fit(X, Y).transform(X)

    threads = [threading.Thread(target=fit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for features in out:
        np.testing.assert_array_equal(features, est.transform(X))


def test_initial_weights_depend_on_the_seed_only(fitted):
    """Each layer and direction has its own seed: the two directions of a
    BiLSTM do not start equal, and a seed rebuilds the same network."""
    from skmmlc.temporal._resbilstm import _import_tf

    est = fitted[0]
    _, keras = _import_tf()
    first, again, other = (est._build(keras, 4, seed) for seed in (7, 7, 8))
    bilstm = first.get_layer("bilstm_1")
    assert not np.allclose(bilstm.forward_layer.get_weights()[0],
                           bilstm.backward_layer.get_weights()[0])
    for a, b, c in zip(first.get_weights(), again.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
        assert a.ndim == 1 or not np.array_equal(a, c)  # biases start at constants


def test_fit_leaves_global_numpy_rng_alone(fitted):
    _, X, Y = fitted
    np.random.seed(123)
    expected = np.random.random_sample()
    np.random.seed(123)
    ResBiLSTMTemporal(random_state=0, **TINY).fit(X, Y)
    assert np.random.random_sample() == expected


def test_clone_is_unfitted(fitted):
    est, _, _ = fitted
    cloned = clone(est)
    assert not hasattr(cloned, "model_")
    assert cloned.get_params() == est.get_params()


def test_set_params_all_params():
    est = ResBiLSTMTemporal()
    new = dict(n_steps=4, units=5, dense_units=6, dropout=0.2, dense_dropout=0.3,
               epochs=7, batch_size=8, learning_rate=0.01, early_stopping=False,
               validation_fraction=0.3, patience=2, class_weight="balanced",
               standardize=False, cv=3, cv_alignment=None, random_state=9, verbose=1)
    assert set(new) == set(est.get_params())
    est.set_params(**new)
    assert est.get_params() == new


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_pickle_round_trip_identical_transform(fitted, dump, tmp_path):
    est, X, _ = fitted
    if dump == "pickle":
        restored = pickle.loads(pickle.dumps(est))
    else:
        joblib.dump(est, tmp_path / "est.joblib")
        restored = joblib.load(tmp_path / "est.joblib")
    np.testing.assert_array_equal(restored.transform(X), est.transform(X))
    assert restored.history_ == est.history_
    # the original still works after being pickled
    assert est.transform(X).shape == (30, 5)


def test_no_global_random_state_changes(fitted):
    """Fitting, transforming and unpickling leave Python's and NumPy's global
    generators where they were (Keras draws initial weights from ``random``)."""
    import random

    est, X, Y = fitted
    blob = pickle.dumps(est)
    python_state, numpy_state = random.getstate(), np.random.get_state()[1].copy()
    clone(est).set_params(epochs=1).fit(X, Y).transform(X)
    pickle.loads(blob)
    assert random.getstate() == python_state
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)


# -- cross fitting ----------------------------------------------------------------


def test_fit_transform_equals_fit_then_transform_without_cv(fitted):
    est, X, Y = fitted
    np.testing.assert_allclose(clone(est).fit_transform(X, Y), est.transform(X), atol=1e-6)


@pytest.mark.parametrize("alignment", ["linear", None])
def test_cross_fitting_gives_out_of_fold_features(fitted, alignment):
    est, X, Y = fitted
    cross = clone(est).set_params(cv=3, cv_alignment=alignment)
    F_oof = cross.fit_transform(X, Y)
    assert F_oof.shape == (30, 5) and F_oof.dtype == np.float32
    assert np.isfinite(F_oof).all()
    # fit/transform use the model trained on all rows: the same as without cv
    np.testing.assert_allclose(cross.transform(X), est.transform(X), atol=1e-6)
    assert not np.allclose(F_oof, est.transform(X), atol=1e-3)


def test_cross_fitting_accepts_a_splitter(fitted):
    from sklearn.model_selection import KFold

    est, X, Y = fitted
    F = clone(est).set_params(cv=KFold(2)).fit_transform(X, Y)
    assert F.shape == (30, 5)


# -- scikit-learn's estimator checks ---------------------------------------------


@parametrize_with_checks(
    [ResBiLSTMTemporal(units=2, dense_units=3, epochs=1, batch_size=64, random_state=0)]
)
def test_sklearn_compatible(estimator, check):
    run_sklearn_check_at_float32(estimator, check)  # see tests/_checks.py
