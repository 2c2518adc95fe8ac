"""Tests of ResBiLSTMAttentionTemporal and plot_attention: tiny networks, few epochs."""

import pickle

import numpy as np
import pytest
from _checks import run_sklearn_check_at_float32
from conftest import F32_EPS
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmmlc import ResBiLSTMAttentionTemporal, ResBiLSTMTemporal
from skmmlc.temporal import plot_attention
from skmmlc.temporal._keras import FEATURES_LAYER, custom_objects, import_tf

N_STEPS, DIM = 6, 3


def sequences(n=30, seed=0):
    """Rows of 6 steps x 3: 4 real steps then padding; row 1 padded in front,
    row 2 with a padding step in the middle, row 3 with no real step."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, N_STEPS, DIM)).astype(np.float32)
    X[:, 4:] = 0.0
    X[1] = np.roll(X[1], 2, axis=0)
    X[2, 1] = 0.0
    X[3] = 0.0
    Y = (X[:, 0, :2] > 0).astype(int)
    return X.reshape(n, -1), Y


@pytest.fixture(scope="module")
def fitted():
    X, Y = sequences()
    est = ResBiLSTMAttentionTemporal(n_steps=N_STEPS, units=3, dense_units=5, epochs=2,
                                     attention_units=4, random_state=0)
    return est.fit(X, Y), X, Y


def test_drop_in_for_resbilstm(fitted):
    est, X, _ = fitted
    F = est.transform(X)
    assert F.shape == (30, 5) and F.dtype == np.float32
    assert np.isfinite(F).all() and np.all(F >= 0)
    assert est.n_steps_ == N_STEPS and est.dim_ == DIM and est.n_outputs_ == 2
    assert isinstance(est, ResBiLSTMTemporal)
    params = set(est.get_params())
    assert params == set(ResBiLSTMTemporal().get_params()) | {"attention_units", "residual"}
    assert est.get_feature_names_out()[0] == "resbilstmattentiontemporal0"
    # the attention's output (context + mean, 2 * 2u each) feeds the features layer
    assert est.model_.get_layer(FEATURES_LAYER).input.shape[-1] == 2 * 2 * est.units


def test_padded_steps_get_exactly_zero_weight(fitted):
    est, X, _ = fitted
    A = est.attention_weights(X)
    assert A.shape == (30, N_STEPS) and A.dtype == np.float32
    real = np.any(X.reshape(30, N_STEPS, DIM) != 0, axis=2)
    real[3, 0] = True  # a row with no real step is one all-zero real step
    assert np.all(A[~real] == 0.0)  # exactly, wherever the padding lies
    assert np.all(A[real] > 0)
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=0, atol=N_STEPS * F32_EPS)
    assert A[3, 0] == 1.0


def test_more_padding_changes_nothing(fitted):
    """The same clips padded to more steps give the same weights and features."""
    est, X, _ = fitted
    seq = est._sequences(X)
    longer = np.concatenate([seq, np.zeros((30, 4, DIM + 1), np.float32)], axis=1)
    _, keras = import_tf()
    model = keras.Model(est.model_.input,
                        [est.model_.get_layer(FEATURES_LAYER).output,
                         est.model_.get_layer("temporal_attention").output[1]])
    F, A = (np.asarray(v) for v in model(seq, training=False))
    F_long, A_long = (np.asarray(v) for v in model(longer, training=False))
    np.testing.assert_allclose(F_long, F, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(A_long[:, :N_STEPS], A, rtol=1e-5, atol=1e-7)
    assert np.all(A_long[:, N_STEPS:] == 0.0)


@pytest.mark.parametrize("residual", ["mean", "last", "both", None])
def test_attention_layer_residual_paths(residual):
    """The layer's output is [context, residual] computed exactly as documented."""
    _, keras = import_tf()
    rng = np.random.default_rng(1)
    h = rng.normal(size=(3, 5, 4)).astype(np.float32)
    mask = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1], [1, 0, 1, 1, 0]], bool)
    layer = custom_objects()["TemporalAttention"](6, residual, seeds=[1, 2, 3])
    out, a = (np.asarray(v) for v in layer(h, mask=mask))
    assert np.all(a[~mask] == 0.0)
    np.testing.assert_allclose(a.sum(1), 1.0, atol=8 * F32_EPS)
    context = np.einsum("bt,btd->bd", a, h)
    mean = (h * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
    last = h[np.arange(3), [2, 4, 3]]
    expected = {"mean": [context, mean], "last": [context, last],
                "both": [context, mean, last], None: [context]}[residual]
    np.testing.assert_allclose(out, np.hstack(expected), rtol=1e-5, atol=1e-6)


def test_residual_choice_sets_the_features_input_width(fitted):
    est, _, _ = fitted
    _, keras = import_tf()
    for residual, k in [("last", 2), ("both", 3), (None, 1)]:
        model = clone(est).set_params(residual=residual)
        model.n_outputs_ = 2
        net = model._build(keras, DIM + 1, seed=0)
        assert net.get_layer(FEATURES_LAYER).input.shape[-1] == k * 2 * est.units


def test_attention_finds_the_marked_step():
    """A label marked by a pattern at one random step: on test clips of that
    label, the attention puts more weight on the marked step than elsewhere."""
    rng = np.random.default_rng(0)
    n, n_steps, dim = 160, 6, 4
    X = rng.normal(size=(n, n_steps, dim)).astype(np.float32)
    y = rng.random(n) < 0.5
    steps = rng.integers(0, n_steps, size=n)
    X[y, steps[y]] += np.array([2.5, -2.5, 2.5, 0.0], np.float32)
    Y = np.stack([y, ~y], axis=1).astype(int)
    est = ResBiLSTMAttentionTemporal(n_steps=n_steps, units=8, dense_units=8, epochs=15,
                                     batch_size=16, learning_rate=0.01,
                                     early_stopping=False, random_state=0)
    est.fit(X[:120].reshape(120, -1), Y[:120])
    A = est.attention_weights(X[120:].reshape(40, -1))
    pos = np.flatnonzero(y[120:])
    on_mark = A[pos, steps[120:][pos]]
    assert on_mark.mean() > 2.0 / n_steps, on_mark.mean()  # uniform would be 1/6


def test_same_random_state_same_weights(fitted):
    est, X, Y = fitted
    again = clone(est).fit(X, Y)
    np.testing.assert_array_equal(again.transform(X), est.transform(X))
    np.testing.assert_array_equal(again.attention_weights(X), est.attention_weights(X))
    other = clone(est).set_params(random_state=1).fit(X, Y)
    assert not np.allclose(other.attention_weights(X), est.attention_weights(X))


def test_pickle_round_trip(fitted):
    est, X, _ = fitted
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.transform(X), est.transform(X))
    np.testing.assert_array_equal(restored.attention_weights(X), est.attention_weights(X))
    assert not hasattr(clone(est), "model_")


def test_bad_input():
    X, Y = sequences(n=8)
    with pytest.raises(ValueError, match="residual"):
        ResBiLSTMAttentionTemporal(residual="max", epochs=1).fit(X, Y)
    with pytest.raises(ValueError, match="not a multiple of n_steps=7"):
        ResBiLSTMAttentionTemporal(n_steps=7, epochs=1).fit(X, Y)
    with pytest.raises(NotFittedError):
        ResBiLSTMAttentionTemporal().attention_weights(X)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ResBiLSTMAttentionTemporal(n_steps=6, epochs=1).fit(X_nan, Y)


def test_attention_weights_checks_the_width(fitted):
    est, X, _ = fitted
    with pytest.raises(ValueError, match="features"):
        est.attention_weights(X[:, :-3])


# -- the picture --------------------------------------------------------------------


def test_plot_attention_writes_a_png(fitted, tmp_path):
    est, X, _ = fitted
    words = [["storm", "hits", "the", "coast", "", ""]] * 30
    path = tmp_path / "attention.png"
    fig = plot_attention(est.attention_weights(X), step_labels=words, max_clips=3,
                         clip_names=["a", "b", "c"], title="text", path=path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(fig.axes) == 3
    # padding after the last real step is not drawn; the words label the bars
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["storm", "hits", "the", "coast"]
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["a", "b", "c"]


def test_plot_attention_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        plot_attention(np.ones(4))
    with pytest.raises(ValueError, match="NaN"):
        plot_attention(np.array([[np.nan, 1.0]]))


# -- scikit-learn's estimator checks ---------------------------------------------


@parametrize_with_checks(
    [ResBiLSTMAttentionTemporal(units=2, dense_units=3, attention_units=2, epochs=1,
                                batch_size=64, early_stopping=False, random_state=0)]
)
def test_sklearn_compatible(estimator, check):
    run_sklearn_check_at_float32(estimator, check)  # see tests/_checks.py
