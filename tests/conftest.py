"""Shared fixtures: small real media files written by the tests themselves."""

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

#: float32's machine epsilon (2**-23): the relative rounding of one float32
#: operation. Tests that compare results of float32 kernels which may sum in
#: another order (another batch shape, another CPU) allow a multiple of it.
F32_EPS = float(np.finfo(np.float32).eps)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
MULAN = SHARED / "data" / "mulan"


def make_frames(n_frames, height=64, width=96, seed=0, color=None):
    """Random-ish RGB uint8 frames; ``color`` (r, g, b) tints them."""
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 255, size=(n_frames, height, width, 3), dtype=np.uint8)
    if color is not None:
        frames = (0.3 * frames + 0.7 * np.asarray(color)).astype(np.uint8)
    return frames


def make_sound(seconds, sample_rate=22050, freq=440.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return (0.5 * np.sin(2 * np.pi * freq * t) + 0.05 * rng.standard_normal(t.size)).astype(
        np.float32
    )


@pytest.fixture
def clip_factory(tmp_path):
    """``clip_factory(name, n_frames=12, seconds=2.0, audio=True, seed=0)`` -> Path."""
    from skmmlc.datasets import write_clip

    def factory(name="clip.mp4", n_frames=12, seconds=2.0, audio=True, seed=0, fps=6,
                height=64, width=96, sample_rate=22050):
        sound = make_sound(seconds, sample_rate, seed=seed) if audio else None
        return write_clip(
            tmp_path / name,
            make_frames(n_frames, height, width, seed=seed),
            fps=fps,
            audio=sound,
            sample_rate=sample_rate,
        )

    return factory


@pytest.fixture
def wav_factory(tmp_path):
    """``wav_factory(name, seconds=2.0, sample_rate=22050)`` -> Path (wav/flac by suffix)."""
    from skmmlc.datasets import write_audio

    def factory(name="sound.wav", seconds=2.0, sample_rate=22050, seed=0):
        return write_audio(tmp_path / name, make_sound(seconds, sample_rate, seed=seed),
                           sample_rate)

    return factory


@pytest.fixture
def mulan_dir():
    if not MULAN.exists():
        pytest.skip(f"Mulan data not found at {MULAN}")
    return MULAN


@pytest.fixture(scope="module")
def emotions():
    """emotions, train and test splits concatenated (593 rows), as mldr reads it."""
    from skmmlc.datasets import load_mulan

    if not MULAN.exists():
        pytest.skip(f"Mulan data not found at {MULAN}")
    parts = [load_mulan(MULAN / "emotions" / f"emotions-{s}.arff") for s in ("train", "test")]
    return (np.vstack([p.data for p in parts]), np.vstack([p.target for p in parts]))


# -- a small audio-only pipeline on generated sounds (pipeline-level input tests)
TEMPORAL = dict(units=2, dense_units=4, epochs=2, batch_size=8, early_stopping=False)


def audio_pipeline(**params):
    """The cheapest full pipeline: one audio branch, random SoundNet, tiny LSTM."""
    from skmmlc import make_disaster_pipeline

    kw = dict(modalities=("audio",), audio=None, audio_steps=1, audio_weights=None,
              temporal=TEMPORAL, select=dict(step=2))
    return make_disaster_pipeline(**{**kw, **params})


@pytest.fixture
def sounds(wav_factory):
    """X (8 generated wav files in the "video" column) and a 2-label Y."""
    import pandas as pd

    paths = [str(wav_factory(f"s{i}.wav", seconds=1.6, seed=i)) for i in range(8)]
    Y = np.array([[i % 2, (i // 2) % 2] for i in range(8)])
    return pd.DataFrame({"video": paths}), Y


@pytest.fixture(scope="module")
def keep_compiled_models():
    """Keep every compiled test network for the whole module (rebuilds cost seconds)."""
    from skmmlc.feature_extraction import _cache

    saved = _cache.MODELS.max_size
    _cache.MODELS.max_size = 32
    yield
    _cache.MODELS.max_size = saved
    _cache.clear_model_cache()
