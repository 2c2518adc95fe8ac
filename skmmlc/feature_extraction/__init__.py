"""Static feature extractors: one per modality of a clip.

- :class:`VisualInceptionFeatures`: video file -> Inception-V3 features of
  ``n_frames`` frames;
- :class:`SoundNetFeatures`: audio or video file -> SoundNet-8 conv7 features;
- :class:`GloveFeatures`: description -> GloVe word-vector sequence.

They share :class:`~skmmlc.feature_extraction._base.BaseExtractor` (input
coercion, the bad-input policy, the feature cache and streaming decode). Each
name is imported on first use, and TensorFlow only when a network is built.
"""

from ..utils._lazy import attach

_LAZY = {
    "VisualInceptionFeatures": "._visual",
    "SoundNetFeatures": "._soundnet",
    "GloveFeatures": "._glove",
    "clear_model_cache": "._cache",
    "load_audio": "._soundnet",
    "load_vectors": "._glove",
}

# not public: what the pipeline and the command line use of this package
_INTERNAL = {
    "BaseExtractor": "._base",
    "FeatureCache": "._cache",
}

__getattr__, __dir__, __all__ = attach(__name__, _LAZY, internal=_INTERNAL)
