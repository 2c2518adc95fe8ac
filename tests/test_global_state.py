"""The deep estimators change nothing of the process they run in.

``fit`` and ``transform`` of each deep estimator leave the environment
variables, Python's and NumPy's global random generators, Keras' seed source
and dtype policy, and file descriptor 2 as they were (docs/design.md,
"Downloads and global state"). TensorFlow is imported first: what its own
import does is not the estimators' doing.
"""

import os
import random

import numpy as np
import pytest
from conftest import TEMPORAL

from skmmlc import (
    GloveFeatures,
    ResBiLSTMTemporal,
    SoundNetFeatures,
    VisualInceptionFeatures,
)
from skmmlc.utils import import_tensorflow


def _process_state():
    from keras.src.random import seed_generator

    _, keras = import_tensorflow()
    fd2 = os.fstat(2)
    return {
        "environ": dict(os.environ),
        "python_random": random.getstate(),
        "numpy_random": np.random.get_state()[1].tobytes(),
        "keras_seed_source": seed_generator.python_random,
        "keras_dtype_policy": keras.config.dtype_policy().name,
        "fd2": (fd2.st_dev, fd2.st_ino),
    }


def _visual(clip_factory, wav_factory):
    X = [str(clip_factory("a.mp4", n_frames=4)), str(clip_factory("b.mp4", n_frames=4))]
    # a seed and sizes no other test uses: the network is built here, not found cached
    est = VisualInceptionFeatures(n_frames=2, image_size=75, batch_size=4, weights=None,
                                  random_state=4242, precision="bfloat16")
    return est, X, None


def _audio(clip_factory, wav_factory):
    X = [str(wav_factory("a.wav", seconds=1.0)), str(wav_factory("b.wav", seconds=1.2))]
    return SoundNetFeatures(n_steps=1, weights=None, random_state=4243), X, None


def _text(clip_factory, wav_factory):
    return GloveFeatures(max_tokens=3), ["floods and fire", "a storm"], None


def _temporal(clip_factory, wav_factory):
    X = np.random.default_rng(0).normal(size=(8, 6))
    return ResBiLSTMTemporal(n_steps=2, random_state=4244, **TEMPORAL), X, np.arange(8) % 2


@pytest.mark.parametrize("make", [_visual, _audio, _text, _temporal],
                         ids=["visual", "audio", "text", "temporal"])
def test_fit_and_transform_leave_the_process_as_it_was(make, clip_factory, wav_factory):
    est, X, y = make(clip_factory, wav_factory)
    before = _process_state()
    est.fit(X, y)
    est.transform(X)
    after = _process_state()
    for key in before:
        assert after[key] == before[key], f"{type(est).__name__} changed {key}"


def test_the_check_sees_a_change():
    # the comparison above can fail: a draw from Python's generator is seen
    before = _process_state()
    random.random()
    assert _process_state()["python_random"] != before["python_random"]
