"""The feature cache removes what killed writers left behind, and only that."""

import os
import time

import numpy as np

from skmmlc.feature_extraction._base import FeatureCache


def test_stale_temporary_files_are_removed_when_the_cache_is_opened(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put("ab" + "0" * 62, np.ones((2, 3), np.float32))
    folder = tmp_path / "ab"
    stale, live = folder / ".tmp-0123456789abcdef.npz", folder / ".tmp-fedcba9876543210.npz"
    top_level_stale = tmp_path / ".tmp-00000000aaaaaaaa.npz"
    for path in (stale, live, top_level_stale):
        path.write_bytes(b"half an entry")
    old = time.time() - 2 * FeatureCache._stale_after
    os.utime(stale, (old, old))
    os.utime(top_level_stale, (old, old))
    FeatureCache._swept.clear()  # as in a new process

    reopened = FeatureCache(tmp_path)

    assert not stale.exists() and not top_level_stale.exists()
    assert live.exists()  # a live writer's file (seconds old) is left alone
    np.testing.assert_array_equal(reopened.get("ab" + "0" * 62), np.ones((2, 3)))
    # once per process: a file that turns stale later is left until then
    os.utime(live, (old, old))
    FeatureCache(tmp_path)
    assert live.exists()


def test_a_cache_folder_that_does_not_exist_yet_is_fine(tmp_path):
    FeatureCache._swept.clear()
    cache = FeatureCache(tmp_path / "new")
    assert cache.get("ab" + "1" * 62) is None


def test_one_model_cache_for_every_extractor(wav_factory):
    """Networks and word vectors live in one cache, and clear_model_cache clears all."""
    from skmmlc import GloveFeatures, SoundNetFeatures
    from skmmlc.feature_extraction import _cache, clear_model_cache

    clear_model_cache()
    path = str(wav_factory("m.wav", seconds=1.0))
    SoundNetFeatures(n_steps=1, weights=None, random_state=7).fit([path]).transform([path])
    GloveFeatures(max_tokens=2).fit(["a flood"]).transform(["a flood"])
    kinds = {key[0] for key in _cache.MODELS.keys()}
    assert kinds == {"SoundNetFeatures", "GloveFeatures"}
    clear_model_cache()
    assert _cache.MODELS.keys() == []


def test_model_cache_keeps_max_size_per_kind():
    from skmmlc.feature_extraction._cache import SharedCache

    cache = SharedCache(max_size=2)
    for i in range(3):
        cache.get(("A", i), lambda i=i: f"a{i}")
    cache.get(("B", 0), lambda: "b0")
    assert cache.keys("A") == [("A", 1), ("A", 2)]  # the oldest A went
    assert cache.keys("B") == [("B", 0)]  # another kind is not evicted by A's
