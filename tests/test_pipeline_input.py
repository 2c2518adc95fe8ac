"""The pipeline checks X and Y before any extraction.

(A refit with ``memory=`` after a media file is replaced: tests/test_faults.py.)
"""

import numpy as np
import pandas as pd
import pytest

from skmmlc import make_disaster_pipeline

TEMPORAL = dict(units=2, dense_units=4, epochs=2, batch_size=8, early_stopping=False)


def audio_pipeline(memory=None):
    return make_disaster_pipeline(
        modalities=("audio",), audio=None, audio_steps=1, audio_weights=None,
        temporal=TEMPORAL, select=dict(step=2), memory=memory,
    )


@pytest.fixture
def sounds(wav_factory):
    paths = [str(wav_factory(f"s{i}.wav", seconds=1.6, seed=i)) for i in range(8)]
    Y = np.array([[i % 2, (i // 2) % 2] for i in range(8)])
    return pd.DataFrame({"video": paths}), Y


def test_one_d_array_of_paths_gets_a_clear_error(sounds, monkeypatch):
    X, Y = sounds
    with pytest.raises(ValueError, match=r"X must be a pandas DataFrame .*\['video'\].*ndarray"):
        audio_pipeline().fit(X["video"].to_numpy(), Y)


def test_missing_column_is_named(sounds):
    X, Y = sounds
    with pytest.raises(ValueError, match=r"X lacks the column\(s\) \['video'\]"):
        audio_pipeline().fit(X.rename(columns={"video": "clip"}), Y)


def test_bad_targets_fail_before_any_extraction(sounds, monkeypatch):
    from skmmlc.feature_extraction._soundnet import SoundNetFeatures

    def no_extraction(*args, **kwargs):
        raise AssertionError("extraction started")

    monkeypatch.setattr(SoundNetFeatures, "_extract", no_extraction)
    X, Y = sounds
    with pytest.raises(ValueError, match="coded -1/"):
        audio_pipeline().fit(X, 2 * Y - 1)
    with pytest.raises(ValueError, match="MultiLabelBinarizer"):
        audio_pipeline().fit(X, [["a", "b"], ["a"]] * 4)
