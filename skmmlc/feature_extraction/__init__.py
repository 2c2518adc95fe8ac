"""Static feature extractors: one per modality of a clip.

- :class:`VisualInceptionFeatures`: video file -> Inception-V3 features of
  ``n_frames`` frames;
- :class:`SoundNetFeatures`: audio or video file -> SoundNet-8 conv7 features;
- :class:`GloveFeatures`: description -> GloVe word-vector sequence.

They share :class:`~skmmlc.feature_extraction._base.BaseExtractor` (input
coercion, the bad-input policy, the feature cache and streaming decode). Each
name is imported on first use, and TensorFlow only when a network is built.
"""

import importlib

_LAZY = {
    "VisualInceptionFeatures": "._visual",
    "SoundNetFeatures": "._soundnet",
    "GloveFeatures": "._glove",
    "clear_model_cache": "._visual",
    "load_audio": "._soundnet",
    "load_vectors": "._glove",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
