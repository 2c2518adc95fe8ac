"""Extraction and tuning on a Dask cluster (``pip install "skmmlc[dask]"``).

One ``LocalCluster`` (2 worker processes, 1 thread each, loopback, no
dashboard) serves the tests of this module; deselect them with
``-m "not dask"``. They check that

- extraction on the cluster (``joblib.parallel_backend("dask")``) equals the
  serial result, bit for bit, and ``skmmlc extract --scheduler`` fills the
  cache that a serial run then reuses;
- ``GridSearchCV`` under the dask backend equals the local search;
- a worker process killed during extraction loses nothing: Dask runs its
  task again elsewhere, the clips finished before are in the cache, and the
  result equals the serial one. This test kills a worker: it runs last.
"""

import os
import warnings

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmmlc import (
    LabelPowersetWeightedSVC,
    RFRecursiveSelector,
    SoundNetFeatures,
    VisualInceptionFeatures,
)

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.dask


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        # with pytest-xdist, two clusters may start: "Port 8787 is already in use"
        warnings.filterwarnings("ignore", "Port .* is already in use", UserWarning)
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            worker_dashboard_address=None,
        )
    with cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=120)
        yield client


def audio(**params):
    return SoundNetFeatures(n_steps=1, weights=None, **params)


def one_clip_chunks(extractor):
    """One clip per chunk (on the instance, so it travels to the workers)."""
    extractor._chunk_clips = 1
    return extractor


@pytest.fixture
def clips(wav_factory):
    return [str(wav_factory(f"c{i}.wav", seconds=1.0, seed=i)) for i in range(8)]


def networks_on_workers(client):
    """Number of SoundNet networks each worker process has loaded."""

    def count():
        from skmmlc.feature_extraction import _cache

        return len(_cache.MODELS.keys("SoundNetFeatures"))

    return client.run(count)


def test_extraction_on_the_cluster_equals_serial(client, clips, tmp_path):
    expected = one_clip_chunks(audio()).fit(clips).transform(clips)
    cache = tmp_path / "cache"
    est = one_clip_chunks(audio(cache=cache)).fit(clips)
    with joblib.parallel_backend("dask"):
        got = est.transform(clips)
    np.testing.assert_array_equal(got, expected)
    assert len(list(cache.rglob("*.npz"))) == len(clips)
    assert sum(networks_on_workers(client).values()) >= 1  # it ran on the workers


def test_grid_search_on_the_cluster_equals_local(client):
    """Classifier parameters; the selector's forest is seeded.

    ResBiLSTMTemporal is left out: its Keras layers draw their seeds from
    Python's global ``random``, which a Dask worker's event loop also draws
    from, so its fits are not reproducible inside a Dask worker (yet).
    """
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 12))
    Y = np.column_stack([X[:, 0] > 0, X[:, 5] + X[:, 9] > 0.5, X[:, 3] > 1]).astype(int)
    model = Pipeline([
        ("scale", StandardScaler()),
        ("select", RFRecursiveSelector(n_estimators=10, n_jobs=1, random_state=0)),
        ("classify", LabelPowersetWeightedSVC()),
    ])
    grid = {"select__step": [4, 6], "classify__C": [0.1, 10.0]}

    def search():
        return GridSearchCV(model, grid, cv=KFold(2), scoring="f1_micro")

    local = search().fit(X, Y)
    with joblib.parallel_backend("dask"):
        remote = search().fit(X, Y)
    for key in ("mean_test_score", "split0_test_score", "split1_test_score"):
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(remote.predict(X), local.predict(X))


def test_extract_command_on_the_cluster(client, tmp_path, monkeypatch, capsys):
    from skmmlc._cli import main
    from skmmlc.datasets import make_disaster_demo
    from skmmlc.feature_extraction._base import BaseExtractor

    demo = make_disaster_demo(tmp_path / "data", n_clips=3, seed=5)
    cache = tmp_path / "cache"
    argv = ["extract", str(demo.filename), "--cache", str(cache), "--n-frames", "1",
            "--image-size", "75", "--audio-steps", "1", "--max-tokens", "4",
            "--visual-weights", "none", "--audio-weights", "none"]
    # the visual features first, here (saves each worker building Inception-V3;
    # the loky tests check the visual extractor in worker processes)
    VisualInceptionFeatures(n_frames=1, image_size=75, weights=None, random_state=0,
                            cache=cache).fit_transform(demo.data.video)
    assert main([*argv, "--scheduler", client.scheduler.address]) == 0
    assert "Dask scheduler" in capsys.readouterr().out
    assert len(list(cache.rglob("*.npz"))) == 3 * 3

    def nothing_left(self, *args, **kwargs):
        raise AssertionError("the cluster's cache entries were not reused")

    monkeypatch.setattr(BaseExtractor, "_compute", nothing_left)
    assert main(argv) == 0  # serial rerun: the cache holds every clip


def test_killed_worker_loses_nothing(client, clips, tmp_path):
    expected = one_clip_chunks(audio()).fit(clips).transform(clips)
    victim, marker = clips[5], str(tmp_path / "killed")

    def install_killer():
        # the first worker to read the victim's file dies (SIGKILL, no cleanup)
        import signal

        from skmmlc.feature_extraction import _soundnet

        original = _soundnet.load_audio

        def load_audio(path, *args, **kwargs):
            if os.fspath(path) == victim and not os.path.exists(marker):
                open(marker, "w").close()
                os.kill(os.getpid(), signal.SIGKILL)
            return original(path, *args, **kwargs)

        _soundnet.load_audio = load_audio

    client.run(install_killer)
    before = set(client.run(os.getpid).values())
    cache = tmp_path / "cache"
    est = one_clip_chunks(audio(cache=cache)).fit(clips)
    with joblib.parallel_backend("dask"):
        got = est.transform(clips)
    assert os.path.exists(marker)  # a worker was killed during the extraction
    np.testing.assert_array_equal(got, expected)
    assert len(list(cache.rglob("*.npz"))) == len(clips)  # every clip is in the cache
    client.wait_for_workers(2, timeout=120)  # the nanny restarted it
    assert set(client.run(os.getpid).values()) != before
