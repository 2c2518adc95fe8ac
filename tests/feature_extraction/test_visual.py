"""Tests of VisualInceptionFeatures: frame sampling, weights, cache, errors.

Small images (75 x 75, Inception-V3's smallest input), few frames and random
weights keep the file fast; ImageNet weights are exercised through files the
tests write themselves.
"""

import pickle
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from _checks import check_params, run_check
from conftest import make_frames
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skmmlc.exceptions import SkippedRowsWarning
from skmmlc.feature_extraction import _decode_video, _visual
from skmmlc.feature_extraction._base import MediaError
from skmmlc.feature_extraction._visual import (
    VisualInceptionFeatures,
    _read_frames,
    _sample_by_time,
    _sample_indices,
)
from skmmlc.feature_extraction._weights import _sources

SMALL = dict(image_size=75, batch_size=8, jit_compile=False)


pytestmark = pytest.mark.usefixtures("keep_compiled_models")  # conftest.py


def small(**params):
    kw = dict(n_frames=4, weights=None, random_state=0, **SMALL)
    kw.update(params)
    return VisualInceptionFeatures(**kw)


def brightness_clip(tmp_path, name, n, codec="libx264", fps=10):
    """A clip whose frame i is flat grey of level 4 + 8 i (decodes to ~i)."""
    from skmmlc.datasets import write_clip

    frames = np.stack([np.full((64, 96, 3), 4 + 8 * i, np.uint8) for i in range(n)])
    return write_clip(tmp_path / name, frames, fps=fps, codec=codec)


def frame_ids(frames):
    return np.rint((frames.reshape(len(frames), -1).mean(axis=1) - 4) / 8).astype(int)


class LyingCapture:
    """A real cv2.VideoCapture whose CAP_PROP_FRAME_COUNT is ``claimed``."""

    def __init__(self, path, claimed):
        import cv2

        self._cap = cv2.VideoCapture(str(path))
        self._claimed = claimed

    def get(self, prop):
        import cv2

        if prop == cv2.CAP_PROP_FRAME_COUNT:
            return float(self._claimed)
        return self._cap.get(prop)

    def __getattr__(self, name):
        return getattr(self._cap, name)


# -- import and sampling ------------------------------------------------------
def test_import_does_not_import_tensorflow():
    code = ("import sys, skmmlc.feature_extraction._visual; "
            "print('tensorflow' in sys.modules, 'cv2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


def test_sample_indices_uniform_and_short_clips():
    np.testing.assert_array_equal(_sample_indices(40, 4), [5, 15, 25, 35])
    np.testing.assert_array_equal(_sample_indices(7, 7), np.arange(7))
    idx = _sample_indices(1000, 40)
    assert len(np.unique(idx)) == 40 and idx.min() >= 0 and idx.max() <= 999
    np.testing.assert_array_equal(_sample_indices(3, 5), [0, 0, 1, 2, 2])
    np.testing.assert_array_equal(_sample_indices(3, 5, "pad"), [0, 1, 2, -1, -1])
    np.testing.assert_array_equal(_sample_indices(1, 3), [0, 0, 0])


def test_sample_by_time():
    # a constant rate (timestamps rounded to the ms): by index, as before
    cfr = np.round(np.arange(30) * 1000 / 30)
    np.testing.assert_array_equal(_sample_by_time(cfr, 7), _sample_indices(30, 7))
    np.testing.assert_array_equal(_sample_by_time(cfr[:3], 5, "pad"), [0, 1, 2, -1, -1])
    # 10 frames over 9 s, then 90 over 3 s: the frames shown at 1.5, 4.5,
    # 7.5 and 10.5 s (by index: 12, 37, 62 and 87, all in the last 3 s)
    vfr = [900.0 * i for i in range(10)] + [9000 + 1000 * i / 30 for i in range(90)]
    np.testing.assert_array_equal(_sample_by_time(vfr, 4), [1, 5, 8, 55])
    # timestamps that are not usable (repeated, missing): by index
    np.testing.assert_array_equal(_sample_by_time([0, 0, 0, 40], 2), _sample_indices(4, 2))
    np.testing.assert_array_equal(_sample_by_time([0, np.nan, 80], 3), [0, 1, 2])


def test_read_frames_picks_the_uniform_frames(tmp_path):
    path = brightness_clip(tmp_path, "b.mp4", 30)
    frames, index, n_decoded = _read_frames(path, 6, 75)
    assert n_decoded == 30
    assert frames.shape == (6, 75, 75, 3) and frames.dtype == np.uint8
    np.testing.assert_array_equal(index, np.arange(6))
    np.testing.assert_array_equal(frame_ids(frames), _sample_indices(30, 6))


class CountingCapture:
    """A real cv2.VideoCapture that records the frames it converts (``retrieve``)."""

    def __init__(self, path, converted):
        import cv2

        self._cap = cv2.VideoCapture(str(path))
        self._converted = converted

    def retrieve(self, *args):
        ok, frame = self._cap.retrieve(*args)
        if ok:
            self._converted.append(frame.nbytes)
        return ok, frame

    def __getattr__(self, name):
        return getattr(self._cap, name)


def test_a_long_clip_holds_only_the_sampled_frames(clip_factory, monkeypatch):
    """Memory is bounded by n_frames, not by the clip's length: every frame is
    decoded (``grab``) to count those that decode, only the sampled ones are
    converted and kept (benchmarks/long_clip.py: a 30-minute 1080p clip)."""
    path = clip_factory("long.mp4", n_frames=240, seconds=8.0, audio=False, fps=30)
    converted = []
    monkeypatch.setattr(_decode_video, "_open_capture", lambda p: CountingCapture(p, converted))
    frames, index, n_decoded = _read_frames(path, 8, 75)
    assert n_decoded == 240
    assert len(converted) == 8  # one colour conversion per sampled frame
    assert frames.shape == (8, 75, 75, 3)
    np.testing.assert_array_equal(index, np.arange(8))


def test_frames_are_rgb(tmp_path):
    from skmmlc.datasets import write_clip

    red = np.zeros((4, 64, 64, 3), np.uint8)
    red[..., 0] = 200
    path = write_clip(tmp_path / "red.mp4", red, fps=4)
    frames, _, _ = _read_frames(path, 2, 75)
    mean = frames.reshape(-1, 3).mean(axis=0)
    assert mean[0] > 150 and mean[2] < 50


@pytest.mark.parametrize("claimed", [3, 1000, 0, -1])
def test_frame_count_that_lies(tmp_path, monkeypatch, claimed):
    path = brightness_clip(tmp_path, "b.mp4", 20)
    monkeypatch.setattr(_decode_video, "_open_capture", lambda p: LyingCapture(p, claimed))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frames, index, n_decoded = _read_frames(path, 5, 75)
    assert n_decoded == 20
    # far fewer frames than claimed: said (without "row None" when no row is given)
    messages = [str(w.message) for w in caught]
    if claimed == 1000:
        assert messages and messages[0].startswith("only 20 of the 1000 frames that ")
    else:
        assert messages == []
    np.testing.assert_array_equal(frame_ids(frames)[index], _sample_indices(20, 5))


def test_truncated_mkv_is_sampled_over_its_decodable_frames(tmp_path):
    import cv2

    full = brightness_clip(tmp_path, "full.mkv", 30, codec="mpeg4")
    cut = tmp_path / "cut.mkv"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    cap = cv2.VideoCapture(str(cut))
    claimed = cap.get(cv2.CAP_PROP_FRAME_COUNT)
    cap.release()
    with pytest.warns(UserWarning, match=r"^only \d+ of the \d+ frames that .*truncated"):
        frames, index, n_decoded = _read_frames(cut, 5, 75)
    assert 0 < n_decoded < claimed  # the header lies about the cut file
    ids = frame_ids(frames)[index]
    np.testing.assert_allclose(ids, _sample_indices(n_decoded, 5), atol=1)


# -- features -----------------------------------------------------------------
def test_shapes_dtype_names_and_dataframe_input(clip_factory):
    paths = [str(clip_factory(f"c{i}.mp4", n_frames=6, seed=i, audio=False))
             for i in range(3)]
    est = small()
    X = pd.DataFrame({"video": paths})
    assert est.fit(X) is est
    feats = est.transform(X)
    assert feats.shape == (3, 4 * 2048) and feats.dtype == np.float32
    assert np.all(np.isfinite(feats)) and np.abs(feats).sum() > 0
    assert not np.allclose(feats[0], feats[1])
    names = est.get_feature_names_out()
    assert len(names) == feats.shape[1] and names[0] == "visual_t0_0000"
    assert names[2048] == "visual_t1_0000"
    np.testing.assert_array_equal(est.feature_names_in_, ["video"])
    # same clips as a list and as a Series: same features
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        by_series = est.transform(pd.Series(paths))  # unnamed, as in scikit-learn
    np.testing.assert_array_equal(by_series, feats)
    assert est.get_params()["weights"] is None  # fit overwrote no parameter


def test_features_are_time_major_and_batching_does_not_matter(tmp_path):
    path = brightness_clip(tmp_path, "b.mp4", 12)
    other = brightness_clip(tmp_path, "o.mp4", 9)
    a = small(n_frames=3).fit_transform([str(path), str(other)])
    b = small(n_frames=3, batch_size=2).fit_transform([str(path), str(other)])
    # passes of 3 and of 2 frames: float32 kernels of another batch shape
    # (rounding only); the features are O(1)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # frame t's features sit in columns [t*2048, (t+1)*2048): brighter frames differ
    steps = a[0].reshape(3, 2048)
    assert not np.allclose(steps[0], steps[2])


@pytest.mark.numerics
def test_a_clip_gives_the_same_bits_whatever_its_companions(tmp_path):
    """Each clip's frames run in passes of their own, of one fixed shape: the
    clips extracted with it (how many, which, in which order) change none of
    its bits (oneDNN's float32 results depend on the batch's shape and, on
    some CPUs, on a frame's position in it)."""
    clips = [str(brightness_clip(tmp_path, f"c{i}.mp4", n)) for i, n in
             enumerate([12, 9, 2, 7])]
    est = small(n_frames=3, batch_size=2).fit(clips)  # 2 passes of 2 per clip
    alone = est.transform([clips[0]])[0]
    for others in ([clips[0]] + clips[1:], clips[1:] + [clips[0]], [clips[2], clips[0]]):
        got = est.transform(others)[others.index(clips[0])]
        np.testing.assert_array_equal(got, alone)
    runner = est._get_runner()
    assert runner.batch_size == 2
    before = runner.n_batches
    est.transform([clips[2]])  # 2 frames: 2 distinct, one pass
    assert runner.n_batches - before == 1


def test_short_clip_policies(tmp_path):
    path = str(brightness_clip(tmp_path, "short.mp4", 3))
    rep = small(n_frames=5).fit_transform([path]).reshape(5, 2048)
    pad = small(n_frames=5, short_clip="pad").fit_transform([path]).reshape(5, 2048)
    np.testing.assert_allclose(rep[0], rep[1])  # steps 0 and 1 use frame 0
    assert not np.allclose(rep[1], rep[2])
    np.testing.assert_allclose(pad[:3], rep[[0, 2, 3]], rtol=1e-5, atol=1e-6)
    assert np.all(pad[3:] == 0) and np.all(np.abs(pad[:3]).sum(axis=1) > 0)


def test_random_weights_are_seeded(clip_factory):
    path = [str(clip_factory("c.mp4", n_frames=6, audio=False))]
    a = small(random_state=0).fit_transform(path)
    b = small(random_state=0).fit_transform(path)
    c = small(random_state=1).fit_transform(path)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_jit_compile_gives_the_same_features(clip_factory):
    path = [str(clip_factory("c.mp4", n_frames=6, audio=False))]
    a = small().fit_transform(path)
    b = small(jit_compile=True).fit_transform(path)
    np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


def test_bfloat16_precision_is_opt_in_and_close_to_float32(clip_factory):
    _, keras = _visual.import_tensorflow()
    path = [str(clip_factory("c.mp4", n_frames=6, audio=False))]
    assert VisualInceptionFeatures().precision == "float32"
    exact = small(n_frames=2).fit_transform(path)
    est = small(n_frames=2, precision="bfloat16", jit_compile=True)
    approx = est.fit_transform(path)
    assert approx.dtype == np.float32 and approx.shape == exact.shape
    assert not np.array_equal(approx, exact)  # really computed in bfloat16
    a, b = approx.reshape(2, -1), exact.reshape(2, -1)
    cosine = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert cosine.min() > 0.999
    assert np.abs(a - b).max() < 0.05 * np.abs(b).max()
    runner = est._get_runner()  # the shared compiled model (never on est)
    assert runner.jit_compile is False  # bfloat16 runs through oneDNN, not XLA
    assert {layer.dtype_policy.name for layer in runner.model.layers[1:]} == {"mixed_bfloat16"}
    assert keras.config.dtype_policy().name == "float32"  # global policy untouched
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).transform(path),
                                  approx)


def test_pickle_and_clone(clip_factory):
    path = [str(clip_factory("c.mp4", n_frames=6, audio=False))]
    est = small(random_state=None).fit(path)  # seed drawn in fit, kept in seed_
    feats = est.transform(path)
    est2 = pickle.loads(pickle.dumps(est))
    assert "_runner" not in est2.__dict__
    np.testing.assert_array_equal(est2.transform(path), feats)
    fresh = clone(small(random_state=0).fit(path))
    with pytest.raises(NotFittedError):
        fresh.transform(path)
    np.testing.assert_array_equal(
        fresh.fit_transform(path), small(random_state=0).fit_transform(path)
    )


# -- weights files --------------------------------------------------------------
@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """A seeded Inception-V3 (75 x 75) saved in Keras 3 and in legacy h5 format."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    _, keras = _visual.import_tensorflow()
    model = keras.applications.InceptionV3(include_top=False, weights=None,
                                           input_shape=(75, 75, 3), pooling="avg")
    _visual._he_uniform_init(model, 123)
    folder = tmp_path_factory.mktemp("weights")
    keras3 = folder / "inception.weights.h5"
    model.save_weights(keras3)
    legacy = folder / "inception_notop.h5"  # the format of Keras' ImageNet file
    with h5py.File(legacy, "w") as fh:
        legacy_h5_format.save_weights_to_hdf5_group(fh, model)
    return model, keras3, legacy


def test_weights_files_reproduce_the_saved_model(clip_factory, saved_model):
    _, keras = _visual.import_tensorflow()
    model, keras3, legacy = saved_model
    clip = clip_factory("c.mp4", n_frames=6, audio=False)
    frames, index, _ = _read_frames(clip, 3, 75)
    preprocess = keras.applications.inception_v3.preprocess_input
    x = preprocess(frames[index].astype("float32"))
    expected = np.asarray(model(x, training=False)).reshape(-1)
    for wpath in (keras3, legacy):
        got = small(n_frames=3, weights=str(wpath)).fit_transform([str(clip)])[0]
        np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4)
    assert not np.allclose(got, small(n_frames=3).fit_transform([str(clip)])[0])


def test_imagenet_uses_keras_file_or_explains_how_to_get_it(clip_factory, saved_model,
                                                            monkeypatch):
    _, keras = _visual.import_tensorflow()

    def offline(*args, **kwargs):
        raise ConnectionError("no network")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    clip = [str(clip_factory("c.mp4", n_frames=6, audio=False))]
    est = small(weights="imagenet")
    with pytest.raises(OSError, match="weights=None") as info:
        est.fit_transform(clip)
    assert _sources.IMAGENET_URL in str(info.value)
    # a file already in Keras' cache is used
    legacy = saved_model[2]
    monkeypatch.setattr(keras.utils, "get_file", lambda *a, **k: str(legacy))
    got = est.fit_transform(clip)
    want = small(weights=str(legacy)).fit_transform(clip)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert est._weights_identity() == "imagenet"


def test_invalid_parameters(tmp_path):
    path = [str(tmp_path / "x.mp4")]
    for params in [dict(n_frames=0), dict(image_size=64), dict(short_clip="loop"),
                   dict(weights=str(tmp_path / "missing.h5")), dict(weights=3),
                   dict(batch_size=0), dict(on_error="skip"),
                   dict(precision="float16"), dict(precision=None)]:
        with pytest.raises(ValueError):
            small(**params).fit(path)
    with pytest.raises(ValueError, match="row 1 holds float"):
        small().fit(["a.mp4", 0.5])


# -- cache ----------------------------------------------------------------------
def test_cache_skips_forward_passes(tmp_path, clip_factory, monkeypatch):
    calls = []
    original = VisualInceptionFeatures._forward

    def counting(self, runner, decoded):
        calls.append(len(decoded))
        return original(self, runner, decoded)

    monkeypatch.setattr(VisualInceptionFeatures, "_forward", counting)
    paths = [str(clip_factory(f"c{i}.mp4", n_frames=6, seed=i, audio=False))
             for i in range(2)]
    cache = tmp_path / "cache"
    first = small(cache=cache).fit_transform(paths)
    assert sum(calls) == 2
    calls.clear()
    again = small(cache=cache, batch_size=5).fit_transform(paths)
    assert calls == []  # batch_size does not change the features
    np.testing.assert_array_equal(again, first)
    small(cache=cache, n_frames=3).fit_transform(paths)
    assert sum(calls) == 2  # n_frames changes them
    calls.clear()
    small(cache=cache, random_state=1).fit_transform(paths)
    assert sum(calls) == 2  # so do other random weights
    calls.clear()
    small(cache=cache, precision="bfloat16").fit_transform(paths)
    assert sum(calls) == 2  # and the precision


# -- errors ---------------------------------------------------------------------
def _bad_files(tmp_path, clip_factory):
    good = clip_factory("good.mp4", n_frames=6, audio=False)
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(np.random.default_rng(0).bytes(4000))
    data = clip_factory("long.mp4", n_frames=30, audio=True, seconds=5).read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    return {
        "missing": (good, tmp_path / "missing.mp4", "does not exist"),
        "corrupt": (good, corrupt, "could not open"),
        "truncated": (good, truncated, "could not open"),
    }


@pytest.mark.parametrize("kind", ["missing", "corrupt", "truncated"])
def test_unreadable_files_raise_media_error_naming_the_row(tmp_path, clip_factory,
                                                           kind):
    good, bad, message = _bad_files(tmp_path, clip_factory)[kind]
    with pytest.raises(MediaError, match=message) as info:
        small().fit_transform([str(good), str(bad)])
    assert info.value.row == 1 and "row 1" in str(info.value)
    assert bad.name in str(info.value)


def test_zero_decodable_frames(tmp_path, clip_factory, monkeypatch):
    path = clip_factory("c.mp4", n_frames=6, audio=False)

    class Empty(LyingCapture):
        def grab(self):
            return False

    monkeypatch.setattr(_decode_video, "_open_capture", lambda p: Empty(p, 6))
    with pytest.raises(MediaError, match="no decodable video frames") as info:
        small().fit_transform([str(path)])
    assert info.value.row == 0 and "c.mp4" in str(info.value)


def test_on_error_zeros_warns_and_zeros_the_row(tmp_path, clip_factory):
    good, bad, _ = _bad_files(tmp_path, clip_factory)["corrupt"]
    est = small(on_error="zeros")
    with pytest.warns(SkippedRowsWarning, match="2 of 3 rows") as record:
        feats = est.fit_transform([str(good), str(bad), None])
    assert np.all(feats[1] == 0) and np.all(feats[2] == 0)
    assert np.abs(feats[0]).sum() > 0
    assert record[0].message.rows == [1, 2]
    assert [e.row for e in record[0].message.errors] == [1, 2]


# -- estimator checks (tests/_checks.py) ---------------------------------------------
@pytest.fixture(scope="module")
def check_clips(tmp_path_factory):
    """Four small clips, one of them shorter than the others."""
    from skmmlc.datasets import write_clip

    folder = tmp_path_factory.mktemp("checks")
    return [
        str(write_clip(folder / f"c{i}.mp4", make_frames(6 - 2 * (i == 3), seed=i), fps=6))
        for i in range(4)
    ]


@pytest.mark.parametrize("check", check_params())
def test_estimator_checks(check, check_clips):
    X = check_clips
    if check.__name__ == "check_columns_checked_in_transform":
        X = pd.DataFrame({"video": X})
    run_check(check, small(n_frames=2, batch_size=4), X)
