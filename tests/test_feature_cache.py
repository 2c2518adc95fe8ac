"""The feature cache: checksummed entries, graceful degradation, clear errors."""

import contextlib
import os
import warnings

import numpy as np
import pytest

from skmmlc import GloveFeatures

TEXTS = ["flooded street after the storm", "rescue team arrives", "press briefing"]


def entries(folder):
    return sorted(folder.rglob("*.npz"))


def test_round_trip_and_bit_rot_is_recomputed(tmp_path):
    est = GloveFeatures(max_tokens=4, cache=tmp_path / "c").fit(TEXTS)
    clean = est.transform(TEXTS)
    files = entries(tmp_path / "c")
    assert len(files) == 3
    # rewrite one entry with other (valid) values but keep its stored checksum
    with np.load(files[0]) as entry:
        stored = entry["sha256"]
        features = entry["features"] + 1.0
    with open(files[0], "wb") as fh:
        np.savez(fh, features=features, sha256=stored)
    with pytest.warns(UserWarning, match="does not match its checksum"):
        again = est.transform(TEXTS)
    np.testing.assert_array_equal(again, clean)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(est.transform(TEXTS), clean)  # repaired


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_cache_warns_and_goes_on(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o555)
    try:
        est = GloveFeatures(max_tokens=4, cache=folder).fit(TEXTS)
        with pytest.warns(UserWarning, match=f"cannot write to the feature cache {folder}"):
            X = est.transform(TEXTS)
        assert X.shape == (3, 4 * 50) and not entries(folder)
    finally:
        os.chmod(folder, 0o755)


def test_unwritable_cache_degrades_to_reading(tmp_path, monkeypatch):
    import skmmlc.feature_extraction._base as base

    est = GloveFeatures(max_tokens=4, cache=tmp_path / "c").fit(TEXTS)
    first = est.transform(TEXTS[:1])  # one entry is cached
    calls = []

    @contextlib.contextmanager
    def disk_full(path, *args, **kwargs):
        calls.append(path)
        raise OSError(28, "No space left on device")
        yield  # pragma: no cover

    monkeypatch.setattr(base, "atomic_write", disk_full)
    with pytest.warns(UserWarning, match=r"cannot write .*No space left on device") as record:
        X = est.transform(TEXTS)
    assert len([w for w in record if "cannot write" in str(w.message)]) == 1
    assert len(calls) == 1  # no further attempts after the first failure
    np.testing.assert_array_equal(X[:1], first)  # the cached entry was still read
    np.testing.assert_array_equal(X, GloveFeatures(max_tokens=4).fit(TEXTS).transform(TEXTS))
    assert len(entries(tmp_path / "c")) == 1


def test_cache_path_that_is_a_file_is_an_error(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    est = GloveFeatures(max_tokens=4, cache=path).fit(TEXTS)
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        est.transform(TEXTS)
