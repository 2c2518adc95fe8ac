"""Parallel extraction (``n_jobs``) through joblib: loky workers and threads.

The extractors split the clips into tasks of whole chunks, so a worker's
network sees the batches of a serial run: the features must be identical, bit
for bit. The clips are tiny and the networks small (random weights, 75 px,
2 frames); the loky workers are shared by the tests of this module (joblib
reuses its executor), so each worker process builds each network once.
"""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skmmlc import SoundNetFeatures, VisualInceptionFeatures
from skmmlc.exceptions import MediaError, SkippedRowsWarning
from skmmlc.feature_extraction import _cache
from skmmlc.feature_extraction._parallel import _extract_task, plan_tasks


def visual(**params):
    return VisualInceptionFeatures(
        n_frames=2, image_size=75, weights=None, random_state=0, **params
    )


def audio(**params):
    return SoundNetFeatures(n_steps=1, weights=None, **params)


def small_chunks(extractor, size=2):
    """Chunks of ``size`` clips (set on the instance: travels to workers)."""
    extractor._chunk_clips = size
    return extractor


@pytest.fixture
def clips(clip_factory):
    return [str(clip_factory(f"c{i}.mp4", n_frames=4, seconds=1.0, seed=i))
            for i in range(5)]


def cache_entries(folder):
    return sorted(p for p in folder.rglob("*.npz"))


@pytest.mark.parametrize("make", [visual, audio], ids=["visual", "audio"])
def test_n_jobs_2_equals_serial_bit_for_bit(make, clips, tmp_path):
    serial = small_chunks(make()).fit(clips)
    expected = serial.transform(clips)
    cache = tmp_path / "cache"
    parallel = small_chunks(make(n_jobs=2, cache=cache)).fit(clips)
    got = parallel.transform(clips)
    np.testing.assert_array_equal(got, expected)
    # the workers wrote every clip to the shared cache
    assert len(cache_entries(cache)) == len(clips)
    # cache identity: n_jobs does not change the features
    assert parallel._identity() == small_chunks(make(cache=cache)).fit(clips)._identity()


def test_threading_backend_equals_serial(clips):
    est = small_chunks(audio()).fit(clips)
    expected = est.transform(clips)
    with joblib.parallel_backend("threading", n_jobs=2):
        got = est.transform(clips)  # n_jobs=None: the context's 2 threads
    np.testing.assert_array_equal(got, expected)


def test_worker_failures_are_reported_once(clips, tmp_path):
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF" + bytes(range(256)) * 8)
    X = clips[:1] + [str(tmp_path / "missing.wav")] + clips[1:3] + [str(corrupt)] + clips[3:]
    est = small_chunks(audio(n_jobs=2, on_error="zeros")).fit(X)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = est.transform(X)
    skipped = [w.message for w in caught if issubclass(w.category, SkippedRowsWarning)]
    assert len(skipped) == 1  # rows of different tasks, one warning
    assert skipped[0].rows == [1, 4]
    assert [e.row for e in skipped[0].errors] == [1, 4]
    assert "2 of 7 rows" in str(skipped[0])
    assert not got[[1, 4]].any() and got[[0, 2, 3, 5, 6]].any(axis=1).all()


def test_worker_error_names_the_row(clips, tmp_path):
    X = clips[:3] + [str(tmp_path / "missing.wav")]
    est = small_chunks(audio(n_jobs=2)).fit(X)
    with pytest.raises(MediaError, match="row 3") as info:
        est.transform(X)
    assert info.value.row == 3


def test_retried_task_reuses_finished_clips(clips, tmp_path, monkeypatch):
    """A task run again (its worker died) takes its finished clips from the cache."""
    est = small_chunks(audio(cache=tmp_path / "cache")).fit(clips)
    expected = est.transform(clips[:2])  # a first run finished clips 0 and 1
    keys = est._cache_keys(clips)
    forwarded = []
    original = SoundNetFeatures._forward

    def counting(self, runner, decoded):
        forwarded.append(len(decoded))
        return original(self, runner, decoded)

    monkeypatch.setattr(SoundNetFeatures, "_forward", counting)
    rows = [0, 1, 2, 3]
    got_rows, features, failed, caught = _extract_task(
        est, rows, [clips[i] for i in rows], [keys[i] for i in rows], parent_pid=-1
    )
    assert got_rows == rows and failed == [] and caught == []
    assert sum(forwarded) == 2  # only clips 2 and 3
    np.testing.assert_array_equal(features[:2], expected)


def test_worker_warnings_are_returned(clips, tmp_path, monkeypatch):
    """In a worker process, warnings (here: an unwritable cache) go back to the parent."""

    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_cache, "atomic_write", refuse)
    est = small_chunks(audio(cache=tmp_path / "cache")).fit(clips)
    keys = est._cache_keys(clips)
    *_, caught = _extract_task(est, [0, 1], clips[:2], keys[:2], parent_pid=-1)
    assert len(caught) == 1
    category, message = caught[0]
    assert category is UserWarning and "No space left" in message


def test_plan_tasks_keeps_the_serial_chunks():
    rows = list(range(3, 40))
    for n_workers in (1, 2, 3, 16):
        tasks = plan_tasks(rows, 4, n_workers)
        assert sum(tasks, []) == rows
        assert all(len(t) % 4 == 0 for t in tasks[:-1])
        assert max(len(t) for t in tasks) <= 16
    assert len(plan_tasks(rows, 4, 2)) == 10  # one chunk per task: 10 chunks
    assert len(plan_tasks(list(range(800)), 8, 2)) == 25  # 4 chunks per task


@pytest.mark.parametrize("value", ["2", 1.5])
def test_n_jobs_is_validated(value, clips):
    with pytest.raises(InvalidParameterError, match="n_jobs"):
        audio(n_jobs=value).fit(clips)


def test_make_disaster_pipeline_passes_n_jobs_to_the_extractors():
    from skmmlc import make_disaster_pipeline

    params = make_disaster_pipeline(n_jobs=2).get_params()
    for name in ("visual", "audio", "text"):
        assert params[f"fusion__{name}__static__n_jobs"] == 2
    assert params["fusion__n_jobs"] is None  # branches: ColumnTransformer's own
    assert make_disaster_pipeline().get_params()["fusion__visual__static__n_jobs"] is None
