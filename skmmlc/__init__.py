"""skmmlc: multi-label, multimodal, imbalanced classification of video clips.

The framework of Pouyanfar et al., "Multi-label Multimodal Deep Learning
Framework for Imbalanced Data Classification", as scikit-learn estimators:

- static features per modality: :class:`VisualInceptionFeatures`,
  :class:`SoundNetFeatures`, :class:`GloveFeatures`;
- temporal features per modality: :class:`ResBiLSTMTemporal`;
- fusion: :class:`RFRecursiveSelector` and :class:`LabelPowersetWeightedSVC`;
- the whole model as one Pipeline: :class:`MultimodalDisasterPipeline`;
- multi-label stratified cross-validation: :class:`MultilabelStratifiedKFold`;
- :func:`show_versions` for bug reports.

``import skmmlc`` is cheap: every public name is imported on first use
(PEP 562), and TensorFlow is imported only when a deep model is built.
"""

import importlib

from ._version import __version__

_LAZY = {
    "LabelPowersetWeightedSVC": "._label_powerset",
    "RFRecursiveSelector": "._selection",
    "VisualInceptionFeatures": ".feature_extraction",
    "SoundNetFeatures": ".feature_extraction",
    "GloveFeatures": ".feature_extraction",
    "ResBiLSTMTemporal": "._temporal",
    "MultimodalDisasterPipeline": "._pipeline",
    "make_disaster_pipeline": "._pipeline",
    "MediaError": ".exceptions",
    "MultilabelStratifiedKFold": ".model_selection",
    "show_versions": "._show_versions",
}
_SUBMODULES = (
    "datasets", "exceptions", "feature_extraction", "metrics", "model_selection", "protocol",
    "resampling",
)

__all__ = sorted(_LAZY) + list(_SUBMODULES) + ["__version__"]


def __getattr__(name):
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name], __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
